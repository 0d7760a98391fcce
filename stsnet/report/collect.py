"""Reading a benchmark's runs back from MLflow: tags, test metrics, evaluation summary, curves.

A run belongs to a benchmark by its `stsnet.benchmark_id` tag; a run without a `stsnet.model` tag
(the report run itself) is not a cell. A failed cell is a FAILED run whose `stsnet.error` tag holds
the error message; it is kept, so the report shows it as failed rather than missing.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mlflow.entities import ViewType
from mlflow.tracking import MlflowClient

from stsnet.metrics import PAPER_METRICS
from stsnet.tracking import ERROR_TAG

BENCHMARK_TAG = "stsnet.benchmark_id"
DATASET_TAG = "stsnet.dataset"
MODEL_TAG = "stsnet.model"
AMPLIFICATION_TAG = "stsnet.amplification"
SEED_TAG = "stsnet.seed"
STORE_PARAM = "store"
SUMMARY_ARTIFACT = "evaluation/summary.json"
MASKS_ARTIFACT = "evaluation/masks"
CURVE_METRICS = ("train_loss", "val_mdice")


@dataclass
class RunRecord:
    """One run of a benchmark grid cell (one model × dataset × amplification × seed)."""

    run_id: str
    experiment: str
    dataset: str
    model: str
    amplification: str
    seed: int
    status: str
    error: str | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    summary: dict | None = None
    curves: dict[str, list[tuple[int, float]]] = field(default_factory=dict)
    store: str | None = None

    @property
    def failed(self) -> bool:
        return self.status == "FAILED" or self.error is not None

    @property
    def amplified(self) -> bool:
        return self.amplification != "none"


def experiment_name(dataset: str) -> str:
    """The MLflow experiment holding a dataset's runs."""
    return f"stsnet-{dataset}"


def collect_runs(client: MlflowClient, benchmark_id: str, experiments: Sequence[str]) -> list[RunRecord]:
    """Every cell run of `benchmark_id` in `experiments` (names), with its summary and curves."""
    ids = {}
    for name in experiments:
        experiment = client.get_experiment_by_name(name)
        if experiment is None:
            raise ValueError(f"MLflow experiment {name!r} does not exist at {client.tracking_uri}")
        ids[experiment.experiment_id] = name
    if not ids:
        raise ValueError("no experiment given: pass at least one (e.g. stsnet-sccm2022)")
    runs = client.search_runs(
        list(ids),
        filter_string=f"tags.`{BENCHMARK_TAG}` = '{benchmark_id}'",
        run_view_type=ViewType.ACTIVE_ONLY,
        max_results=50_000,
    )
    records = [
        _record(client, run, ids[run.info.experiment_id]) for run in runs if MODEL_TAG in run.data.tags
    ]
    return sorted(records, key=lambda r: (r.dataset, r.model, r.amplification, r.seed))


def _record(client: MlflowClient, run, experiment: str) -> RunRecord:
    tags = run.data.tags
    missing = [t for t in (DATASET_TAG, AMPLIFICATION_TAG, SEED_TAG) if t not in tags]
    if missing:
        raise ValueError(f"run {run.info.run_id} in {experiment!r} lacks the tag(s) {', '.join(missing)}")
    record = RunRecord(
        run_id=run.info.run_id,
        experiment=experiment,
        dataset=tags[DATASET_TAG],
        model=tags[MODEL_TAG],
        amplification=tags[AMPLIFICATION_TAG],
        seed=int(tags[SEED_TAG]),
        status=run.info.status,
        error=tags.get(ERROR_TAG),
        metrics={m: run.data.metrics[f"test_{m}"] for m in PAPER_METRICS if f"test_{m}" in run.data.metrics},
        store=run.data.params.get(STORE_PARAM),
    )
    if record.status == "FAILED" and record.error is None:
        record.error = "run FAILED without an error message"
    if not record.failed:
        record.summary = _summary(client, record.run_id)
        record.curves = {
            key: [(m.step, m.value) for m in client.get_metric_history(record.run_id, key)]
            for key in CURVE_METRICS
        }
    return record


def _summary(client: MlflowClient, run_id: str) -> dict | None:
    with tempfile.TemporaryDirectory() as scratch:
        try:
            path = client.download_artifacts(run_id, SUMMARY_ARTIFACT, scratch)
        except Exception:
            return None
        return json.loads(Path(path).read_text())


def download_masks(client: MlflowClient, run_id: str, destination: Path) -> list[Path]:
    """The run's predicted masks, sorted by file name (which is the test-array order)."""
    try:
        folder = Path(client.download_artifacts(run_id, MASKS_ARTIFACT, str(destination)))
    except Exception:
        return []
    return sorted(folder.rglob("*.png"))
