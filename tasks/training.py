"""The training task: STS-Net (or any registered model) on a prepared store, with Ray Train."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from prefect import task
from prefect.tasks import exponential_backoff
from pydantic import BaseModel, ConfigDict

from stsnet.config import ModelSettings, ScalingSettings, TrainingSettings
from stsnet.data.stages import StageOutput
from stsnet.storage import exists
from tasks.caching import TRAIN_CODE, code_policy, code_version


class TrainedModel(BaseModel):
    """A finished training run: where its checkpoints are and how it went."""

    model_config = ConfigDict(frozen=True)

    run_name: str
    storage_path: str
    best_checkpoint: str
    latest_checkpoint: str
    epochs_done: int
    best_metric: float
    history: list[dict[str, Any]]

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
    """Train `model` on the prepared store with Ray Train (resuming the run if it exists)."""
    from stsnet.train.launcher import train as launch

    result = launch(store.location, model, training, scaling, run_name(store, model, training, scaling))
    return TrainedModel(
        run_name=result.run_name,
        storage_path=result.storage_path,
        best_checkpoint=result.best_checkpoint,
        latest_checkpoint=result.latest_checkpoint,
        epochs_done=result.epochs_done,
        best_metric=result.best_metric,
        history=result.history,
    )
