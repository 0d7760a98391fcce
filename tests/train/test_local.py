"""The worker loop without Ray: checkpoints per epoch, resume by run name, evaluation outputs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from stsnet.config import ModelSettings, TrainingSettings
from stsnet.evaluate import evaluate
from stsnet.train.checkpoints import load_checkpoint
from stsnet.train.launcher import train_in_process
from stsnet.train.worker import FailOnce, InjectedFailure
from tests.train.conftest import TINY_TRAINING


def test_a_run_checkpoints_each_epoch_and_a_relaunch_resumes_after_a_crash(tiny_store, tmp_path):
    storage = str(tmp_path / "runs")
    drill = FailOnce(epoch=2, marker=str(tmp_path / "failed-once"))
    with pytest.raises(InjectedFailure):
        train_in_process(tiny_store, ModelSettings(), TINY_TRAINING, "run", storage, fail_once=drill)
    first_epoch = load_checkpoint(Path(storage, "run", "epoch-0001"))["history"]
    assert [h["epoch"] for h in first_epoch] == [1]

    result = train_in_process(tiny_store, ModelSettings(), TINY_TRAINING, "run", storage, fail_once=drill)

    assert [h["epoch"] for h in result.history] == [1, 2]
    assert result.history[0] == first_epoch[0], "epoch 1 was trained again"
    assert result.epochs_done == 2 and result.latest_checkpoint.endswith("epoch-0002/checkpoint.pt")
    assert Path(result.best_checkpoint).exists()
    assert result.best_metric == max(h["val"]["mdice"] for h in result.history)
    payload = load_checkpoint(result.latest_checkpoint)
    assert payload["data"]["side"] == 32 and {"optimizer", "scheduler", "scaler"} <= set(payload)


def test_only_the_best_and_the_latest_checkpoints_are_kept(tiny_store, tmp_path):
    training = TrainingSettings(epochs=3, batch_size=2, max_steps_per_epoch=1)
    result = train_in_process(tiny_store, ModelSettings(), training, "keep", str(tmp_path), keep=1)
    kept = sorted(p.name for p in (tmp_path / "keep").glob("epoch-*"))
    best = Path(result.best_checkpoint).parent.name
    assert kept == sorted({best, "epoch-0003"})


def test_resuming_a_run_with_another_architecture_is_refused(tiny_store, tmp_path):
    training = TrainingSettings(epochs=1, batch_size=2, max_steps_per_epoch=1)
    train_in_process(tiny_store, ModelSettings(name="u-net"), training, "arch", str(tmp_path))
    longer = TrainingSettings(epochs=2, batch_size=2, max_steps_per_epoch=1)
    with pytest.raises(ValueError, match=r"checkpoint is for model 'u-net', not 'sts-net'"):
        train_in_process(tiny_store, ModelSettings(), longer, "arch", str(tmp_path))


def test_evaluation_writes_summary_masks_and_figure(tiny_store, tmp_path):
    training = TrainingSettings(epochs=1, batch_size=2, max_steps_per_epoch=1)
    result = train_in_process(tiny_store, ModelSettings(name="u-net"), training, "eval", str(tmp_path))
    output = tmp_path / "evaluation"

    summary = evaluate(result.best_checkpoint, tiny_store, str(output))

    written = json.loads((output / "summary.json").read_text())
    assert written["images"] == summary["images"] == 3
    assert set(written["paper"]) == {"mdice", "miou", "jaccard", "recall", "precision"}
    assert {"by_size", "per_image", "per_case", "per_case_dice", "pooled_dice", "detection"} <= set(written)
    masks = sorted((output / "masks").glob("*.png"))
    assert len(masks) == 3 and set(np.unique(np.asarray(Image.open(masks[0])))) <= {0, 255}
    assert Image.open(output / "figure.png").size[0] > 100
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".evaluation")], "staging left behind"


def test_checkpoints_on_s3_resume_and_evaluate(tiny_store, tmp_path, s3_bucket):
    storage = f"s3://{s3_bucket}/runs"
    one = TrainingSettings(epochs=1, batch_size=2, max_steps_per_epoch=1)
    train_in_process(tiny_store, ModelSettings(name="u-net"), one, "remote", storage)
    two = TrainingSettings(epochs=2, batch_size=2, max_steps_per_epoch=1)

    result = train_in_process(tiny_store, ModelSettings(name="u-net"), two, "remote", storage)

    assert [h["epoch"] for h in result.history] == [1, 2]
    assert result.latest_checkpoint == f"{storage}/remote/epoch-0002/checkpoint.pt"
    summary = evaluate(result.best_checkpoint, tiny_store, str(tmp_path / "evaluation"))
    assert summary["checkpoint"].startswith("s3://") and (tmp_path / "evaluation" / "summary.json").exists()
