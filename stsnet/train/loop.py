"""The per-worker training loop: the same code runs in one process (tests, demo) and under Ray Train.

`fit` owns epochs, validation, best-metric tracking and resumption; what differs between a single
process and a Ray worker (model/loader wrapping, where checkpoints go) is passed in: the caller
prepares the model and loaders, and `on_epoch_end` receives each epoch's record and a function
that produces the checkpoint payload.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, TextIO

import torch
from torch.utils.data import DataLoader

from stsnet.config.training import TrainingSettings
from stsnet.inference import predict_labels
from stsnet.losses import create_loss
from stsnet.metrics import summarize
from stsnet.models.registry import unwrap_model
from stsnet.train.numerics import Numerics


@dataclass
class EpochRecord:
    """What one epoch did; the learning curve is the list of these."""

    epoch: int
    train_loss: float
    images: int
    seconds: float
    lr: float
    val: dict[str, float | None] = field(default_factory=dict)
    is_best: bool = False

    @property
    def images_per_second(self) -> float:
        return self.images / self.seconds if self.seconds > 0 else 0.0


@dataclass
class TrainState:
    """Everything a resumed run needs besides the weights."""

    epochs_done: int = 0
    best_metric: float = -math.inf
    history: list[dict[str, Any]] = field(default_factory=list)


CheckpointFn = Callable[[], dict[str, Any]]
EpochCallback = Callable[[EpochRecord, CheckpointFn], None]


@dataclass
class Optimisation:
    """Optimiser, schedule, loss and scaler built from the settings for one model."""

    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler
    loss: Callable[..., torch.Tensor]
    scaler: torch.amp.GradScaler


def build_optimisation(
    model: torch.nn.Module, settings: TrainingSettings, steps_per_epoch: int, numerics: Numerics
) -> Optimisation:
    """AdamW with a per-step cosine schedule over the whole run (the paper's recipe)."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=settings.lr, weight_decay=settings.weight_decay)
    total_steps = max(settings.epochs * steps_per_epoch, 1)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=total_steps)
    scaler = torch.amp.GradScaler(numerics.device.type, enabled=numerics.needs_grad_scaler)
    return Optimisation(optimizer, scheduler, create_loss(settings.loss), scaler)


def steps_in_epoch(loader: DataLoader, settings: TrainingSettings) -> int:
    steps = len(loader)
    return min(steps, settings.max_steps_per_epoch) if settings.max_steps_per_epoch else steps


def train_one_epoch(
    model: torch.nn.Module,
    loader: DataLoader,
    opt: Optimisation,
    numerics: Numerics,
    max_steps: int,
) -> tuple[float, int]:
    """One pass over `loader` (at most `max_steps` batches): mean loss and images seen."""
    model.train()
    total_loss, images = 0.0, 0
    for step, (batch_images, batch_masks) in enumerate(loader):
        if step >= max_steps:
            break
        inputs = numerics.prepare_images(batch_images)
        targets = batch_masks.to(numerics.device, non_blocking=True)
        with numerics.autocast():
            output = model(inputs)
        loss = opt.loss(output, targets)
        if not torch.isfinite(loss):
            raise FloatingPointError(
                f"training loss is {loss.item()} at step {step}: lower the learning rate"
            )
        opt.optimizer.zero_grad(set_to_none=True)
        opt.scaler.scale(loss).backward()
        opt.scaler.step(opt.optimizer)
        opt.scaler.update()
        opt.scheduler.step()
        total_loss += float(loss.detach()) * len(batch_images)
        images += len(batch_images)
    return total_loss / max(images, 1), images


def validate(model: torch.nn.Module, loader: DataLoader, numerics: Numerics, classes: int) -> dict:
    """The paper's metrics (means over images, %) of the model on `loader`."""
    targets = torch.cat([masks for _, masks in loader])
    predicted, _ = predict_labels(model, (images for images, _ in loader), numerics)
    return summarize(predicted, targets.to(torch.uint8), classes=classes)["paper"]


