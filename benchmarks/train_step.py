"""STS-Net training throughput on this CPU, ESCA's overhead, and the share of the machine it uses.

Prints: images/s of one training step (forward, CE, backward, AdamW) at batch 4, 256×256 with the
project's numerics (bf16 autocast where supported, channels-last); the same without ESCA; and the
achieved FLOP/s (forward + backward counted by FlopCounterMode) against a large matrix product in
the same precision, measured in the same run.
Run: .venv/bin/python -m benchmarks.train_step
"""

from __future__ import annotations

import time

import torch
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

from benchmarks.machine import matmul_flops_per_second
from stsnet.models import create_model
from stsnet.train.numerics import Numerics, choose_numerics

BATCH, SIZE, WARMUP, STEPS = 4, 256, 2, 5


def training_flops(attention: str) -> float:
    """FLOPs of one forward + backward at BATCH×3×SIZE×SIZE, counted on the meta device."""
    with torch.device("meta"):
        model = create_model("sts-net", attention=attention)
        x = torch.zeros(BATCH, 3, SIZE, SIZE)
        y = torch.zeros(BATCH, SIZE, SIZE, dtype=torch.long)
    counter = FlopCounterMode(display=False)
    with counter:
        F.cross_entropy(model(x), y).backward()
    return float(counter.get_total_flops())


def images_per_second(attention: str, numerics: Numerics) -> float:
    torch.manual_seed(0)
    model = numerics.prepare_model(create_model("sts-net", attention=attention)).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    x = numerics.prepare_images(torch.rand(BATCH, 3, SIZE, SIZE))
    y = (torch.rand(BATCH, SIZE, SIZE) > 0.98).long()
    for step in range(WARMUP + STEPS):
        if step == WARMUP:
            start = time.perf_counter()
        with numerics.autocast():
            logits = model(x)
        loss = F.cross_entropy(logits.float(), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return BATCH * STEPS / (time.perf_counter() - start)


def main() -> None:
    numerics = choose_numerics()
    dtype = numerics.autocast_dtype or torch.float32
    peak = matmul_flops_per_second(n=4096, dtype=dtype)
    print(f"machine: {torch.get_num_threads()} threads, 4096² matmul {peak / 1e9:.1f} GFLOP/s in {dtype}")
    print(f"STS-Net training step, batch {BATCH}, {SIZE}×{SIZE}, autocast {numerics.autocast_dtype}")
    rates = {}
    for attention in ("esca", "none"):
        rate = images_per_second(attention, numerics)
        flops = training_flops(attention) / BATCH * rate
        rates[attention] = rate
        print(
            f"  attention={attention:<5} {rate:6.2f} img/s  {flops / 1e9:7.1f} GFLOP/s  "
            f"{100 * flops / peak:5.1f}% of the matmul rate"
        )
    print(f"ESCA overhead: {rates['none'] / rates['esca']:.3f}× the time of the same network without it")


if __name__ == "__main__":
    main()
