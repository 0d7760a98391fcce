"""STS-Net: ResNeXt50-32x4d encoder, an attention block after every stage, DeepLabV3 decoder.

Encoder, attention and decoder are settings of this one builder, so the paper's ablations
(Tables 5, 6, 9) are configurations, not new classes.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from segmentation_models_pytorch.decoders.deeplabv3.decoder import DeepLabV3Decoder
from torch import nn

from stsnet.models.attention import KernelRule
from stsnet.models.encoder import AttentiveTimmEncoder
from stsnet.models.registry import register_model


class STSNet(nn.Module):
    """Encoder with in-flow attention, DeepLabV3 decoder (ASPP 256, rates 12/24/36), 1×1 head.

    The logits are bilinearly resized to the input size, so any H×W works (odd sizes included).

    Args:
        in_chans: input channels.
        classes: output classes (2: background and lesion).
        encoder: timm encoder name.
        attention: attention block after each encoder stage ("esca" in the paper).
        esca_kernel: ESCA/ECA kernel: 3 (released code, default) or "adaptive" (paper's text).
        encoder_weights: "none", "imagenet" or a local weights file path.
    """

    def __init__(
        self,
        in_chans: int = 3,
        classes: int = 2,
        encoder: str = "resnext50_32x4d",
        attention: str = "esca",
        esca_kernel: KernelRule = 3,
        encoder_weights: str = "none",
    ) -> None:
        super().__init__()
        if classes < 1:
            raise ValueError(f"classes must be >= 1, got {classes}")
        if in_chans < 1:
            raise ValueError(f"in_chans must be >= 1, got {in_chans}")
        self.in_chans = in_chans
        self.encoder = AttentiveTimmEncoder(
            encoder,
            in_chans=in_chans,
            attention=attention,
            attention_kernel=esca_kernel,
            output_stride=8,
            weights=encoder_weights,
        )
        self.decoder = DeepLabV3Decoder(
            in_channels=self.encoder.out_channels[-1],
            out_channels=256,
            atrous_rates=(12, 24, 36),
            aspp_separable=False,
            aspp_dropout=0.5,
        )
        self.head = nn.Conv2d(256, classes, kernel_size=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4 or x.shape[1] != self.in_chans:
            raise ValueError(f"STS-Net expects B×{self.in_chans}×H×W input, got {tuple(x.shape)}")
        features = self.encoder(x)
        logits = self.head(self.decoder(features))
        return F.interpolate(logits, size=x.shape[-2:], mode="bilinear", align_corners=False)


@register_model("sts-net", paper_name="STS-Net")
def sts_net(**config) -> STSNet:
    """The paper's network: ResNeXt50-32x4d + ESCA (kernel 3) + DeepLabV3."""
    return STSNet(**config)
