"""EH-former (Qu et al., Information Fusion 2024), the single-stream network Table 1 counts.

The paper's 86.37 M is one SegFormer MiT-B5 stream (smp's `mit_b5` encoder, 81.44 M) with the RU
decoder (the reference's `Coarse_SegRes`): at each level a 2×2 transposed conv ×2, concatenation of
the skip, then a double 3×3 conv-BN in parallel with a 1×1 conv + GroupNorm residual, added and
ReLU'd; channels 512→256→128→64→16 with skips 320/128/64 and none at the last level; 1×1 head,
bilinear resize to the input. The full two-stage method (MC-dropout uncertainty, easy/hard
DropKey streams, SACA fusion: 270.6 M) is not built. The coarse stream's always-on MC dropout is an
ordinary dropout here, so evaluation is deterministic.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from segmentation_models_pytorch.encoders import get_encoder
from torch import nn

from stsnet.models.baselines.blocks import check_config, check_input, resize
from stsnet.models.encoder import load_local_weights
from stsnet.models.registry import register_model


class RUUp(nn.Module):
    """Transposed-conv ×2, skip concat, double conv-BN ‖ 1×1 conv-GroupNorm, sum, ReLU."""

    def __init__(self, in_ch: int, skip_ch: int, out_ch: int, dropout: float) -> None:
        super().__init__()
        self.up = nn.ConvTranspose2d(in_ch, in_ch, 2, stride=2)
        joined = in_ch + skip_ch
        self.conv = nn.Sequential(
            nn.Conv2d(joined, out_ch, 3, padding=1),
            nn.BatchNorm2d(out_ch),
            nn.ReLU(inplace=True),
            nn.Dropout(dropout),
            nn.Conv2d(out_ch, out_ch, 3, padding=1),
            nn.BatchNorm2d(out_ch),
        )
        groups = 16 if out_ch % 32 else 32
        self.residual = nn.Sequential(nn.Conv2d(joined, out_ch, 1, bias=False), nn.GroupNorm(groups, out_ch))

    def forward(self, x: torch.Tensor, skip: torch.Tensor | None) -> torch.Tensor:
        x = self.up(x)
        if skip is not None:
            x = torch.cat(
                [skip, F.pad(x, (0, skip.shape[-1] - x.shape[-1], 0, skip.shape[-2] - x.shape[-2]))], dim=1
            )
        return F.relu(self.conv(x) + self.residual(x))


class EHFormer(nn.Module):
    """MiT-B5 encoder + RU decoder (one EH-former stream)."""

    def __init__(
        self, in_chans: int = 3, classes: int = 2, encoder_weights: str = "none", dropout: float = 0.5
    ):
        super().__init__()
        check_config(in_chans, classes)
        self.in_chans = in_chans
        self.encoder = get_encoder("mit_b5", in_channels=in_chans, depth=5, weights=None)
        if encoder_weights != "none":
            load_local_weights(self.encoder, Path(encoder_weights))
        self.ups = nn.ModuleList(
            [RUUp(512, 320, 256, dropout), RUUp(256, 128, 128, dropout), RUUp(128, 64, 64, dropout)]
        )
        self.last = RUUp(64, 0, 16, dropout)
        self.head = nn.Conv2d(16, classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_input(x, self.in_chans, "EH-former", multiple=32)
        s4, s8, s16, s32 = self.encoder(x)[2:]
        out = s32
        for up, skip in zip(self.ups, (s16, s8, s4), strict=True):
            out = up(out, skip)
        return resize(self.head(self.last(out, None)), x.shape[-2:], align_corners=True)


@register_model(
    "eh-former",
    paper_name="EH-former",
    note="single MiT-B5 stream + RU decoder (86.37 M) as Table 1 counts; the two-stream method has 270.6 M",
)
def eh_former(in_chans: int = 3, classes: int = 2, encoder_weights: str = "none") -> EHFormer:
    """One EH-former stream; original loss Dice + BCE ("dice_ce" in our 2-class form)."""
    return EHFormer(in_chans, classes, encoder_weights)
