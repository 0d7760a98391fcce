"""`stsnet demo`, the quick mode: synthetic 2D small targets -> STS-Net on the CPU -> the paper's metrics.

One process, no Prefect, Ray or MLflow: the library alone, for checking a machine or a model change
in a few minutes. `make demo` runs the whole pipeline (`flows.demo`) instead.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset

from stsnet.config.training import TrainingSettings
from stsnet.data.case import Case
from stsnet.data.sources.synthetic import Synthetic2DSpec, synthetic_cases_2d
from stsnet.inference import predict_labels
from stsnet.metrics import summarize
from stsnet.models.registry import create_model, save_model
from stsnet.train.loop import fit
from stsnet.train.numerics import choose_numerics, seed_everything


@dataclass(frozen=True)
class DemoSettings:
    """Demo workload: sizes chosen so that training takes about four minutes on two cores."""

    train_images: int = 192
    test_images: int = 48
    size: int = 96
    area_fraction: tuple[float, float] = (5e-4, 5e-2)
    training: TrainingSettings = field(
        default_factory=lambda: TrainingSettings(epochs=8, batch_size=8, lr=1e-3)
    )


def tensors_from_cases(cases: list[Case]) -> TensorDataset:
    """Stack 2D cases into a dataset of (C×H×W float32, H×W int64) pairs."""
    images = torch.from_numpy(np.stack([c.image for c in cases])).permute(0, 3, 1, 2).contiguous()
    masks = torch.from_numpy(np.stack([c.mask for c in cases]).astype(np.int64))
    return TensorDataset(images, masks)


def run_demo(settings: DemoSettings, output_dir: Path, log: TextIO = sys.stdout) -> dict:
    """Train STS-Net on synthetic data, evaluate on a held-out split; returns the summary."""
    started = time.perf_counter()
    spec = Synthetic2DSpec(
        count=settings.train_images + settings.test_images,
        size=(settings.size, settings.size),
        area_fraction=settings.area_fraction,
    )
    cases = list(synthetic_cases_2d(spec))
    train_set = tensors_from_cases(cases[: settings.train_images])
    test_set = tensors_from_cases(cases[settings.train_images :])
    training = settings.training
    generator = seed_everything(training.seed)
    numerics = choose_numerics(training.mixed_precision, training.channels_last)
    model = numerics.prepare_model(create_model("sts-net", in_chans=3, classes=2))
    train_loader = DataLoader(train_set, batch_size=training.batch_size, shuffle=True, generator=generator)
    test_loader = DataLoader(test_set, batch_size=16)
    print(
        f"STS-Net on {len(train_set)} synthetic {settings.size}×{settings.size} images, "
        f"{training.epochs} epochs, {numerics.device.type}, autocast {numerics.autocast_dtype}",
        file=log,
        flush=True,
    )
    state = fit(model, train_loader, None, training, numerics, log=log)
    predicted, _ = predict_labels(model, (images for images, _ in test_loader), numerics)
    target = test_set.tensors[1].to(torch.uint8)
    trained = summarize(predicted, target)
    trivial = summarize(torch.zeros_like(target), target)
    output_dir.mkdir(parents=True, exist_ok=True)
    save_model(model, output_dir / "sts-net-demo.pt")
    return {
        "test_images": len(test_set),
        "sts_net": trained["paper"],
        "all_background": trivial["paper"],
        "by_size": trained["by_size"],
        "detection": trained["detection"],
        "history": state.history,
        "model_file": str(output_dir / "sts-net-demo.pt"),
        "seconds": time.perf_counter() - started,
    }
