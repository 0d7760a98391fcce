"""`train_worker(config, session)`: build data, model and loaders on one worker and run `fit`.

The same body runs under Ray Train (a `RaySession`: DDP, checkpoints reported to Ray) and in one
process (a `LocalSession`, see `stsnet.train.local`). `config` is plain JSON-able data so that
Ray can ship it to its workers.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TextIO

import torch
from torch.utils.data import DataLoader

from stsnet.config.model import ModelSettings
from stsnet.config.training import TrainingSettings
from stsnet.data.dataset import open_splits
from stsnet.data.store import open_prepared
from stsnet.models.registry import create_model
from stsnet.train.checkpoints import parameter_digest
from stsnet.train.loop import EpochRecord, TrainState, fit
from stsnet.train.numerics import choose_numerics, seed_everything


@dataclass(frozen=True)
class FailOnce:
    """A fault drill: the worker of `rank` (None: the last) raises once when `epoch` starts.

    `marker` is a file created just before raising, so the restarted worker does not fail again.
    """

    epoch: int
    marker: str
    rank: int | None = None


class InjectedFailure(RuntimeError):
    """Raised by a `FailOnce` drill."""


class Session(Protocol):
    """What differs between a Ray Train worker and a single process."""

    rank: int
    world_size: int

    def progress_stream(self) -> TextIO: ...

    def device(self) -> torch.device | None: ...

    def latest_payload(self) -> dict[str, Any] | None: ...

    def wrap_model(self, model: torch.nn.Module) -> torch.nn.Module: ...

    def wrap_loader(self, loader: DataLoader) -> DataLoader: ...

    def all_digests(self, digest: str) -> list[str]: ...

    def report(self, metrics: dict[str, Any], payload: dict[str, Any] | None, progress: dict) -> None: ...


def worker_config(
    store: str, model: ModelSettings, training: TrainingSettings, fail_once: FailOnce | None = None
) -> dict[str, Any]:
    """The JSON-able config `train_worker` receives."""
    return {
        "store": store,
        "model": model.model_dump(mode="json"),
        "training": training.model_dump(mode="json"),
        "fail_once": None if fail_once is None else vars(fail_once),
    }


def train_worker(config: dict[str, Any], session: Session) -> TrainState:
    """Train on this worker; every epoch ends with a report (metrics, and the checkpoint on rank 0)."""
    model_settings = ModelSettings(**config["model"])
    training = TrainingSettings(**config["training"])
    fail_once = FailOnce(**config["fail_once"]) if config.get("fail_once") else None
    prepared = open_prepared(config["store"])
    generator = seed_everything(training.seed)
    numerics = choose_numerics(training.mixed_precision, training.channels_last, session.device())
    splits = open_splits(prepared, seed=training.seed)
    if len(splits["train"]) == 0:
        raise ValueError(f"{prepared.location}: the training split is empty")
    model = numerics.prepare_model(create_model(model_settings.name, **model_settings.build_kwargs()))
    model = session.wrap_model(model)
    train_loader = session.wrap_loader(
        DataLoader(
            splits["train"],
            batch_size=training.batch_size,
            shuffle=True,
            generator=generator,
            num_workers=training.loader_workers,
            # A last batch of one image would break BatchNorm in ASPP's pooled branch.
            drop_last=len(splits["train"]) > training.batch_size,
            persistent_workers=training.loader_workers > 0,
        )
    )
    # Only rank 0 validates: it alone picks the best checkpoint, the others need not wait for it.
    val_loader = None
    if session.rank == 0 and len(splits["val"]) > 0:
        val_loader = DataLoader(splits["val"], batch_size=max(training.batch_size, 8))
    data = {
        "store": prepared.location,
        "dataset": prepared.info["dataset"]["name"],
        "side": prepared.info["side"],
        "conversion": prepared.info["dataset"]["conversion"],
        "volumes": prepared.info["summary"]["volumes"],
    }
    settings = {"model": config["model"], "training": config["training"]}

    def start_epoch(epoch: int) -> None:
        if fail_once is None or epoch != fail_once.epoch or Path(fail_once.marker).exists():
            return
        if session.rank == (session.world_size - 1 if fail_once.rank is None else fail_once.rank):
            Path(fail_once.marker).parent.mkdir(parents=True, exist_ok=True)
            Path(fail_once.marker).write_text(f"rank {session.rank} failed at the start of epoch {epoch}\n")
            raise InjectedFailure(f"fault drill: rank {session.rank} fails at the start of epoch {epoch}")

    def end_epoch(record: EpochRecord, payload_fn) -> None:
        digests = session.all_digests(parameter_digest(model))
        score = record.val.get(training.selection_metric)
        metrics = {
            "epoch": record.epoch,
            "train_loss": record.train_loss,
            "images_per_second": record.images_per_second,
            "lr": record.lr,
            "score": -record.train_loss if score is None else score,
            "is_best": record.is_best,
            **{f"val_{name}": value for name, value in record.val.items()},
        }
        payload, progress = None, {}
        if session.rank == 0:
            payload = {**payload_fn(), "data": data, "settings": settings}
            progress = {
                "epochs_done": payload["epochs_done"],
                "best_metric": _finite_or_none(payload["best_metric"]),
                "history": payload["history"],
                "replica_digests": digests,
            }
        session.report(metrics, payload, progress)

    log = session.progress_stream() if session.rank == 0 else None
    return fit(
        model,
        train_loader,
        val_loader,
        training,
        numerics,
        resume_from=session.latest_payload(),
        on_epoch_end=end_epoch,
        log=log,
        on_epoch_start=start_epoch,
    )


def threads_per_worker(local_world_size: int) -> int:
    """Split the machine's cores between the workers of one node (Ray would give each one thread)."""
    return max(1, (os.cpu_count() or 1) // max(local_world_size, 1))


def _finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None
