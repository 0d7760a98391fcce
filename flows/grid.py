"""Shared by the grid flows: run `pipeline` cells as sub-flows, keep going past a failing cell, report."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

from prefect.artifacts import create_table_artifact
from prefect.states import State
from pydantic import BaseModel, Field

from flows.pipeline import pipeline
from stsnet import tracking
from stsnet.config import AmplificationSettings, DatasetSettings, ScalingSettings, TrainingSettings
from stsnet.report.collect import experiment_name
from tasks.report import report
from tasks.training import local_ray

METRIC_COLUMNS = ("mdice", "miou", "jaccard", "recall", "precision")


class Cell(BaseModel):
    """One grid cell: which dataset, model, amplification and seed, under a label for the table."""

    label: str
    dataset: DatasetSettings
    model: str
    options: dict[str, Any] = Field(default_factory=dict, description="The model's build options.")
    amplification: AmplificationSettings
    seed: int

    def experiment(self, experiment: str | None) -> str:
        """The MLflow experiment of the cell's run: `experiment`, else the dataset's own."""
        return experiment or experiment_name(self.dataset.name)

    def tags(self, benchmark_id: str) -> dict[str, str]:
        """The tags the pipeline gives the cell's run, so a report finds the cell even when it failed."""
        return {
            "stsnet.dataset": self.dataset.name,
            "stsnet.model": self.model,
            "stsnet.amplification": self.amplification.method,
            "stsnet.seed": str(self.seed),
            "stsnet.benchmark_id": benchmark_id,
        }


def failure_message(state: State) -> str:
    """The exception a failed sub-flow raised (`Type: message`), else its state message."""
    error = state.result(raise_on_failure=False)
    if isinstance(error, BaseException):
        return f"{type(error).__name__}: {error}"
    return state.message or f"pipeline ended {state.name}"


def run_cells(
    cells: list[Cell],
    training: TrainingSettings,
    scaling: ScalingSettings,
    experiment: str | None,
    benchmark_id: str,
    data_root: str | None,
    artifact_key: str,
) -> list[dict[str, Any]]:
    """Run every cell as a `pipeline` sub-flow; a failure becomes a row with its error, not an abort,
    and a FAILED MLflow run with the cell's tags and `stsnet.error`, so the report shows it failed."""
    rows = []
    # One local Ray for the whole grid: each cell would otherwise start and stop its own (~30 s).
    with local_ray() if scaling.launcher == "ray" else nullcontext():
        for cell in cells:
            state = pipeline(
                dataset=cell.dataset,
                amplification=cell.amplification,
                model={"name": cell.model, "options": cell.options},
                training=training.model_copy(update={"seed": cell.seed}),
                scaling=scaling,
                experiment=cell.experiment(experiment),
                data_root=data_root,
                benchmark_id=benchmark_id,
                return_state=True,
            )
            rows.append(_row(cell, state, experiment, benchmark_id))
    create_table_artifact(key=artifact_key, table=rows, description=f"Every cell of {benchmark_id}")
    return rows


def run_grid(
    cells: list[Cell],
    training: TrainingSettings,
    scaling: ScalingSettings,
    experiment: str | None,
    grid_id: str,
    data_root: str | None,
    artifact_key: str,
    complexity: bool,
) -> dict[str, Any]:
    """Every cell, then the report of them all: {"benchmark_id", "cells" (table rows), "report"}."""
    rows = run_cells(cells, training, scaling, experiment, grid_id, data_root, artifact_key)
    experiments = sorted({cell.experiment(experiment) for cell in cells})
    summary = report(grid_id, experiments, data_root, complexity)
    return {"benchmark_id": grid_id, "cells": rows, "report": summary}


def _row(cell: Cell, state: State, experiment: str | None, benchmark_id: str) -> dict[str, Any]:
    row: dict[str, Any] = {
        "cell": cell.label,
        "dataset": cell.dataset.name,
        "model": cell.model,
        "amplification": cell.amplification.method,
        "seed": cell.seed,
    }
    if state.is_completed():
        result = state.result()
        row.update({m: round(result.metrics.get(m, float("nan")), 4) for m in METRIC_COLUMNS})
        row.update(status="ok", model_uri=result.model_uri)
        return row
    error = failure_message(state)
    tracking.log_failed_run(cell.experiment(experiment), cell.tags(benchmark_id), error)
    row.update(dict.fromkeys(METRIC_COLUMNS), status=f"failed: {error}", model_uri=None)
    print(f"cell {cell.label} failed: {error}")
    return row
