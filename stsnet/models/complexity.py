"""Parameter and FLOP counts, in torch's convention and in the paper's.

FLOPs come from `torch.utils.flop_counter.FlopCounterMode` (conv, matmul, bmm at 2 FLOPs per
multiply-add) on one 1×C×size×size input in eval mode. The paper's FLOPs column is about twice that
(BASELINES.md §0), so both are reported. The count runs on the "meta" device when the model allows
it (shapes only, no arithmetic: instant), else on the CPU.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch.utils.flop_counter import FlopCounterMode

from stsnet.models.registry import create_model

PAPER_FLOPS_FACTOR = 2.0


@dataclass(frozen=True)
class Complexity:
    params_m: float
    flops_g: float

    @property
    def paper_flops_g(self) -> float:
        return PAPER_FLOPS_FACTOR * self.flops_g


def count_parameters(model: torch.nn.Module) -> int:
    """Trainable and frozen parameters (buffers excluded), as the paper's tables count them."""
    return sum(p.numel() for p in model.parameters())


def measure(name: str, size: int = 480, in_chans: int = 3, classes: int = 2, **options) -> Complexity:
    """Parameters (M) and forward GFLOPs (FlopCounterMode) of a registered model at size×size."""
    try:
        with torch.device("meta"):
            model = create_model(name, in_chans=in_chans, classes=classes, **options)
            return _measure_model(model, size, in_chans, torch.device("meta"))
    except (NotImplementedError, RuntimeError):
        model = create_model(name, in_chans=in_chans, classes=classes, **options)
        return _measure_model(model, size, in_chans, torch.device("cpu"))


def _measure_model(model: torch.nn.Module, size: int, in_chans: int, device: torch.device) -> Complexity:
    model.eval()
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        model(torch.zeros(1, in_chans, size, size, device=device))
    return Complexity(params_m=count_parameters(model) / 1e6, flops_g=counter.get_total_flops() / 1e9)
