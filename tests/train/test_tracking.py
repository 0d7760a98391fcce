"""MLflow round trip against a real `mlflow server` and the embedded SQLite default:
log a run, register, alias by the test metric, load by `@champion`, predict."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from stsnet.predict import load_model, segment
from stsnet.tracking import client, log_training_run, register_model, tracking_uri
from tests.train.conftest import model_checkpoint

pytestmark = pytest.mark.slow

HISTORY = [
    {"epoch": 1, "train_loss": 0.7, "val": {"mdice": 40.0, "miou": 30.0}},
    {"epoch": 2, "train_loss": 0.5, "val": {"mdice": 55.0, "miou": 41.0}},
]


def _summary(mdice: float) -> dict:
    paper = {"mdice": mdice, "miou": mdice - 10, "jaccard": 20.0, "recall": 30.0, "precision": None}
    return {"paper": paper, "pooled_dice": 25.0, "per_image": []}


def _log(tmp_path: Path, mdice: float) -> str:
    evaluation = tmp_path / f"eval-{mdice}"
    evaluation.mkdir()
    (evaluation / "summary.json").write_text(json.dumps(_summary(mdice)))
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(evaluation / "figure.png")
    tags = {"stsnet.dataset": "synthetic-2d", "stsnet.model": "sts-net", "stsnet.benchmark_id": "b1"}
    return log_training_run(
        "stsnet-synthetic-2d",
        {"training": {"lr": 1e-4, "epochs": 2}, "dataset": {"name": "synthetic-2d"}, "api_token": "hidden"},
        HISTORY,
        _summary(mdice),
        {
            "evaluation/summary.json": str(evaluation / "summary.json"),
            "evaluation/figure.png": str(evaluation / "figure.png"),
        },
        tags,
    )


def _round_trip(tmp_path: Path) -> None:
    checkpoint = str(model_checkpoint(tmp_path / "model" / "checkpoint.pt"))
    name = f"stsnet-test-{uuid.uuid4().hex[:8]}"

    first = register_model(_log(tmp_path, 60.0), checkpoint, name)
    second = register_model(_log(tmp_path, 50.0), checkpoint, name)
    third = register_model(_log(tmp_path, 70.0), checkpoint, name)

    assert (first["alias"], second["alias"], third["alias"]) == ("champion", "challenger", "champion")
    assert str(client().get_model_version_by_alias(name, "champion").version) == third["version"]
    run = client().get_run(third["run_id"])
    assert run.data.metrics["test_mdice"] == 70.0 and "test_precision" not in run.data.metrics
    assert run.data.params["training.lr"] == "0.0001" and "api_token" not in run.data.params
    assert run.data.tags["stsnet.benchmark_id"] == "b1"
    history = client().get_metric_history(third["run_id"], "val_mdice")
    assert [(m.step, m.value) for m in history] == [(1, 40.0), (2, 55.0)]
    artifacts = {a.path for a in client().list_artifacts(third["run_id"])}
    assert {"evaluation", "history.json", "learning_curve.png", "model"} <= artifacts

    model = load_model(f"models:/{name}@champion")
    expected = torch.load(checkpoint, weights_only=True)["state_dict"]
    assert all(torch.equal(v, expected[k]) for k, v in model.state_dict().items())
    images = tmp_path / "images"
    images.mkdir()
    Image.fromarray(np.full((40, 48, 3), 128, np.uint8)).save(images / "scan.png")
    summary = segment(model, str(images), str(tmp_path / "masks"))
    assert summary["images"] == 1
    assert np.asarray(Image.open(tmp_path / "masks" / "scan.png")).shape == (40, 48)


def test_registry_round_trip_against_a_real_mlflow_server(mlflow_server, tmp_path, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_server)
    monkeypatch.setenv("STSNET_HOME", str(tmp_path / "home"))
    assert tracking_uri() == mlflow_server
    _round_trip(tmp_path)


def test_registry_round_trip_on_the_embedded_sqlite_default(isolated_home, tmp_path):
    assert tracking_uri() == f"sqlite:///{isolated_home.absolute() / 'mlflow.db'}"
    _round_trip(tmp_path)
    assert (isolated_home / "mlflow.db").exists() and (isolated_home / "mlartifacts").is_dir()


def test_an_unknown_registered_model_is_a_clear_error(isolated_home):
    with pytest.raises(ValueError, match=r"model 'models:/no-such-model@champion' not found"):
        load_model("models:/no-such-model@champion")
