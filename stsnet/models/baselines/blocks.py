"""Building blocks shared by the baselines: conv-norm-act stacks, input checks, output assembly."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from stsnet.models.outputs import ModelOutput, SegmentationOutput


def conv_bn_act(
    in_ch: int,
    out_ch: int,
    kernel: int = 3,
    dilation: int = 1,
    bias: bool = False,
    norm: bool = True,
    act: type[nn.Module] | None = nn.ReLU,
    groups: int = 1,
    norm_eps: float = 1e-5,
) -> nn.Sequential:
    """A padded ("same") conv, optionally followed by BatchNorm and an activation."""
    layers: list[nn.Module] = [
        nn.Conv2d(
            in_ch,
            out_ch,
            kernel,
            padding=dilation * (kernel // 2),
            dilation=dilation,
            bias=bias,
            groups=groups,
        )
    ]
    if norm:
        layers.append(nn.BatchNorm2d(out_ch, eps=norm_eps))
    if act is not None:
        layers.append(act(inplace=True) if act in (nn.ReLU, nn.SiLU) else act())
    return nn.Sequential(*layers)


class DoubleConv(nn.Sequential):
    """Two 3×3 conv(-BN)-ReLU layers: the U-Net family's level block."""

    def __init__(
        self, in_ch: int, out_ch: int, mid_ch: int | None = None, bias: bool = False, norm: bool = True
    ):
        mid = mid_ch or out_ch
        super().__init__(
            conv_bn_act(in_ch, mid, bias=bias, norm=norm), conv_bn_act(mid, out_ch, bias=bias, norm=norm)
        )


def check_config(in_chans: int, classes: int) -> None:
    """Reject impossible channel settings before any layer is built."""
    if classes < 1:
        raise ValueError(f"classes must be >= 1, got {classes}")
    if in_chans < 1:
        raise ValueError(f"in_chans must be >= 1, got {in_chans}")


def check_input(x: torch.Tensor, in_chans: int, model: str, multiple: int = 1) -> None:
    """Reject inputs of the wrong rank, channel count or size, naming what the model expects."""
    if x.ndim != 4 or x.shape[1] != in_chans:
        raise ValueError(f"{model} expects B×{in_chans}×H×W input, got {tuple(x.shape)}")
    if x.shape[-2] % multiple or x.shape[-1] % multiple:
        raise ValueError(f"{model} needs H and W divisible by {multiple}, got {tuple(x.shape[-2:])}")


def resize(x: torch.Tensor, size: Sequence[int], align_corners: bool = False) -> torch.Tensor:
    """Bilinear resize to `size` (a no-op when already there)."""
    if tuple(x.shape[-2:]) == tuple(size):
        return x
    return F.interpolate(x, size=tuple(size), mode="bilinear", align_corners=align_corners)


def foreground_probability(logits: torch.Tensor) -> torch.Tensor:
    """B×1×H×W probability of "not background": sigmoid for 1 channel, 1 − softmax[0] otherwise."""
    if logits.shape[1] == 1:
        return torch.sigmoid(logits)
    return 1.0 - logits.softmax(dim=1)[:, :1]


def reverse_attention(logits: torch.Tensor) -> torch.Tensor:
    """Reverse attention of the reverse-attention decoders (CaraNet, UM-Net): 1 − P(foreground)."""
    return 1.0 - foreground_probability(logits)


def assemble_output(
    module: nn.Module,
    logits: torch.Tensor,
    aux: Sequence[torch.Tensor] = (),
    extras: dict[str, torch.Tensor] | None = None,
) -> ModelOutput:
    """Logits alone in eval mode; in training mode also the side outputs the original losses use."""
    if module.training and (aux or extras):
        return SegmentationOutput(logits, list(aux), dict(extras or {}))
    return logits
