"""The `pipeline` flow: one dataset × one model × one amplification setting, end to end.

ingest → convert_slices → amplify → train (Ray Train) → evaluate → register (MLflow). Each task is
cached on its inputs, upstream fingerprints and code; a cached result whose files are gone (a
deleted store or checkpoint) is recomputed, not trusted.
"""

from __future__ import annotations

import os
from typing import Any

from prefect import Task, flow
from prefect.states import State
from pydantic import BaseModel, Field

from flows.parameters import ModelChoice, check_parameters
from stsnet import tracking
from stsnet.config import AmplificationSettings, DatasetSettings, ScalingSettings, TrainingSettings
from stsnet.paths import data_root
from stsnet.storage import is_remote, join
from tasks import amplify, convert_slices, evaluate, ingest, register, train
from tasks.caching import result_storage


class PipelineResult(BaseModel):
    """What one pipeline run produced, and which of its tasks ran or came from the cache."""

    store: str
    run_name: str
    metrics: dict[str, float]
    model_uri: str
    registered_name: str
    registered_version: str
    evaluation_dir: str
    tasks: dict[str, str] = Field(description="Task name → 'Completed', 'Cached' or 'Recomputed'.")


def resolve_root(root: str | None) -> str:
    """The data root as an absolute path (or an s3:// URI), so workers anywhere agree on it."""
    location = data_root(root)
    return location if is_remote(location) else os.path.abspath(location)


class Runner:
    """Calls tasks with the flow's result storage and records how each one finished."""

    def __init__(self, root: str) -> None:
        self.storage = result_storage(root)
        self.outcomes: dict[str, str] = {}

    def __call__(self, task: Task, **inputs: Any) -> Any:
        configured = task.with_options(result_storage=self.storage)
        state: State = configured(**inputs, return_state=True)
        value = state.result()
        outcome = state.name or "Completed"
        if hasattr(value, "present") and not value.present():
            state = configured.with_options(refresh_cache=True)(**inputs, return_state=True)
            value, outcome = state.result(), "Recomputed"
        self.outcomes[task.name] = outcome
        return value


@flow(name="pipeline", log_prints=True, validate_parameters=True)
def pipeline(
    dataset: DatasetSettings = DatasetSettings(name="synthetic-sccm"),  # noqa: B008
    amplification: AmplificationSettings = AmplificationSettings(),  # noqa: B008
    model: ModelChoice = ModelChoice(),  # noqa: B008
    training: TrainingSettings = TrainingSettings(),  # noqa: B008
    scaling: ScalingSettings = ScalingSettings(),  # noqa: B008
    registered_name: str | None = None,
    experiment: str | None = None,
    data_root: str | None = None,
    benchmark_id: str | None = None,
) -> PipelineResult:
    """Prepare one dataset, train one model on it, evaluate it and register it in MLflow.

    Args:
        dataset: Which dataset, from where, at what size.
        amplification: The amplification blocks (method 'none' turns them off).
        model: The registered model to train.
        training: Epochs, batch size, learning rate, loss, seed, numerics.
        scaling: Ray Train workers and devices; checkpoints under `<data root>/ray_results` by default.
        registered_name: MLflow registered-model name; default `stsnet-<dataset>` for STS-Net,
            `<model>-<dataset>` for the baselines.
        experiment: MLflow experiment of the run; default `stsnet-<dataset>` (one per dataset).
        data_root: Where stores, checkpoints and the task cache live (local or s3://).
        benchmark_id: Tags the MLflow run as one cell of a benchmark or ablation.
    """
    check_parameters(dataset)
    root = resolve_root(data_root)
    if scaling.storage_path is None:
        scaling = scaling.model_copy(update={"storage_path": join(root, "ray_results")})
    run = Runner(root)
    raw = run(ingest, dataset=dataset, root=root)
    converted = run(convert_slices, dataset=dataset, raw=raw, root=root)
    store = run(amplify, converted=converted, amplification=amplification, root=root)
    trained = run(train, store=store, model=model, training=training, scaling=scaling)
    evaluation = run(evaluate, trained=trained, store=store, root=root)
    params, tags = tracking.run_params_and_tags(dataset, amplification, model, training, scaling)
    params["store"] = store.location
    if benchmark_id:
        tags["stsnet.benchmark_id"] = benchmark_id
    registered = run(
        register,
        trained=trained,
        evaluation=evaluation,
        name=registered_name or tracking.registered_name(model.name, dataset.name),
        experiment=experiment or f"stsnet-{dataset.name}",
        params=params,
        tags=tags,
    )
    return PipelineResult(
        store=store.location,
        run_name=trained.run_name,
        metrics=evaluation.paper_metrics(),
        model_uri=registered.uri,
        registered_name=registered.name,
        registered_version=registered.version,
        evaluation_dir=evaluation.output_dir,
        tasks=run.outcomes,
    )
