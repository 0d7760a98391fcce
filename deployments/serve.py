"""Serve every flow from one process, without a work pool: `python -m deployments.serve`.

Creates the dataset pipelines (paper presets), the demo pipeline, the benchmark (weekly schedule,
inactive), the ablation and predict deployments on the current Prefect API, and runs what is
triggered from the UI until interrupted.
"""

from __future__ import annotations

from prefect import serve
from prefect.schedules import Cron

from deployments.presets import DATASET_PRESETS, DEMO_PARAMETERS
from flows.ablation import ablation
from flows.benchmark import benchmark
from flows.pipeline import pipeline
from flows.predict import predict

WEEKLY = "0 3 * * 1"


def deployments() -> list:
    """Every deployment `serve` runs."""
    served = [pipeline.to_deployment(name=name, parameters=p) for name, p in DATASET_PRESETS.items()]
    served.append(pipeline.to_deployment(name="demo", parameters=DEMO_PARAMETERS))
    served.append(
        benchmark.to_deployment(
            name="full-rerun",
            parameters={"datasets": [p["dataset"] for p in DATASET_PRESETS.values()]},
            schedule=Cron(WEEKLY, timezone="UTC", active=False),
        )
    )
    served.append(
        ablation.to_deployment(
            name="sccm2022", parameters={"dataset": DATASET_PRESETS["sccm2022"]["dataset"]}
        )
    )
    served.append(predict.to_deployment(name="predict"))
    return served


if __name__ == "__main__":
    serve(*deployments())
