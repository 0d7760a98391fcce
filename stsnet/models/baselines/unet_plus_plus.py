"""UNet++ (Zhou et al., DLMIA 2018): U-Net with nested, densely connected skip pathways.

Node X(i, j) (level i, column j) is a VGG block (two 3×3 conv-BN-ReLU) over the concatenation of
X(i, 0..j−1) and the ×2 bilinear up-sampling of X(i+1, j−1); the backbone column X(i, 0) is the
U-Net encoder with 64…1024 channels. The paper's 36.62 M is this layout with a 64 base (the common
PyTorch reference uses 32). With `deep_supervision`, 1×1 heads on X(0, 1..3) are returned as side
outputs in training mode (for the "deep_supervision_ce" / "deep_supervision_dice_ce" losses).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from stsnet.models.baselines.blocks import DoubleConv, assemble_output, check_config, check_input
from stsnet.models.outputs import ModelOutput
from stsnet.models.registry import register_model


class UNetPlusPlus(nn.Module):
    """Nested U-Net with `depth` levels; the prediction comes from X(0, depth−1)."""

    def __init__(
        self,
        in_chans: int = 3,
        classes: int = 2,
        base: int = 64,
        depth: int = 5,
        deep_supervision: bool = False,
    ) -> None:
        super().__init__()
        check_config(in_chans, classes)
        self.in_chans = in_chans
        self.depth = depth
        widths = [base * 2**i for i in range(depth)]
        self.nodes = nn.ModuleDict()
        for i in range(depth):
            for j in range(depth - i):
                c_in = (
                    in_chans
                    if (i, j) == (0, 0)
                    else widths[i - 1]
                    if j == 0
                    else j * widths[i] + widths[i + 1]
                )
                self.nodes[f"{i}_{j}"] = DoubleConv(c_in, widths[i], bias=True)
        heads = depth - 1 if deep_supervision else 1
        self.heads = nn.ModuleList(nn.Conv2d(base, classes, 1) for _ in range(heads))

    def forward(self, x: torch.Tensor) -> ModelOutput:
        check_input(x, self.in_chans, "UNet++", multiple=2 ** (self.depth - 1))
        grid: dict[tuple[int, int], torch.Tensor] = {}
        for i in range(self.depth):
            grid[i, 0] = self.nodes[f"{i}_0"](x if i == 0 else F.max_pool2d(grid[i - 1, 0], 2))
            for j in range(1, i + 1):
                row = i - j
                up = F.interpolate(
                    grid[row + 1, j - 1], scale_factor=2.0, mode="bilinear", align_corners=True
                )
                grid[row, j] = self.nodes[f"{row}_{j}"](
                    torch.cat([*(grid[row, k] for k in range(j)), up], dim=1)
                )
        outputs = [
            head(grid[0, j])
            for head, j in zip(self.heads, range(self.depth - len(self.heads), self.depth), strict=True)
        ]
        return assemble_output(self, outputs[-1], aux=outputs[:-1])


@register_model("unet++", paper_name="UNet++")
def unet_plus_plus(in_chans: int = 3, classes: int = 2, deep_supervision: bool = False) -> UNetPlusPlus:
    """UNet++ with a 64 base and VGG blocks (36.63 M); deep supervision off as in the paper's protocol."""
    return UNetPlusPlus(in_chans, classes, deep_supervision=deep_supervision)
