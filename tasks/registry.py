"""The registration task: log the run to MLflow and register its best checkpoint as a model version."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.tasks import exponential_backoff
from pydantic import BaseModel, ConfigDict

from tasks.caching import REGISTER_CODE, code_policy
from tasks.evaluation import Evaluation
from tasks.training import TrainedModel


class RegisteredModel(BaseModel):
    """A registered model version and the URI that loads it (`models:/<name>@<alias>`)."""

    model_config = ConfigDict(frozen=True)

    run_id: str
    name: str
    version: str
    alias: str | None
    uri: str

    def present(self) -> bool:
        """Registered versions are not deleted by the pipeline; the tracking server owns them."""
        return True


@task(
    name="register",
    cache_policy=code_policy(REGISTER_CODE),
    persist_result=True,
    retries=3,
    retry_delay_seconds=exponential_backoff(backoff_factor=5),
)
def register(
    trained: TrainedModel,
    evaluation: Evaluation,
    name: str,
    experiment: str,
    params: dict[str, Any],
    tags: dict[str, str],
) -> RegisteredModel:
    """Log params, history and metrics to MLflow and register the best checkpoint under `name`."""
    from stsnet import tracking

    run_id = tracking.log_training_run(
        experiment,
        params,
        trained.history,
        evaluation.summary,
        {"evaluation": evaluation.output_dir},
        {**tags, "stsnet.run_name": trained.run_name},
    )
    version = tracking.register_model(run_id, trained.best_checkpoint, name)
    fields = {key: version[key] for key in ("name", "version", "alias", "uri")}
    return RegisteredModel(run_id=run_id, **fields)
