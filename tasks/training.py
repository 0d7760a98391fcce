"""The training task: STS-Net (or any registered model) on a prepared store, with Ray Train."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

from prefect import task
from prefect.tasks import exponential_backoff

from stsnet.config import ModelSettings, ScalingSettings, TrainingSettings
from stsnet.data.stages import StageOutput
from stsnet.storage import exists
from stsnet.train.launcher import TrainResult, launch
from tasks.caching import TRAIN_CODE, code_policy, code_version


class TrainedModel(TrainResult):
    """A finished training run (the task's persisted result), which knows whether it is still usable."""

    def present(self) -> bool:
        """Whether the best checkpoint is still there."""
        return exists(self.best_checkpoint)


def run_name(
    store: StageOutput, model: ModelSettings, training: TrainingSettings, scaling: ScalingSettings
) -> str:
    """A name fixed by everything that shapes the run, so a retry resumes it and a change starts anew."""
    payload = [store.fingerprint, *(s.model_dump(mode="json") for s in (model, training, scaling))]
    payload.append(code_version(TRAIN_CODE))
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:12]
    return f"{model.name}-{digest}"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def local_ray() -> Iterator[None]:
    """A local Ray instance on 127.0.0.1 whose processes know its address, unless one is connected.

    Ray Train's placement-group cleaner finds the cluster by address (without `RAY_ADDRESS` it dies
    with a traceback whenever another Ray instance runs on the machine), then asks the state API,
    which minimal Ray lacks, and warns every few seconds: its logger is set to errors only. Workers
    get the caller's `PYTHONWARNINGS`.
    """

    def quiet_cleaner() -> None:
        # Defined here so that Ray ships it by value: workers need not import this package.
        name = "ray.train.v2._internal.execution.controller.placement_group_cleaner"
        logging.getLogger(name).setLevel(logging.ERROR)

    import ray

    if ray.is_initialized() or os.environ.get("RAY_ADDRESS"):
        yield
        return
    port = free_port()
    env_vars = {"RAY_ADDRESS": f"127.0.0.1:{port}"}
    if "PYTHONWARNINGS" in os.environ:
        env_vars["PYTHONWARNINGS"] = os.environ["PYTHONWARNINGS"]
    previous = os.environ.get("RAY_GCS_SERVER_PORT")
    os.environ["RAY_GCS_SERVER_PORT"] = str(port)
    try:
        ray.init(
            address="local",
            include_dashboard=False,
            configure_logging=False,
            _node_ip_address="127.0.0.1",
            runtime_env={"env_vars": env_vars, "worker_process_setup_hook": quiet_cleaner},
        )
    finally:
        if previous is None:
            os.environ.pop("RAY_GCS_SERVER_PORT")
        else:
            os.environ["RAY_GCS_SERVER_PORT"] = previous
    try:
        yield
    finally:
        ray.shutdown()


# A retry relaunches the same run name, which resumes from the run's latest checkpoint.
@task(
    name="train",
    cache_policy=code_policy(TRAIN_CODE),
    persist_result=True,
    retries=2,
    retry_delay_seconds=exponential_backoff(backoff_factor=10),
)
def train(
    store: StageOutput, model: ModelSettings, training: TrainingSettings, scaling: ScalingSettings
) -> TrainedModel:
    """Train `model` on the prepared store with Ray Train or in process (resuming the run if it exists)."""
    runtime = local_ray() if scaling.launcher == "ray" else nullcontext()
    with runtime:
        result = launch(store.location, model, training, scaling, run_name(store, model, training, scaling))
    return TrainedModel(**result.model_dump())
