"""MSGSE-Net (Fu et al., Neurocomputing 2021), written from the paper's abstract: no public code.

What the abstract states: a U-Net-like fully convolutional encoder-decoder whose features are
recalibrated by multi-scale guided squeeze-and-excitation (MSGSE) modules, an SE-type gating whose
weights vary with position because multi-scale context guides them; the attention maps are deeply
supervised against the labels; an entropy-weighted Dice loss up-weights ambiguous voxels.

What is INFERRED here (unverified against the paper's architecture table):
* the backbone is the 64-base U-Net of `unet.py` (BN, transposed-conv up-sampling);
* one MSGSE module after every decoder level and at the bottleneck: the feature and its average
  pools at 1/2, 1/4 and 1/8 (up-sampled back) are concatenated and mapped by 1×1 convs
  (→ C/`reduction`, ReLU, → C, sigmoid) to a per-position, per-channel gate;
* each module's spatial attention map (the gate's channel mean) is returned in training mode as a
  1-channel side output for attention supervision (the "entropy_dice_attention" loss).
The gate's reduction (3) was chosen to approach the paper's budget: 33.37 M parameters (paper:
33.85 M); the FLOPs are not expected to match.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from stsnet.models.baselines.blocks import assemble_output, check_input, resize
from stsnet.models.baselines.unet import UNet
from stsnet.models.outputs import ModelOutput
from stsnet.models.registry import register_model

POOLS = (2, 4, 8)


class MSGSE(nn.Module):
    """Position-dependent SE gate guided by multi-scale average-pooled context."""

    def __init__(self, channels: int, reduction: int) -> None:
        super().__init__()
        hidden = max(channels // reduction, 8)
        self.gate = nn.Sequential(
            nn.Conv2d(channels * (1 + len(POOLS)), hidden, 1),
            nn.ReLU(inplace=True),
            nn.Conv2d(hidden, channels, 1),
            nn.Sigmoid(),
        )

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        size = x.shape[-2:]
        context = [x] + [resize(F.avg_pool2d(x, p, ceil_mode=True), size) for p in POOLS]
        gate = self.gate(torch.cat(context, dim=1))
        return x * gate, gate.mean(dim=1, keepdim=True)


class MSGSENet(UNet):
    """U-Net with MSGSE gates at the bottleneck and after every decoder level."""

    def __init__(self, in_chans: int = 3, classes: int = 2, reduction: int = 3) -> None:
        super().__init__(in_chans, classes)
        widths = [64 * 2**i for i in range(self.depth)]
        self.gates = nn.ModuleList(MSGSE(c, reduction) for c in reversed(widths))

    def forward(self, x: torch.Tensor) -> ModelOutput:
        check_input(x, self.in_chans, "MSGSE-Net", multiple=16)
        skips = []
        for level, block in enumerate(self.down):
            x = block(x if level == 0 else F.max_pool2d(x, 2))
            skips.append(x)
        x, attention = self.gates[0](skips.pop())
        maps = [attention]
        for up, merge, gate in zip(self.up, self.merge, self.gates[1:], strict=True):
            x, attention = gate(merge(torch.cat([skips.pop(), up(x)], dim=1)))
            maps.append(attention)
        size = maps[-1].shape[-2:]
        return assemble_output(
            self, self.head(x), extras={"attention_maps": torch.cat([resize(m, size) for m in maps], 1)}
        )


@register_model(
    "msgse-net",
    paper_name="MSGSE-Net",
    note="no public code: written from the abstract, architecture details inferred (see its docstring)",
)
def msgse_net(in_chans: int = 3, classes: int = 2, reduction: int = 3) -> MSGSENet:
    """MSGSE-Net as inferred from its abstract; default protocol CE."""
    return MSGSENet(in_chans, classes, reduction)
