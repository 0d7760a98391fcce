"""Channel/spatial attention blocks placed after every encoder stage, from one string-keyed factory.

All blocks map B×C×H×W to the same shape. Conventions follow the STS-Net repository where it has the
block (no biases in SE/CBAM, fixed kernel 3 in ESCA/ECA); see BASELINES.md §4 for the counts.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

KernelRule = int | Literal["adaptive"]


def adaptive_kernel_size(channels: int, gamma: int = 2, b: int = 1) -> int:
    """ECA's channel-dependent kernel: |log2(C)/γ + b/γ| rounded to the nearest odd number above."""
    k = int(abs(math.log2(channels) / gamma + b / gamma))
    return k if k % 2 else k + 1


def _kernel_size(channels: int, kernel: KernelRule) -> int:
    if kernel == "adaptive":
        return adaptive_kernel_size(channels)
    if not isinstance(kernel, int) or kernel < 1 or kernel % 2 == 0:
        raise ValueError(f"attention kernel must be an odd positive int or 'adaptive', got {kernel!r}")
    return kernel


class ECA(nn.Module):
    """Efficient channel attention: GAP -> one 1D conv across channels -> sigmoid -> scale."""

    def __init__(self, channels: int, kernel: KernelRule = 3, repeats: int = 1) -> None:
        super().__init__()
        k = _kernel_size(channels, kernel)
        self.conv = nn.Conv1d(1, 1, kernel_size=k, padding=(k - 1) // 2, bias=False)
        self.repeats = repeats

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        descriptor = x.mean(dim=(2, 3)).unsqueeze(1)  # B×1×C
        for _ in range(self.repeats):
            descriptor = self.conv(descriptor)
        weights = torch.sigmoid(descriptor).transpose(1, 2).unsqueeze(-1)  # B×C×1×1
        return x * weights.to(x.dtype)


class ESCA(ECA):
    """The paper's ESCA: ECA whose single shared 1D conv is applied twice before the sigmoid.

    Kernel 3 by default, as the released code that produced the published numbers;
    `kernel="adaptive"` is the channel-dependent rule the paper's text describes.
    """

    def __init__(self, channels: int, kernel: KernelRule = 3) -> None:
        super().__init__(channels, kernel=kernel, repeats=2)


class SE(nn.Module):
    """Squeeze-and-excitation, reduction 16, no biases (the STS-Net repository's `SE_Block`)."""

    def __init__(self, channels: int, reduction: int = 16) -> None:
        super().__init__()
        hidden = max(channels // reduction, 1)
        self.fc = nn.Sequential(
            nn.Linear(channels, hidden, bias=False),
            nn.ReLU(inplace=True),
            nn.Linear(hidden, channels, bias=False),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        weights = torch.sigmoid(self.fc(x.mean(dim=(2, 3))))
        return x * weights[:, :, None, None].to(x.dtype)


class CBAM(nn.Module):
    """Channel attention (shared MLP over avg- and max-pooled) then 7×7 spatial attention, no biases."""

    def __init__(self, channels: int, reduction: int = 16, spatial_kernel: int = 7) -> None:
        super().__init__()
        hidden = max(channels // reduction, 1)
        self.mlp = nn.Sequential(
            nn.Conv2d(channels, hidden, 1, bias=False),
            nn.ReLU(inplace=True),
            nn.Conv2d(hidden, channels, 1, bias=False),
        )
        self.spatial = nn.Conv2d(2, 1, spatial_kernel, padding=spatial_kernel // 2, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        avg = self.mlp(F.adaptive_avg_pool2d(x, 1))
        peak = self.mlp(F.adaptive_max_pool2d(x, 1))
        x = x * torch.sigmoid(avg + peak)
        pooled = torch.cat([x.amax(dim=1, keepdim=True), x.mean(dim=1, keepdim=True)], dim=1)
        return x * torch.sigmoid(self.spatial(pooled))


class GCT(nn.Module):
    """Gated channel transformation (Yang et al. 2020): L2 embedding, channel norm, tanh gate.

    Starts as the identity (γ=0, β=0), as in the original.
    """

    def __init__(self, channels: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.alpha = nn.Parameter(torch.ones(1, channels, 1, 1))
        self.gamma = nn.Parameter(torch.zeros(1, channels, 1, 1))
        self.beta = nn.Parameter(torch.zeros(1, channels, 1, 1))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        embedding = self.alpha * (x.float().pow(2).sum(dim=(2, 3), keepdim=True) + self.eps).sqrt()
        norm = self.gamma / (embedding.pow(2).mean(dim=1, keepdim=True) + self.eps).sqrt()
        gate = 1.0 + torch.tanh(embedding * norm + self.beta)
        return x * gate.to(x.dtype)


class SRM(nn.Module):
    """Style-based recalibration (Lee et al. 2019): per-channel mean/std -> channel-wise FC -> BN -> σ."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.cfc = nn.Conv1d(channels, channels, kernel_size=2, groups=channels, bias=False)
        self.bn = nn.BatchNorm1d(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        flat = x.float().flatten(2)
        style = torch.stack([flat.mean(dim=2), flat.std(dim=2, unbiased=False)], dim=2)  # B×C×2
        gate = torch.sigmoid(self.bn(self.cfc(style)))  # B×C×1
        return x * gate.unsqueeze(-1).to(x.dtype)


def _no_attention(channels: int) -> nn.Module:
    return nn.Identity()


_ATTENTIONS: dict[str, Callable[..., nn.Module]] = {
    "esca": ESCA,
    "eca": ECA,
    "se": SE,
    "cbam": CBAM,
    "gct": GCT,
    "srm": SRM,
    "none": _no_attention,
}

ATTENTION_NAMES = tuple(_ATTENTIONS)


def create_attention(name: str, channels: int, kernel: KernelRule = 3) -> nn.Module:
    """Build the attention block `name` for `channels`; `kernel` applies to esca/eca only."""
    if name not in _ATTENTIONS:
        raise ValueError(f"unknown attention {name!r}; known: {', '.join(ATTENTION_NAMES)}")
    if name in ("esca", "eca"):
        return _ATTENTIONS[name](channels, kernel=kernel)
    return _ATTENTIONS[name](channels)
