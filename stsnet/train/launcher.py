"""Launch a training run: under Ray Train's TorchTrainer, or in this process for tests.

A run lives in `<storage>/<run name>/`; launching the same name again resumes from its latest
checkpoint (Ray Train V2 restores the run's snapshot), and a finished run returns its result
without training. Worker failures restart the worker group from the latest checkpoint
(`FailureConfig`), so no epoch before it is trained twice.
"""

from __future__ import annotations

import os
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from stsnet.config.model import ModelSettings
from stsnet.config.scaling import ScalingSettings
from stsnet.config.training import TrainingSettings
from stsnet.paths import data_root
from stsnet.storage import is_remote, join
from stsnet.train.checkpoints import CHECKPOINT_FILE, read_progress
from stsnet.train.local import LocalSession
from stsnet.train.worker import FailOnce, train_worker, worker_config


class TrainResult(BaseModel):
    """Where a run's checkpoints are and what it achieved; checkpoint paths name `checkpoint.pt` files.

    A pydantic model so that orchestration can persist it as it is (see `tasks.training`).
    """

    model_config = ConfigDict(frozen=True)

    run_name: str
    storage_path: str
    best_checkpoint: str
    latest_checkpoint: str
    epochs_done: int
    best_metric: float
    history: list[dict[str, Any]]
    replica_digests: list[str] = Field(default_factory=list)


def default_storage_path(storage_path: str | None = None) -> str:
    """`storage_path`, else `<data root>/ray_results`; local paths made absolute (Ray needs them so)."""
    path = storage_path or join(data_root(), "ray_results")
    return path if is_remote(path) else os.path.abspath(path)


def absolute_store(store: str) -> str:
    """The store as an absolute path (Ray workers run in their own working directory) or its s3:// URI."""
    return store if is_remote(store) else os.path.abspath(store)


def launch(
    store: str, model: ModelSettings, training: TrainingSettings, scaling: ScalingSettings, run_name: str
) -> TrainResult:
    """Train with the launcher `scaling` names: Ray Train, or the same loop in this process."""
    if scaling.launcher == "in-process":
        return train_in_process(
            store, model, training, run_name, scaling.storage_path, keep=scaling.checkpoints_to_keep
        )
    return train(store, model, training, scaling, run_name)


def train(
    store: str,
    model: ModelSettings,
    training: TrainingSettings,
    scaling: ScalingSettings,
    run_name: str,
    fail_once: FailOnce | None = None,
) -> TrainResult:
    """Train `model` on the prepared `store` with Ray Train; the same `run_name` resumes.

    Starts a local Ray instance (no dashboard) when none is connected, and stops it afterwards.
    `fail_once` is a fault drill (see `FailOnce`).
    """
    import ray
    from ray.train import CheckpointConfig, FailureConfig, LoggingConfig, RunConfig
    from ray.train.torch import TorchTrainer

    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    started_here = not ray.is_initialized()
    if started_here:
        ray.init(include_dashboard=False, configure_logging=False)
    try:
        storage = default_storage_path(scaling.storage_path)
        path, filesystem = _ray_storage(storage)
        trainer = TorchTrainer(
            _ray_entry(),
            train_loop_config={
                **worker_config(absolute_store(store), model, training, fail_once),
                "log_level": scaling.log_level,
            },
            scaling_config=_scaling_config(scaling),
            run_config=RunConfig(
                name=run_name,
                storage_path=path,
                storage_filesystem=filesystem,
                failure_config=FailureConfig(max_failures=scaling.max_failures),
                logging_config=LoggingConfig(log_level=scaling.log_level),
                checkpoint_config=CheckpointConfig(
                    num_to_keep=scaling.checkpoints_to_keep,
                    checkpoint_score_attribute="score",
                    checkpoint_score_order="max",
                ),
            ),
        )
        result = trainer.fit()
    finally:
        if started_here:
            ray.shutdown()
    if result.checkpoint is None:
        raise RuntimeError(f"run {run_name!r} under {storage} finished without a checkpoint")
    best = max(result.best_checkpoints, key=lambda pair: pair[1]["score"])[0]
    return _result(run_name, storage, _uri(best.path, storage), _uri(result.checkpoint.path, storage))


def train_in_process(
    store: str,
    model: ModelSettings,
    training: TrainingSettings,
    run_name: str,
    storage_path: str | None = None,
    fail_once: FailOnce | None = None,
    keep: int = 2,
) -> TrainResult:
    """The same worker loop in this process, without Ray; the same `run_name` resumes."""
    storage = default_storage_path(storage_path)
    session = LocalSession(join(storage, run_name), keep)
    train_worker(worker_config(absolute_store(store), model, training, fail_once), session)
    kept = session.index()
    best = max(kept, key=lambda entry: entry["score"])
    return _result(
        run_name, storage, join(session.run_dir, best["dir"]), join(session.run_dir, kept[-1]["dir"])
    )


def _result(run_name: str, storage: str, best_dir: str, latest_dir: str) -> TrainResult:
    progress = read_progress(latest_dir)
    best_metric = progress["best_metric"]
    return TrainResult(
        run_name=run_name,
        storage_path=storage,
        best_checkpoint=join(best_dir, CHECKPOINT_FILE),
        latest_checkpoint=join(latest_dir, CHECKPOINT_FILE),
        epochs_done=progress["epochs_done"],
        best_metric=float("nan") if best_metric is None else best_metric,
        history=progress["history"],
        replica_digests=progress["replica_digests"],
    )


def _scaling_config(scaling: ScalingSettings):
    """Workers sized to the cluster: a GPU each when there are GPUs, and CPUs that fit beside a caller."""
    import ray
    from ray.train import ScalingConfig

    resources = ray.cluster_resources()
    use_gpu = resources.get("GPU", 0) >= 1 if scaling.use_gpu is None else scaling.use_gpu
    cpus = scaling.cpus_per_worker
    if cpus is None:
        # Half the free CPUs at most: a caller holding a CPU (a task, a flow) must not starve the group.
        free = ray.available_resources().get("CPU", 1.0)
        cpus = round(min(1.0, free / (2 * scaling.num_workers)), 2)
    return ScalingConfig(num_workers=scaling.num_workers, use_gpu=use_gpu, resources_per_worker={"CPU": cpus})


def _ray_storage(storage: str):
    """(path, filesystem) for RunConfig: s3:// goes through s3fs, so the endpoint settings are shared."""
    if not is_remote(storage):
        return storage, None
    from pyarrow.fs import FSSpecHandler, PyFileSystem

    from stsnet.storage import filesystem

    return storage.removeprefix("s3://"), PyFileSystem(FSSpecHandler(filesystem(storage)))


def _uri(path: str, storage: str) -> str:
    return "s3://" + path.lstrip("/") if is_remote(storage) else path


def _ray_entry():
    from stsnet.train.ray_session import ray_train_loop

    return ray_train_loop
