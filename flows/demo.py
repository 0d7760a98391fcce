"""`make demo`: the `pipeline` flow end to end on the embedded default, then a prediction.

Synthetic SCCM-like NIfTI volumes → 2.5D slices → amplification → STS-Net on Ray Train (CPU) →
evaluation → MLflow registration → the registered model segments a new synthetic volume. Prefect
runs on its ephemeral API (unless `PREFECT_API_URL` is set); a second run finishes from the cache.
"""

from __future__ import annotations

import os

# Set before Prefect and Ray are imported: offline, their telemetry only adds noise to the output.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

import sys
import time
from pathlib import Path
from typing import Any

from deployments.presets import DEMO_PARAMETERS
from flows.pipeline import PipelineResult, pipeline, resolve_root
from flows.predict import predict
from stsnet.cli.output import format_table
from stsnet.data.sources.synthetic import SyntheticVolumeSpec, write_synthetic_volumes

NEW_SCAN_SEED = 4242


def new_scan(root: str) -> Path:
    """One synthetic volume the model has never seen (another seed), as a NIfTI file."""
    folder = Path(root) / "demo" / "new-scan"
    if not (folder / "imagesTr").exists():
        write_synthetic_volumes(folder, SyntheticVolumeSpec(count=1, seed=NEW_SCAN_SEED))
    return folder / "imagesTr" / "sccm_000.nii.gz"


def run_demo(parameters: dict[str, Any] | None = None) -> tuple[PipelineResult, dict[str, Any]]:
    """The pipeline flow on the demo parameters, then the predict flow on a new volume."""
    parameters = parameters or DEMO_PARAMETERS
    result = pipeline(**parameters)
    scan = new_scan(resolve_root(parameters.get("data_root")))
    prediction = predict(
        inputs=str(scan), model_uri=result.model_uri, output=str(scan.parent.parent / "masks")
    )
    return result, prediction


def report(result: PipelineResult, prediction: dict[str, Any], seconds: float) -> str:
    """The metrics table, what ran or came from the cache, and where to look at everything."""
    root = resolve_root(None)
    metrics = [[name, value] for name, value in result.metrics.items()]
    tasks = [[name, outcome] for name, outcome in result.tasks.items()]
    return "\n".join(
        [
            "",
            f"STS-Net on the held-out synthetic volumes ({result.run_name}, paper protocol):",
            format_table(["metric", "value"], metrics),
            "",
            format_table(["task", "state"], tasks),
            "",
            f"Registered model: {result.model_uri} (version {result.registered_version})",
            f"Prediction of a new volume: {prediction}",
            f"Finished in {seconds:.0f} s",
            "",
            "Look at the results:",
            "  prefect server start   # http://127.0.0.1:4200: flow runs, cache, artifacts",
            f"  mlflow ui --backend-store-uri sqlite:///{root}/mlflow.db   # runs, models",
            f"  evaluation files: {result.evaluation_dir}",
        ]
    )


def main() -> int:
    started = time.perf_counter()
    result, prediction = run_demo()
    print(report(result, prediction, time.perf_counter() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
