"""The `ablation` flow: the paper's Tables 5-9 on one dataset, as a grid of `pipeline` sub-flows.

Each table is a list of (registered model, amplification method) cells; cells shared by two tables
(STS-Net itself) run once. `extra_models` adds any other registered names to the grid.
"""

from __future__ import annotations

from typing import Any, Literal

from prefect import flow
from prefect.runtime import flow_run

from flows.grid import Cell, run_grid
from flows.parameters import ModelName, check_parameters
from stsnet.config import AmplificationSettings, DatasetSettings, ScalingSettings, TrainingSettings

TableName = Literal["encoder", "decoder", "amplification", "components", "attention"]

# Paper Tables 5-9: (registered model, amplification method) per row.
ABLATION_TABLES: dict[str, list[tuple[str, str]]] = {
    "encoder": [
        ("sts-net-mobilenetv2", "none"),
        ("sts-net-efficientnet-b0", "none"),
        ("sts-net-dpn68", "none"),
        ("sts-net-resnet50", "none"),
        ("sts-net", "none"),
    ],
    "decoder": [
        ("sts-net-deeplabv3plus", "none"),
        ("sts-net-unet", "none"),
        ("sts-net-pan", "none"),
        ("sts-net-unetplusplus", "none"),
        ("sts-net", "none"),
    ],
    "amplification": [("sts-net", m) for m in ("none", "method1", "method2", "method3", "method4")],
    "components": [
        ("sts-net-none", "none"),
        ("sts-net-none", "method4"),
        ("sts-net", "none"),
        ("sts-net", "method4"),
    ],
    "attention": [
        ("sts-net-cbam", "none"),
        ("sts-net-se", "none"),
        ("sts-net-none", "none"),
        ("sts-net-gct", "none"),
        ("sts-net-srm", "none"),
        ("sts-net-eca", "none"),
        ("sts-net", "none"),
    ],
}


def ablation_cells(
    tables: list[str], extra_models: list[str], amplification: AmplificationSettings
) -> list[tuple[str, str, str]]:
    """(table, model, method) of every distinct cell, in table order."""
    wanted = [(t, m, a) for t in tables for m, a in ABLATION_TABLES[t]] + [
        ("extra", m, "none") for m in extra_models
    ]
    seen: set[tuple[str, str]] = set()
    cells = []
    for table, model, method in wanted:
        method = amplification.method if method == "method4" else method
        if (model, method) not in seen:
            seen.add((model, method))
            cells.append((table, model, method))
    return cells


@flow(name="ablation", log_prints=True, validate_parameters=True)
def ablation(
    dataset: DatasetSettings = DatasetSettings(name="synthetic-sccm"),  # noqa: B008
    tables: list[TableName] = ["encoder", "decoder", "amplification", "components", "attention"],  # noqa: B006
    extra_models: list[ModelName] = [],  # type: ignore[valid-type]  # noqa: B006
    amplification: AmplificationSettings = AmplificationSettings(),  # noqa: B008
    seed: int = 2021,
    training: TrainingSettings = TrainingSettings(),  # noqa: B008
    scaling: ScalingSettings = ScalingSettings(),  # noqa: B008
    experiment: str | None = None,
    complexity: bool = True,
    data_root: str | None = None,
) -> dict[str, Any]:
    """Tables 5-9 of the paper on `dataset`; ends with the report of every cell.

    Args:
        dataset: The dataset (the paper uses SCCM-2022).
        tables: Which ablation tables to run.
        extra_models: Further registered models to add, without amplification.
        amplification: Settings of the amplified cells (the method of Table 7 rows is the row's).
        seed: Training seed of every cell.
        training: Training settings shared by every cell.
        scaling: Ray Train workers and devices.
        experiment: MLflow experiment of every cell's run; default `stsnet-<dataset>`.
        complexity: Measure Params/FLOPs for the report's Table 1 (seconds per model).
        data_root: Where stores, checkpoints and the task cache live.
    """
    check_parameters(dataset)
    cells = [
        Cell(
            label=f"{table}/{model}/{method}",
            dataset=dataset,
            model=model,
            amplification=amplification.model_copy(update={"method": method}),
            seed=seed,
        )
        for table, model, method in ablation_cells(tables, extra_models, amplification)
    ]
    ablation_id = f"ablation-{flow_run.get_id() or 'local'}"
    return run_grid(
        cells, training, scaling, experiment, ablation_id, data_root, "ablation-table", complexity
    )
