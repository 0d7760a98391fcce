"""U-Net (Ronneberger et al., MICCAI 2015) in its common modern form: BN after every conv.

Five levels of two 3×3 convs (64…1024 channels), 2×2 max-pool down, 2×2 stride-2 transposed conv
up (halving the channels), skip concatenation, 1×1 head. Padded convs keep the input size, which
must be divisible by 16. 31.04 M parameters with 2 classes, as the paper's Table 1.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from stsnet.models.baselines.blocks import DoubleConv, check_config, check_input
from stsnet.models.registry import register_model


class UNet(nn.Module):
    """The classic U-Net; `norm=False, bias=True` gives CentroidNetV2's plain backbone.

    Args:
        in_chans: input channels.
        classes: output channels of the 1×1 head.
        base: channels of the first level (doubled at every level).
        depth: number of levels, the bottom one included.
        norm: BatchNorm after every conv.
        bias: conv biases (redundant before BN, kept where the reference model has them).
    """

    def __init__(
        self,
        in_chans: int = 3,
        classes: int = 2,
        base: int = 64,
        depth: int = 5,
        norm: bool = True,
        bias: bool = False,
    ) -> None:
        super().__init__()
        check_config(in_chans, classes)
        self.in_chans = in_chans
        self.depth = depth
        widths = [base * 2**i for i in range(depth)]
        self.down = nn.ModuleList(
            DoubleConv(c_in, c_out, bias=bias, norm=norm)
            for c_in, c_out in zip([in_chans, *widths[:-1]], widths, strict=True)
        )
        self.up = nn.ModuleList(nn.ConvTranspose2d(c, c // 2, 2, stride=2) for c in reversed(widths[1:]))
        self.merge = nn.ModuleList(DoubleConv(c, c // 2, bias=bias, norm=norm) for c in reversed(widths[1:]))
        self.head = nn.Conv2d(base, classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_input(x, self.in_chans, type(self).__name__, multiple=2 ** (self.depth - 1))
        skips = []
        for level, block in enumerate(self.down):
            x = block(x if level == 0 else F.max_pool2d(x, 2))
            skips.append(x)
        x = skips.pop()
        for up, merge in zip(self.up, self.merge, strict=True):
            x = merge(torch.cat([skips.pop(), up(x)], dim=1))
        return self.head(x)


@register_model("u-net", paper_name="U-Net")
def u_net(in_chans: int = 3, classes: int = 2) -> UNet:
    """U-Net, 64 base, transposed-conv up-sampling, BN (the PyTorch layout with 31.04 M)."""
    return UNet(in_chans, classes)
