"""R2U-Net (Alom et al., arXiv:1802.06955): U-Net whose level blocks are recurrent residual units.

An RRCNN block maps in→out with a 1×1 conv, then runs two recurrent units and adds the 1×1 output.
A recurrent unit owns ONE 3×3 conv-BN-ReLU, reused over time: y = f(x), then y = f(x + y) t times,
so with t = 2 the conv runs 3 times (about 3× U-Net's FLOPs at similar parameters). Decoder steps
are ×2 up-sampling + 3×3 conv-BN-ReLU (halving the channels), skip concatenation, RRCNN block.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from stsnet.models.baselines.blocks import check_config, check_input, conv_bn_act
from stsnet.models.registry import register_model


class RecurrentUnit(nn.Module):
    """One conv-BN-ReLU applied 1 + `steps` times, its input re-fed with the running output."""

    def __init__(self, channels: int, steps: int) -> None:
        super().__init__()
        self.conv = conv_bn_act(channels, channels, bias=True)
        self.steps = steps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv(x)
        for _ in range(self.steps):
            y = self.conv(x + y)
        return y


class RRCNNBlock(nn.Module):
    """1×1 projection, two recurrent units, residual add of the projection."""

    def __init__(self, in_ch: int, out_ch: int, steps: int) -> None:
        super().__init__()
        self.project = nn.Conv2d(in_ch, out_ch, 1)
        self.recurrent = nn.Sequential(RecurrentUnit(out_ch, steps), RecurrentUnit(out_ch, steps))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.project(x)
        return x + self.recurrent(x)


class R2UNet(nn.Module):
    """Five RRCNN levels (64…1024), max-pool down, up-conv + concat + RRCNN up, 1×1 head."""

    def __init__(self, in_chans: int = 3, classes: int = 2, base: int = 64, steps: int = 2) -> None:
        super().__init__()
        check_config(in_chans, classes)
        self.in_chans = in_chans
        widths = [base * 2**i for i in range(5)]
        self.down = nn.ModuleList(
            RRCNNBlock(c_in, c_out, steps)
            for c_in, c_out in zip([in_chans, *widths[:-1]], widths, strict=True)
        )
        self.up = nn.ModuleList(conv_bn_act(c, c // 2, bias=True) for c in reversed(widths[1:]))
        self.merge = nn.ModuleList(RRCNNBlock(c, c // 2, steps) for c in reversed(widths[1:]))
        self.head = nn.Conv2d(base, classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_input(x, self.in_chans, "R2U-Net", multiple=16)
        skips = []
        for level, block in enumerate(self.down):
            x = block(x if level == 0 else F.max_pool2d(x, 2))
            skips.append(x)
        x = skips.pop()
        for up, merge in zip(self.up, self.merge, strict=True):
            x = merge(torch.cat([skips.pop(), up(F.interpolate(x, scale_factor=2.0))], dim=1))
        return self.head(x)


@register_model("r2u-net", paper_name="R2U-Net")
def r2u_net(in_chans: int = 3, classes: int = 2, steps: int = 2) -> R2UNet:
    """R2U-Net with t = 2 recurrent steps and a 64 base (39.09 M)."""
    return R2UNet(in_chans, classes, steps=steps)
