"""One training job end to end: prepare -> train -> evaluate the best checkpoint -> MLflow run -> registry.

What `stsnet train` runs; Prefect flows compose the same calls as separate tasks.
"""

from __future__ import annotations

import os
import time
from typing import Any

from stsnet.config.data import AmplificationSettings, DatasetSettings
from stsnet.config.model import ModelSettings
from stsnet.config.scaling import ScalingSettings
from stsnet.config.training import TrainingSettings
from stsnet.data.store import prepare_dataset
from stsnet.evaluate import FIGURE_FILE, SUMMARY_FILE, evaluate
from stsnet.paths import data_root
from stsnet.storage import is_remote, join
from stsnet.tracking import (
    log_training_run,
    register_model,
    registered_name,
    run_location,
    run_params_and_tags,
)
from stsnet.train.launcher import absolute_store, launch


def default_run_name(dataset: DatasetSettings, model: ModelSettings) -> str:
    """A new name per launch: reusing a finished run's name returns it without training."""
    return f"{dataset.name}-{model.name}-{time.strftime('%Y%m%d-%H%M%S')}"


def training_job(
    dataset: DatasetSettings,
    amplification: AmplificationSettings,
    model: ModelSettings,
    training: TrainingSettings,
    scaling: ScalingSettings,
    run_name: str | None = None,
    register_as: str | None = None,
    tags: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Train, evaluate, log and register; returns a JSON-ready summary naming the MLflow run."""
    prepared = prepare_dataset(dataset, amplification)
    store = absolute_store(prepared.dataset.location)
    run_name = run_name or default_run_name(dataset, model)
    result = launch(store, model, training, scaling, run_name)
    local_root = data_root() if not is_remote(data_root()) else ".stsnet"
    evaluation_dir = os.path.abspath(join(local_root, "evaluations", run_name))
    summary = evaluate(result.best_checkpoint, store, evaluation_dir)
    params, run_tags = run_params_and_tags(dataset, amplification, model, training, scaling)
    params["run"] = {"name": run_name, "store": store, "checkpoint": result.best_checkpoint}
    run_tags.update({"stsnet.run_name": run_name, **(tags or {})})
    run_id = log_training_run(
        f"stsnet-{dataset.name}",
        params,
        result.history,
        summary,
        {
            f"evaluation/{SUMMARY_FILE}": join(evaluation_dir, SUMMARY_FILE),
            f"evaluation/{FIGURE_FILE}": join(evaluation_dir, FIGURE_FILE),
        },
        run_tags,
    )
    registered = register_model(
        run_id, result.best_checkpoint, register_as or registered_name(model.name, dataset.name)
    )
    return {
        "run_name": run_name,
        "store": store,
        "training": result.model_dump(exclude={"history"}),
        "epochs": result.history,
        "test": summary["paper"],
        "pooled_dice": summary["pooled_dice"],
        "by_size": summary["by_size"],
        "evaluation": evaluation_dir,
        "mlflow": run_location(run_id),
        "registered": registered,
    }
