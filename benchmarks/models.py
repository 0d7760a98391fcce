"""Training throughput of every model on this CPU and how much of its matrix-product rate it uses.

For each registered model: images/s of forward + CE + backward + AdamW step at batch 2, 128×128,
after a warm-up; its achieved FLOP/s (3 × the forward FlopCounterMode count, the usual
forward + backward estimate) as a fraction of a large torch.mm's FLOP/s measured in the same run.
Run: .venv/bin/python benchmarks/models.py [names...]
"""

from __future__ import annotations

import sys
import time

import torch
import torch.nn.functional as F

from stsnet.models import create_model, list_models
from stsnet.models.complexity import measure
from stsnet.models.outputs import main_logits

BATCH, SIZE, WARMUP, STEPS = 2, 128, 1, 3


def matmul_flops_per_second(n: int = 2048, repeats: int = 5) -> float:
    a, b = torch.randn(n, n), torch.randn(n, n)
    torch.mm(a, b)
    start = time.perf_counter()
    for _ in range(repeats):
        torch.mm(a, b)
    return 2 * n**3 * repeats / (time.perf_counter() - start)


def training_images_per_second(name: str) -> float:
    model = create_model(name).train()
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    x, y = torch.randn(BATCH, 3, SIZE, SIZE), torch.randint(0, 2, (BATCH, SIZE, SIZE))
    for step in range(WARMUP + STEPS):
        if step == WARMUP:
            start = time.perf_counter()
        optimizer.zero_grad()
        F.cross_entropy(main_logits(model(x)), y).backward()
        optimizer.step()
    return BATCH * STEPS / (time.perf_counter() - start)


def main(names: list[str]) -> None:
    peak = matmul_flops_per_second()
    print(f"torch.mm peak: {peak / 1e9:.1f} GFLOP/s on {torch.get_num_threads()} threads")
    print(f"{'model':26s} {'img/s':>7s} {'GFLOP/s':>8s} {'of peak':>8s}")
    for name in names or list_models():
        forward_flops = measure(name, size=SIZE).flops_g * 1e9
        rate = training_images_per_second(name)
        achieved = 3 * forward_flops * rate
        print(f"{name:26s} {rate:7.2f} {achieved / 1e9:8.1f} {achieved / peak:8.1%}")


if __name__ == "__main__":
    main(sys.argv[1:])
