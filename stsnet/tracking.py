"""MLflow tracking and registry: one experiment per dataset, runs addressed by explicit run ids.

The fluent API's active run is thread-local and breaks under thread pools (Prefect's task runner),
so everything here goes through an `MlflowClient` and a run id. The tracking server is
`$MLFLOW_TRACKING_URI`, else the embedded SQLite database under the data root (artifacts beside it).

A registered model is its build config + weights (`model.pt`, loaded with `weights_only=True` and
rebuilt in code by `stsnet.predict.load_model`), wrapped as a pyfunc model with a signature and an
input example for generic MLflow consumers.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from pydantic import BaseModel

from stsnet.figures import learning_curve
from stsnet.paths import DEFAULT_DATA_ROOT, data_root
from stsnet.storage import is_remote, join
from stsnet.train.checkpoints import load_checkpoint

MODEL_ARTIFACT = "model"
MODEL_FILE = "model.pt"
CHAMPION, CHALLENGER = "champion", "challenger"
TEST_METRICS = ("mdice", "miou", "jaccard", "recall", "precision")
PARAM_LIMIT = 6000
ERROR_TAG = "stsnet.error"
_SECRET = re.compile(r"secret|password|token|credential|access_key", re.IGNORECASE)


def tracking_uri() -> str:
    """`$MLFLOW_TRACKING_URI`, else `sqlite:///<data root>/mlflow.db` (a local root even for s3:// data)."""
    configured = os.environ.get("MLFLOW_TRACKING_URI")
    if configured:
        return configured
    root = data_root()
    local = Path(DEFAULT_DATA_ROOT if is_remote(root) else root).absolute()
    local.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{local / 'mlflow.db'}"


def client(uri: str | None = None):
    """An `MlflowClient` on `uri`, else `tracking_uri()` (also the registry)."""
    from mlflow import MlflowClient

    uri = uri or tracking_uri()
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


def experiment_id(name: str, uri: str | None = None) -> str:
    """The id of experiment `name` at `uri` (default `tracking_uri()`), created on first use.

    A new experiment's artifacts go under the data root for the embedded store, beside the database
    for another SQLite file, and to the server's default otherwise; never MLflow's `./mlruns`.
    """
    from mlflow.exceptions import MlflowException

    mlflow_client = client(uri)
    found = mlflow_client.get_experiment_by_name(name)
    if found is not None:
        return found.experiment_id
    location = None
    explicit = uri or os.environ.get("MLFLOW_TRACKING_URI")
    if not explicit:
        root = data_root()
        artifacts = join(root, "mlartifacts", name)
        location = artifacts if is_remote(root) else Path(artifacts).absolute().as_uri()
    elif explicit.startswith("sqlite:///"):
        database = Path(explicit.removeprefix("sqlite:///"))
        location = (database.absolute().parent / "mlartifacts" / name).as_uri()
    try:
        return mlflow_client.create_experiment(name, artifact_location=location)
    except MlflowException:
        # Another process created it in between.
        return mlflow_client.get_experiment_by_name(name).experiment_id


def registered_name(model: str, dataset: str, pattern: str | None = None) -> str:
    """The registry name of a model trained on `dataset`: `stsnet-<dataset>` for STS-Net, baselines
    under their own name (`<model>-<dataset>`), or `pattern` formatted with {model} and {dataset}."""
    if pattern is None:
        pattern = "stsnet-{dataset}" if model == "sts-net" else "{model}-{dataset}"
    return pattern.format(model=model, dataset=dataset)


def run_params_and_tags(
    dataset: BaseModel,
    amplification: BaseModel,
    model: BaseModel,
    training: BaseModel,
    scaling: BaseModel,
) -> tuple[dict[str, Any], dict[str, str]]:
    """The params and `stsnet.*` tags of a training run, the same for a CLI run and a flow run so the
    two compare field for field in MLflow (settings objects: `stsnet.config`)."""
    params = {
        "dataset": dataset.model_dump(mode="json"),
        "amplification": amplification.model_dump(mode="json"),
        "model": model.model_dump(mode="json"),
        "training": training.model_dump(mode="json"),
        "scaling": scaling.model_dump(mode="json"),
    }
    tags = {
        "stsnet.dataset": params["dataset"]["name"],
        "stsnet.model": params["model"]["name"],
        "stsnet.amplification": params["amplification"]["method"],
        "stsnet.seed": str(params["training"]["seed"]),
    }
    return params, tags


def run_location(run_id: str) -> dict[str, str]:
    """Where a run is: tracking URI, experiment, run id, and the UI address when there is a server."""
    run = client().get_run(run_id)
    uri = tracking_uri()
    location = {"tracking_uri": uri, "experiment_id": run.info.experiment_id, "run_id": run_id}
    if uri.startswith(("http://", "https://")):
        location["url"] = f"{uri.rstrip('/')}/#/experiments/{run.info.experiment_id}/runs/{run_id}"
    return location


def log_training_run(
    experiment: str,
    params: dict[str, Any],
    history: list[dict[str, Any]],
    summary: dict[str, Any],
    artifacts: dict[str, str],
    tags: dict[str, str],
) -> str:
    """Log one finished training run; returns its run id.

    Args:
        params: the full settings (nested dicts are flattened to `a.b` keys; secret-looking keys dropped).
        history: per-epoch records of `fit` (train_loss, val metrics) -> metrics by epoch.
        summary: the evaluation summary; `paper` means become `test_*`, `pooled_dice` `test_pooled_dice`.
        artifacts: artifact path in the run -> local file or folder, e.g. {"evaluation": "out/eval"}.
        tags: `stsnet.*` tags (dataset, model, amplification, seed, ...).
    """
    from mlflow.entities import Metric, Param

    mlflow_client = client()
    run = mlflow_client.create_run(experiment_id(experiment), tags=tags, run_name=tags.get("stsnet.run_name"))
    run_id = run.info.run_id
    try:
        now = int(time.time() * 1000)
        metrics = [
            Metric(key, float(value), now, record["epoch"])
            for record in history
            for key, value in _epoch_metrics(record).items()
            if value is not None
        ]
        metrics += [Metric(key, float(value), now, 0) for key, value in test_metrics(summary).items()]
        param_list = [Param(k, v) for k, v in flatten_params(params).items()]
        for start in range(0, max(len(param_list), len(metrics)), 100):
            mlflow_client.log_batch(
                run_id, metrics=metrics[start : start + 100], params=param_list[start : start + 100]
            )
        with tempfile.TemporaryDirectory(prefix="stsnet-mlflow-") as scratch:
            (Path(scratch) / "history.json").write_text(json.dumps(history, indent=2))
            mlflow_client.log_artifact(run_id, str(Path(scratch) / "history.json"))
            if history:
                learning_curve(history, Path(scratch) / "learning_curve.png")
                mlflow_client.log_artifact(run_id, str(Path(scratch) / "learning_curve.png"))
        for artifact_path, local in artifacts.items():
            _log_path(mlflow_client, run_id, artifact_path, Path(local))
    except BaseException:
        mlflow_client.set_terminated(run_id, "FAILED")
        raise
    mlflow_client.set_terminated(run_id, "FINISHED")
    return run_id


def log_failed_run(experiment: str, tags: dict[str, str], error: str, uri: str | None = None) -> str:
    """Record a grid cell that failed before logging its own run: a FAILED run with the cell's tags
    and the error under `stsnet.error`, so a report shows the cell as failed, not as missing."""
    mlflow_client = client(uri)
    run = mlflow_client.create_run(
        experiment_id(experiment, uri),
        tags={**tags, ERROR_TAG: error[:PARAM_LIMIT]},
        run_name=tags.get("stsnet.run_name"),
    )
    mlflow_client.set_terminated(run.info.run_id, "FAILED")
    return run.info.run_id


def register_model(run_id: str, checkpoint: str, name: str, metric: str = "mdice") -> dict[str, Any]:
    """Log the checkpoint's model under the run and register it as a new version of `name`.

    The version gets the alias `champion` when its `test_<metric>` beats the current champion's
    (or there is none), else `challenger`. Returns {"name", "version", "alias", "uri", "run_id"}.
    """
    from mlflow.exceptions import MlflowException

    payload = load_checkpoint(checkpoint)
    mlflow_client = client()
    run = mlflow_client.get_run(run_id)
    with tempfile.TemporaryDirectory(prefix="stsnet-model-") as scratch:
        model_dir = Path(scratch) / MODEL_ARTIFACT
        save_pyfunc(payload, model_dir, Path(scratch))
        mlflow_client.log_artifacts(run_id, str(model_dir), MODEL_ARTIFACT)
    try:
        mlflow_client.create_registered_model(name)
    except MlflowException as error:
        if "RESOURCE_ALREADY_EXISTS" not in str(error.error_code):
            raise
    version = mlflow_client.create_model_version(
        name, source=f"{run.info.artifact_uri}/{MODEL_ARTIFACT}", run_id=run_id
    )
    score = run.data.metrics.get(f"test_{metric}")
    alias = CHAMPION if _beats_champion(mlflow_client, name, metric, score) else CHALLENGER
    mlflow_client.set_registered_model_alias(name, alias, version.version)
    return {
        "name": name,
        "version": str(version.version),
        "alias": alias,
        "uri": f"models:/{name}@{alias}",
        "run_id": run_id,
        "metric": {f"test_{metric}": score},
    }


def save_pyfunc(payload: dict[str, Any], model_dir: Path, scratch: Path) -> None:
    """A pyfunc model folder: `model.pt` (config + weights + input facts) with signature and example."""
    import mlflow.pyfunc
    from mlflow.models import ModelSignature
    from mlflow.types import Schema, TensorSpec

    weights = scratch / MODEL_FILE
    slim = {k: payload[k] for k in ("config", "state_dict", "data") if k in payload}
    torch.save(slim, weights)
    channels = int(payload["config"].get("in_chans", 3))
    signature = ModelSignature(
        inputs=Schema([TensorSpec(np.dtype(np.float32), (-1, channels, -1, -1))]),
        outputs=Schema([TensorSpec(np.dtype(np.uint8), (-1, -1, -1))]),
    )
    side = int(payload.get("data", {}).get("side", 64))
    mlflow.pyfunc.save_model(
        str(model_dir),
        python_model=SegmentationModel(),
        artifacts={"weights": str(weights)},
        signature=signature,
        input_example=np.zeros((1, channels, side, side), dtype=np.float32),
        pip_requirements=[f"torch=={torch.__version__.split('+')[0]}", f"numpy=={np.__version__}", "stsnet"],
    )


def _pyfunc_base():
    import mlflow.pyfunc

    return mlflow.pyfunc.PythonModel


class SegmentationModel(_pyfunc_base()):
    """Pyfunc wrapper: B×C×H×W float32 images in [0, 1] -> B×H×W uint8 label maps.

    Only a reference to this class is pickled; the network is rebuilt from `model.pt` in code.
    """

    def load_context(self, context) -> None:
        from stsnet.predict import load_model

        self.model = load_model(context.artifacts["weights"])

    def predict(self, context, model_input: np.ndarray, params=None) -> np.ndarray:
        from stsnet.inference import predict_labels
        from stsnet.train.numerics import choose_numerics

        images = torch.as_tensor(np.asarray(model_input, dtype=np.float32))
        labels, _ = predict_labels(self.model, [images], choose_numerics())
        return labels.numpy()


def test_metrics(summary: dict[str, Any]) -> dict[str, float]:
    """`test_<metric>` of the paper's means and `test_pooled_dice`, leaving out undefined values."""
    values = {f"test_{m}": summary.get("paper", {}).get(m) for m in TEST_METRICS}
    values["test_pooled_dice"] = summary.get("pooled_dice")
    return {k: float(v) for k, v in values.items() if v is not None}


def flatten_params(params: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """Nested settings as `a.b` -> string, within MLflow's value limit; secret-looking keys left out."""
    flat: dict[str, str] = {}
    for key, value in params.items():
        name = f"{prefix}{key}"
        if _SECRET.search(str(key)):
            continue
        if isinstance(value, dict) and value:
            flat.update(flatten_params(value, f"{name}."))
        else:
            flat[name] = (value if isinstance(value, str) else json.dumps(value, default=str))[:PARAM_LIMIT]
    return flat


def _epoch_metrics(record: dict[str, Any]) -> dict[str, float | None]:
    return {
        "train_loss": record.get("train_loss"),
        **{f"val_{k}": v for k, v in (record.get("val") or {}).items()},
    }


def _log_path(mlflow_client, run_id: str, artifact_path: str, local: Path) -> None:
    if not local.exists():
        raise FileNotFoundError(f"{local}: artifact {artifact_path!r} does not exist")
    if local.is_dir():
        mlflow_client.log_artifacts(run_id, str(local), artifact_path)
        return
    parent, _, name = artifact_path.rpartition("/")
    if name == local.name:
        mlflow_client.log_artifact(run_id, str(local), parent or None)
        return
    with tempfile.TemporaryDirectory(prefix="stsnet-mlflow-") as scratch:
        renamed = Path(scratch) / name
        renamed.write_bytes(local.read_bytes())
        mlflow_client.log_artifact(run_id, str(renamed), parent or None)


def _beats_champion(mlflow_client, name: str, metric: str, score: float | None) -> bool:
    from mlflow.exceptions import MlflowException

    try:
        champion = mlflow_client.get_model_version_by_alias(name, CHAMPION)
    except MlflowException:
        return True
    if score is None:
        return False
    best = mlflow_client.get_run(champion.run_id).data.metrics.get(f"test_{metric}")
    return best is None or score > best
