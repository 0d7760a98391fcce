"""`stsnet train` on Ray (synthetic data, no --source) and `stsnet evaluate`, both naming the MLflow run."""

from __future__ import annotations

import json
import re

import pytest

from stsnet.cli import main
from stsnet.tracking import client

pytestmark = pytest.mark.slow


def _json(out: str) -> dict:
    """The command's JSON object (Ray may interleave worker log lines on stdout)."""
    return json.loads(re.search(r"^\{$.*^\}$", out, re.DOTALL | re.MULTILINE).group(0))


def test_train_then_evaluate_from_the_command_line(ray_local, isolated_home, capsys):
    arguments = ["--dataset", "synthetic-2d", "--size", "32", "--synthetic-count", "12", "--amplify", "none"]
    arguments += ["--epochs", "1", "--max-steps", "1", "--batch-size", "2", "--workers", "1", "--json"]

    assert main(["train", *arguments]) == 0

    summary = _json(capsys.readouterr().out)
    run = client().get_run(summary["mlflow"]["run_id"])
    assert run.data.tags["stsnet.dataset"] == "synthetic-2d" and run.data.tags["stsnet.model"] == "sts-net"
    assert "test_mdice" in run.data.metrics and "train_loss" in run.data.metrics
    assert summary["registered"]["name"] == "stsnet-synthetic-2d"
    assert summary["registered"]["alias"] == "champion"
    assert summary["training"]["epochs_done"] == 1
    assert summary["training"]["storage_path"] == str(isolated_home.absolute() / "ray_results")

    checkpoint, store = summary["training"]["best_checkpoint"], summary["store"]
    assert main(["evaluate", "--checkpoint", checkpoint, "--store", store]) == 0
    out = capsys.readouterr().out
    assert "mDice" in out and "MLflow run" in out and str(isolated_home.absolute() / "mlflow.db") in out
