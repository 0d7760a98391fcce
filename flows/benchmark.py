"""The `benchmark` flow: datasets × models × {plain, amplified} (× seeds) as `pipeline` sub-flows.

Cells share the cached ingest, conversion and amplification of their dataset; a failing cell is
reported in the final table and the others still run.
"""

from __future__ import annotations

from typing import Any

from prefect import flow
from prefect.runtime import flow_run

from flows.grid import Cell, run_grid
from flows.parameters import ModelName, check_parameters
from stsnet.config import AmplificationSettings, DatasetSettings, ScalingSettings, TrainingSettings


@flow(name="benchmark", log_prints=True, validate_parameters=True)
def benchmark(
    datasets: list[DatasetSettings] = [DatasetSettings(name="synthetic-sccm")],  # noqa: B006, B008
    models: list[ModelName] = ["sts-net", "u-net", "unet++", "deeplabv3"],  # type: ignore[valid-type]  # noqa: B006
    model_options: dict[str, dict[str, Any]] = {},  # noqa: B006
    amplification: AmplificationSettings = AmplificationSettings(),  # noqa: B008
    amplified: list[bool] = [False, True],  # noqa: B006
    seeds: list[int] = [2021],  # noqa: B006
    training: TrainingSettings = TrainingSettings(),  # noqa: B008
    scaling: ScalingSettings = ScalingSettings(),  # noqa: B008
    experiment: str | None = None,
    complexity: bool = True,
    data_root: str | None = None,
) -> dict[str, Any]:
    """The paper's comparison (Tables 1-4) on every dataset; ends with the report of every cell.

    Args:
        datasets: The datasets, each with its source and size.
        models: Registered models to compare.
        model_options: Build options by model name, e.g. {"sts-net": {"attention": "eca"}}.
        amplification: The amplification used by the amplified cells.
        amplified: Which of plain (False) and amplified (True) to run.
        seeds: Training seeds; more than one gives the spread across seeds.
        training: Training settings shared by every cell (the seed is the cell's).
        scaling: Ray Train workers and devices.
        experiment: MLflow experiment of every cell's run; default `stsnet-<dataset>`.
        complexity: Measure Params/FLOPs for the report's Table 1 (seconds per model).
        data_root: Where stores, checkpoints and the task cache live.
    """
    for dataset in datasets:
        check_parameters(dataset)
    plain = AmplificationSettings(method="none")
    cells = [
        Cell(
            label=f"{d.name}/{m}/{'amplified' if a else 'plain'}/seed{s}",
            dataset=d,
            model=m,
            options=model_options.get(m, {}),
            amplification=amplification if a else plain,
            seed=s,
        )
        for d in datasets
        for m in models
        for a in amplified
        for s in seeds
    ]
    benchmark_id = f"benchmark-{flow_run.get_id() or 'local'}"
    return run_grid(
        cells, training, scaling, experiment, benchmark_id, data_root, "benchmark-table", complexity
    )