def fit(
    model: torch.nn.Module,
    train_loader: DataLoader,
    val_loader: DataLoader | None,
    settings: TrainingSettings,
    numerics: Numerics,
    resume_from: dict[str, Any] | None = None,
    on_epoch_end: EpochCallback | None = None,
    log: TextIO | None = sys.stdout,
    on_epoch_start: Callable[[int], None] | None = None,
) -> TrainState:
    """Train `model` for the remaining epochs of `settings`, validating after each one.

    Args:
        model: the (possibly DDP-wrapped) model, already on its device.
        train_loader, val_loader: prepared loaders yielding (B×C×H×W float, B×H×W int64).
        resume_from: a checkpoint payload from an earlier epoch; training continues after it,
            so no epoch before the last checkpoint is trained twice.
        on_epoch_end: called after every epoch with its record and a payload factory.
        log: where the per-epoch progress lines go (None: silent).
        on_epoch_start: called with the epoch number before it trains (fault drills, profiling).
    """
    max_steps = steps_in_epoch(train_loader, settings)
    opt = build_optimisation(model, settings, max_steps, numerics)
    state = TrainState()
    if resume_from is not None:
        state = restore(resume_from, model, opt)
    classes = unwrap_model(model).stsnet_config.get("classes", 2)
    for epoch in range(state.epochs_done + 1, settings.epochs + 1):
        if on_epoch_start is not None:
            on_epoch_start(epoch)
        # Both vary per epoch: the distributed sampler's shuffle and the dataset's augmentation draws.
        for source in (train_loader.sampler, train_loader.dataset):
            if hasattr(source, "set_epoch"):
                source.set_epoch(epoch)
        started = time.perf_counter()
        loss, images = train_one_epoch(model, train_loader, opt, numerics, max_steps)
        seconds = time.perf_counter() - started
        # The bare module: a DDP forward would broadcast buffers, a collective the other ranks skip.
        val = validate(unwrap_model(model), val_loader, numerics, classes) if val_loader is not None else {}
        score = val.get(settings.selection_metric)
        score = -loss if score is None else score
        record = EpochRecord(epoch, loss, images, seconds, opt.scheduler.get_last_lr()[0], val)
        record.is_best = score > state.best_metric
        if record.is_best:
            state.best_metric = score
        state.epochs_done = epoch
        state.history.append(asdict(record))
        if log is not None:
            print(_progress_line(record, settings), file=log, flush=True)
        if on_epoch_end is not None:
            on_epoch_end(record, lambda: checkpoint_payload(model, opt, state))
    return state


def checkpoint_payload(model: torch.nn.Module, opt: Optimisation, state: TrainState) -> dict[str, Any]:
    """Model config + weights, optimiser, schedule, scaler and progress: loadable with weights_only."""
    inner = unwrap_model(model)
    return {
        "config": inner.stsnet_config,
        "state_dict": inner.state_dict(),
        "optimizer": opt.optimizer.state_dict(),
        "scheduler": opt.scheduler.state_dict(),
        "scaler": opt.scaler.state_dict(),
        "epochs_done": state.epochs_done,
        "best_metric": state.best_metric,
        "history": state.history,
    }


def restore(payload: dict[str, Any], model: torch.nn.Module, opt: Optimisation) -> TrainState:
    """Load a checkpoint payload into the model and optimisation; return the progress it records."""
    inner = unwrap_model(model)
    if payload.get("config", {}).get("name") != inner.stsnet_config["name"]:
        raise ValueError(
            f"checkpoint is for model {payload.get('config', {}).get('name')!r}, "
            f"not {inner.stsnet_config['name']!r}"
        )
    inner.load_state_dict(payload["state_dict"])
    opt.optimizer.load_state_dict(payload["optimizer"])
    opt.scheduler.load_state_dict(payload["scheduler"])
    opt.scaler.load_state_dict(payload["scaler"])
    return TrainState(payload["epochs_done"], payload["best_metric"], list(payload["history"]))


def _progress_line(record: EpochRecord, settings: TrainingSettings) -> str:
    val = "  ".join(f"{k} {v:.2f}" for k, v in record.val.items() if v is not None)
    best = " *" if record.is_best else ""
    return (
        f"epoch {record.epoch:>3}/{settings.epochs}  loss {record.train_loss:.4f}  "
        f"{record.images_per_second:.1f} img/s  lr {record.lr:.2e}  {val}{best}"
    )
