"""What the project's training loop costs and gains against a bare PyTorch loop, in one run.

On the same STS-Net and the same prepared synthetic store (batch 4, SIDE×SIDE), prints images/s of:
  (a) a naive bare PyTorch loop: fp32, NCHW, no loader (tensors already in memory) -- the floor;
  (b) the project's loop in one process (`train_in_process`: loader, augmentation, numerics);
  (c) the same loop under Ray Train with one worker (`train`), plus its start-up time;
  (d) the data loader alone (memory-mapped store, online augmentation), against what (b) consumes.
Targets: b >= 2x a on a bf16-capable CPU, c >= 0.9x b, d >= 5x b.
Run: .venv/bin/python -m benchmarks.train_overhead
"""

from __future__ import annotations

import os
import tempfile
import time

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

from stsnet.config import (
    AmplificationSettings,
    DatasetSettings,
    ModelSettings,
    ScalingSettings,
    TrainingSettings,
)
from stsnet.data.dataset import open_split
from stsnet.data.store import prepare_dataset
from stsnet.models import create_model
from stsnet.train.launcher import train, train_in_process
from stsnet.train.numerics import choose_numerics

SIDE, BATCH, STEPS, IMAGES = 256, 4, 4, 32


def bare_loop(images: torch.Tensor, masks: torch.Tensor) -> float:
    """(a) fp32 NCHW forward, CE, backward, AdamW; one warm-up step, then STEPS timed."""
    torch.manual_seed(0)
    model = create_model("sts-net").train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    for step in range(STEPS + 1):
        if step == 1:
            started = time.perf_counter()
        start = (step * BATCH) % (len(images) - BATCH)
        loss = F.cross_entropy(model(images[start : start + BATCH]), masks[start : start + BATCH])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return BATCH * STEPS / (time.perf_counter() - started)


def loader_alone(store: str) -> float:
    """(d) Batches of the augmented training split, read and discarded."""
    loader = DataLoader(open_split(store, "train"), batch_size=BATCH, shuffle=True)
    started, seen = time.perf_counter(), 0
    for images, _ in loader:
        seen += len(images)
    return seen / (time.perf_counter() - started)


def main() -> None:
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    numerics = choose_numerics()
    print(f"machine: {os.cpu_count()} cores, {torch.get_num_threads()} torch threads")
    print(
        f"STS-Net, batch {BATCH}, {SIDE}×{SIDE}; project numerics: autocast {numerics.autocast_dtype}, "
        f"channels-last {numerics.channels_last}"
    )
    with tempfile.TemporaryDirectory(prefix="stsnet-bench-") as root:
        dataset = DatasetSettings(name="synthetic-2d", size=SIDE, synthetic_count=IMAGES)
        prepared = prepare_dataset(dataset, AmplificationSettings(method="none"), root=root).dataset
        store = prepared.location
        images, masks = (torch.from_numpy(array.copy()) for array in prepared.arrays("train"))
        rates = {"a": bare_loop(images.float() / 255.0, masks.long())}
        # Two epochs of STEPS steps: the first warms up, the second is timed (validation excluded).
        training = TrainingSettings(epochs=2, batch_size=BATCH, max_steps_per_epoch=STEPS)
        local = train_in_process(store, ModelSettings(), training, "bench-local", os.path.join(root, "runs"))
        rates["b"] = local.history[-1]["images"] / local.history[-1]["seconds"]
        started = time.perf_counter()
        scaling = ScalingSettings(num_workers=1, storage_path=os.path.join(root, "runs"))
        distributed = train(store, ModelSettings(), training, scaling, "bench-ray")
        ray_wall = time.perf_counter() - started
        rates["c"] = distributed.history[-1]["images"] / distributed.history[-1]["seconds"]
        rates["d"] = loader_alone(store)
    ray_train_seconds = sum(h["seconds"] for h in distributed.history)
    a, b, c, d = (rates[k] for k in "abcd")
    print(f"(a) bare PyTorch loop, fp32 NCHW      {a:7.2f} img/s")
    print(f"(b) project loop, one process          {b:7.2f} img/s   b/a = {b / a:.2f}  (target >= 2)")
    print(f"(c) project loop, Ray Train 1 worker   {c:7.2f} img/s   c/b = {c / b:.2f}  (target >= 0.9)")
    print(f"    Ray run wall time {ray_wall:.1f} s, of which training epochs {ray_train_seconds:.1f} s")
    print(f"(d) data loader alone                  {d:7.2f} img/s   d/b = {d / b:.1f}  (target >= 5)")


if __name__ == "__main__":
    main()
