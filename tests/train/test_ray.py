"""Ray Train with real workers on the shared local Ray: DDP in step, a worker failure, a relaunch."""

from __future__ import annotations

from pathlib import Path

import pytest

from stsnet.config import ModelSettings, ScalingSettings
from stsnet.train.checkpoints import load_checkpoint, read_progress
from stsnet.train.launcher import train
from stsnet.train.worker import FailOnce
from tests.train.conftest import TINY_TRAINING

pytestmark = pytest.mark.slow


def test_two_workers_survive_a_failure_in_epoch_2_and_end_with_identical_replicas(
    ray_local, tiny_store, tmp_path
):
    marker = tmp_path / "rank1-failed"
    scaling = ScalingSettings(num_workers=2, storage_path=str(tmp_path / "runs"), max_failures=2)

    result = train(
        tiny_store, ModelSettings(), TINY_TRAINING, scaling, "ddp", fail_once=FailOnce(2, str(marker))
    )

    assert "rank 1 failed at the start of epoch 2" in marker.read_text()
    assert [h["epoch"] for h in result.history] == [1, 2], "each epoch exactly once"
    assert result.epochs_done == 2
    epoch_dirs = sorted(p.name for p in (tmp_path / "runs" / "ddp").glob("epoch-*"))
    assert epoch_dirs == ["epoch-0001", "epoch-0002"]
    assert read_progress(str(tmp_path / "runs" / "ddp" / "epoch-0001"))["history"] == result.history[:1]
    assert len(result.replica_digests) == 2 and len(set(result.replica_digests)) == 1
    assert load_checkpoint(result.best_checkpoint)["config"]["name"] == "sts-net"


def test_a_failed_run_relaunched_under_its_name_resumes_from_its_checkpoint(ray_local, tiny_store, tmp_path):
    scaling = ScalingSettings(num_workers=1, storage_path=str(tmp_path / "runs"), max_failures=0)
    drill = FailOnce(2, str(tmp_path / "failed"), rank=0)
    with pytest.raises(Exception, match="fault drill"):
        train(tiny_store, ModelSettings(), TINY_TRAINING, scaling, "again", fail_once=drill)
    first = read_progress(str(tmp_path / "runs" / "again" / "epoch-0001"))["history"]

    result = train(tiny_store, ModelSettings(), TINY_TRAINING, scaling, "again", fail_once=drill)

    assert [h["epoch"] for h in result.history] == [1, 2]
    assert result.history[0] == first[0], "epoch 1 was trained again"
    assert Path(result.latest_checkpoint).parent.name == "epoch-0002"
