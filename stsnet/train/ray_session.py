"""The Ray Train side of a worker: DDP wrapping, distributed sampling and checkpoint reports."""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, TextIO

import ray.train
import ray.train.torch
import torch
import torch.distributed as dist
from torch.utils.data import DataLoader

from stsnet.train.checkpoints import CHECKPOINT_FILE, write_checkpoint
from stsnet.train.worker import threads_per_worker, train_worker


class RaySession:
    """A Ray Train worker: rank and world size from the train context, checkpoints through Ray."""

    def __init__(self) -> None:
        context = ray.train.get_context()
        self.rank = context.get_world_rank()
        self.world_size = context.get_world_size()

    def progress_stream(self) -> TextIO:
        """The process's own stdout, which Ray forwards to the driver: Ray Train patches `print` to
        `sys.stdout` to also log each line, which would show every epoch line twice."""
        return sys.__stdout__

    def device(self) -> torch.device:
        return ray.train.torch.get_device()

    def latest_payload(self) -> dict[str, Any] | None:
        checkpoint = ray.train.get_checkpoint()
        if checkpoint is None:
            return None
        with checkpoint.as_directory() as folder:
            return torch.load(os.path.join(folder, CHECKPOINT_FILE), map_location="cpu", weights_only=True)

    def wrap_model(self, model: torch.nn.Module) -> torch.nn.Module:
        # The model is already on its device, in its memory format; Ray adds DDP (gloo/NCCL).
        return ray.train.torch.prepare_model(model, move_to_device=False)

    def wrap_loader(self, loader: DataLoader) -> DataLoader:
        # Images go to the device in `fit` (with the memory format), so no auto-transfer here.
        return ray.train.torch.prepare_data_loader(loader, move_to_device=False)

    def all_digests(self, digest: str) -> list[str]:
        if self.world_size == 1 or not dist.is_initialized():
            return [digest]
        gathered: list[Any] = [None] * self.world_size
        dist.all_gather_object(gathered, digest)
        return [str(d) for d in gathered]

    def report(self, metrics: dict[str, Any], payload: dict[str, Any] | None, progress: dict) -> None:
        """Every rank reports; rank 0 attaches the checkpoint, uploaded before `report` returns."""
        if payload is None:
            ray.train.report(metrics)
            return
        with tempfile.TemporaryDirectory(prefix="stsnet-ckpt-") as folder:
            write_checkpoint(Path(folder), payload, progress)
            ray.train.report(
                metrics,
                checkpoint=ray.train.Checkpoint.from_directory(folder),
                checkpoint_dir_name=f"epoch-{metrics['epoch']:04d}",
            )


def ray_train_loop(config: dict[str, Any]) -> None:
    """The `train_loop_per_worker` of the TorchTrainer.

    The worker's root logger takes `ScalingSettings.log_level`: Ray Train logs a line per report
    through it (under a logger named by file path, which its own level setting does not reach).
    """
    logging.getLogger().setLevel(config["log_level"])
    torch.set_num_threads(threads_per_worker(ray.train.get_context().get_local_world_size()))
    train_worker(config, RaySession())
