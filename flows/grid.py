"""Shared by the grid flows: run `pipeline` cells as sub-flows, keep going past a failing cell, report."""

from __future__ import annotations

from typing import Any

from prefect.artifacts import create_table_artifact
from pydantic import BaseModel

from flows.pipeline import pipeline
from stsnet.config import AmplificationSettings, DatasetSettings, ScalingSettings, TrainingSettings

METRIC_COLUMNS = ("mdice", "miou", "jaccard", "recall", "precision")


class Cell(BaseModel):
    """One grid cell: which dataset, model, amplification and seed, under a label for the table."""

    label: str
    dataset: DatasetSettings
    model: str
    amplification: AmplificationSettings
    seed: int


def run_cells(
    cells: list[Cell],
    training: TrainingSettings,
    scaling: ScalingSettings,
    experiment: str,
    benchmark_id: str,
    data_root: str | None,
    artifact_key: str,
) -> list[dict[str, Any]]:
    """Run every cell as a `pipeline` sub-flow; a failure becomes a row with its error, not an abort."""
    rows = []
    for cell in cells:
        state = pipeline(
            dataset=cell.dataset,
            amplification=cell.amplification,
            model={"name": cell.model},
            training=training.model_copy(update={"seed": cell.seed}),
            scaling=scaling,
            experiment=experiment,
            data_root=data_root,
            benchmark_id=benchmark_id,
            return_state=True,
        )
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
        else:
            row.update(dict.fromkeys(METRIC_COLUMNS), status=f"failed: {state.message}", model_uri=None)
            print(f"cell {cell.label} failed: {state.message}")
        rows.append(row)
    create_table_artifact(key=artifact_key, table=rows, description=f"Every cell of {benchmark_id}")
    return rows
