"""Tiny data and models for the training tests: a 32-px synthetic store and checkpoints made in code."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from stsnet.config import AmplificationSettings, DatasetSettings, TrainingSettings
from stsnet.data.store import prepare_dataset
from stsnet.models import create_model

SIDE = 32
TINY_TRAINING = TrainingSettings(epochs=2, batch_size=2, max_steps_per_epoch=2)


@pytest.fixture(scope="session")
def tiny_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A synthetic-2d store of 12 images at 32×32 (10 train, 1 val, 1 test), no amplification."""
    root = tmp_path_factory.mktemp("stores")
    dataset = DatasetSettings(name="synthetic-2d", size=SIDE, synthetic_count=12, test_fraction=0.25)
    prepared = prepare_dataset(dataset, AmplificationSettings(method="none"), root=root, workers=1)
    return prepared.dataset.location


@pytest.fixture
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh data root and the embedded MLflow default (no tracking server from the environment)."""
    monkeypatch.setenv("STSNET_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return tmp_path / "home"


def model_checkpoint(path: Path, name: str = "sts-net", side: int = SIDE, seed: int = 0) -> Path:
    """An untrained model saved as a checkpoint payload (config, weights, the data facts predict uses)."""
    torch.manual_seed(seed)
    model = create_model(name, in_chans=3, classes=2)
    payload = {
        "config": model.stsnet_config,
        "state_dict": model.state_dict(),
        "data": {"side": side, "conversion": "stack3", "dataset": "synthetic-2d"},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(payload, path)
    return path
