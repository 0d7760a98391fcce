"""`make demo`: the `pipeline` flow end to end on the embedded default, then a prediction.

Synthetic SCCM-like NIfTI volumes → 2.5D slices → amplification → STS-Net on Ray Train (CPU) →
evaluation → MLflow registration → the registered model (`models:/stsnet-synthetic-sccm@champion`)
segments a new synthetic volume. Prefect runs on its ephemeral API (unless `PREFECT_API_URL` is
set); a second run finishes from the cache.
"""

from __future__ import annotations

import flows.quiet  # noqa: F401 - first: quiet environment before the libraries load

# isort: split
import os
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from deployments.presets import DEMO_PARAMETERS
from flows.pipeline import PipelineResult, pipeline, resolve_root
from flows.predict import predict
from stsnet.cli.output import format_table
from stsnet.config import DatasetSettings
from stsnet.data.sources.synthetic import write_synthetic_volumes
from stsnet.data.sources.synthetic_sccm import volume_spec
from stsnet.data.store import open_prepared
from stsnet.metrics import summarize
from stsnet.tracking import tracking_uri

NEW_SCAN_SEED = 4242
METRICS = ("mdice", "miou", "jaccard", "recall", "precision")


def new_scan(root: str, dataset: DatasetSettings) -> Path:
    """One synthetic volume like the training ones but never seen (another seed), as a NIfTI file."""
    folder = Path(root) / "demo" / "new-scan"
    if not (folder / "imagesTr").exists():
        spec = replace(volume_spec(dataset), count=1, seed=NEW_SCAN_SEED)
        write_synthetic_volumes(folder, spec)
    return folder / "imagesTr" / "sccm_000.nii.gz"


def all_background(store: str) -> dict[str, float]:
    """The paper metrics of predicting no lesion anywhere: the floor that learning must beat."""
    _, masks = open_prepared(store).arrays("test")
    masks = np.asarray(masks)
    return summarize(np.zeros_like(masks), masks)["paper"]


def run_demo(parameters: dict[str, Any] | None = None) -> tuple[PipelineResult, dict[str, Any]]:
    """The pipeline flow on the demo parameters, then the predict flow on a new volume."""
    parameters = parameters or DEMO_PARAMETERS
    result = pipeline(**parameters)
    scan = new_scan(resolve_root(parameters.get("data_root")), DatasetSettings(**parameters["dataset"]))
    prediction = predict(
        inputs=str(scan), model_uri=result.model_uri, output=str(scan.parent.parent / "sccm_000_mask.nii.gz")
    )
    return result, prediction


def report(result: PipelineResult, prediction: dict[str, Any], seconds: float) -> str:
    """The metrics table, what ran or came from the cache, and where to look at everything."""
    floor = all_background(result.store)
    rows = [
        ["STS-Net", *(result.metrics.get(m) for m in METRICS)],
        ["all background", *(floor.get(m) for m in METRICS)],
    ]
    tasks = [[name, outcome] for name, outcome in result.tasks.items()]
    root = resolve_root(None)
    return "\n".join(
        [
            "",
            f"Held-out synthetic volumes, test slices (paper protocol, %), run {result.run_name}:",
            format_table(["prediction", "mDice", "mIoU", "Jaccard", "Recall", "Precision"], rows),
            "",
            format_table(["task", "state"], tasks),
            "",
            f"Registered model: {result.model_uri} (version {result.registered_version})",
            f"New volume segmented: {prediction['input']}",
            f"  -> {prediction['output']} ({prediction.get('lesion_voxels', 0)} lesion voxels)",
            f"Evaluation (summary.json, masks/, figure.png): {result.evaluation_dir}",
            f"Finished in {seconds:.0f} s (data root {root})",
            "",
            "Look at the results:",
            f"  PREFECT_HOME={os.environ.get('PREFECT_HOME', '~/.prefect')} prefect server start"
            "   # http://127.0.0.1:4200: flow runs, task cache, metrics/figure artifacts",
            f"  mlflow ui --backend-store-uri {tracking_uri()}   # http://127.0.0.1:5000: runs, models",
        ]
    )


def main() -> int:
    started = time.perf_counter()
    result, prediction = run_demo()
    print(report(result, prediction, time.perf_counter() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
