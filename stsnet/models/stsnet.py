"""STS-Net: ResNeXt50-32x4d encoder, an attention block after every stage, DeepLabV3 decoder.

Encoder, decoder and attention are settings of the one builder `sts_net`, so the paper's ablations
(Tables 5, 6, 9) are configurations, not new classes, registered as named variants:

* Table 5 (encoder, decoder DeepLabV3): "sts-net-mobilenetv2", "sts-net-efficientnet-b0",
  "sts-net-dpn68", "sts-net-resnet50" ("sts-net" itself is the ResNeXt50-32x4d row).
* Table 6 (decoder, encoder ResNeXt50): "sts-net-deeplabv3plus", "sts-net-unet", "sts-net-pan",
  "sts-net-unetplusplus" ("sts-net" is the DeepLabV3 row).
* Table 9 (attention): "sts-net-cbam", "sts-net-se", "sts-net-none", "sts-net-gct",
  "sts-net-srm", plus "sts-net-eca" ("sts-net" is the ESCA row).

The attention block sits in-flow after every one of the five encoder stages for EVERY encoder.
The released code has ESCA inside its custom ResNet encoder only, so the paper's MobileNetV2,
EfficientNet-b0 and DPN68 rows may have run without it (BASELINES.md §5); we choose in-flow ESCA
everywhere so that the encoder is the only difference between the Table 5 rows.

Two routes build these networks, with identical parameter and FLOP counts:
* ResNet encoders with the DeepLabV3 decoder (the paper's network and its attention ablation):
  timm `features_only` at output stride 8 + smp's DeepLabV3 decoder (`STSNet`).
* Every other encoder or decoder: smp's model with the same encoder name the STS-Net repository
  used (`SmpSTSNet`). timm cannot dilate DPN68, and smp's MobileNetV2 keeps the 1280-channel last
  conv as the authors' encoder did; the decoders take smp 0.6's defaults (DeepLabV3+ and PAN at
  output stride 16, U-Net and UNet++ at 32), as BASELINES.md §6 measured.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import segmentation_models_pytorch as smp
import torch
import torch.nn.functional as F
from segmentation_models_pytorch.decoders.deeplabv3.decoder import DeepLabV3Decoder
from torch import nn

from stsnet.models.attention import ATTENTION_NAMES, KernelRule
from stsnet.models.encoder import (
    SMP_STAGE_MODULES,
    AttentiveTimmEncoder,
    attach_in_flow_attention,
    load_local_weights,
)
from stsnet.models.registry import register_model

ENCODERS = ("resnext50_32x4d", "resnet50", "mobilenet_v2", "efficientnet-b0", "dpn68")
DECODERS = ("deeplabv3", "deeplabv3plus", "unet", "pan", "unetplusplus")
TIMM_ENCODERS = ("resnext50_32x4d", "resnet50")


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
        _check_channels(in_chans, classes)
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
        _check_input(x, self.in_chans)
        features = self.encoder(x)
        logits = self.head(self.decoder(features))
        return F.interpolate(logits, size=x.shape[-2:], mode="bilinear", align_corners=False)


class SmpSTSNet(nn.Module):
    """An smp model (any encoder, any decoder) with the attention hooked in-flow after each stage.

    H and W must be divisible by 32 (smp's check). Same arguments as `STSNet`, plus `decoder`.
    """

    def __init__(
        self,
        in_chans: int = 3,
        classes: int = 2,
        encoder: str = "resnext50_32x4d",
        decoder: str = "deeplabv3",
        attention: str = "esca",
        esca_kernel: KernelRule = 3,
        encoder_weights: str = "none",
    ) -> None:
        super().__init__()
        _check_channels(in_chans, classes)
        self.in_chans = in_chans
        self.model = smp.create_model(
            decoder, encoder_name=encoder, encoder_weights=None, in_channels=in_chans, classes=classes
        )
        if encoder_weights != "none":
            load_local_weights(self.model.encoder, Path(encoder_weights))
        self.attentions = attach_in_flow_attention(
            self.model.encoder,
            SMP_STAGE_MODULES[encoder],
            self.model.encoder.out_channels[1:],
            attention,
            esca_kernel,
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_input(x, self.in_chans)
        if x.shape[-2] % 32 or x.shape[-1] % 32:
            raise ValueError(f"this STS-Net variant needs H and W divisible by 32, got {tuple(x.shape[-2:])}")
        return self.model(x)


def _check_channels(in_chans: int, classes: int) -> None:
    if classes < 1:
        raise ValueError(f"classes must be >= 1, got {classes}")
    if in_chans < 1:
        raise ValueError(f"in_chans must be >= 1, got {in_chans}")


def _check_input(x: torch.Tensor, in_chans: int) -> None:
    if x.ndim != 4 or x.shape[1] != in_chans:
        raise ValueError(f"STS-Net expects B×{in_chans}×H×W input, got {tuple(x.shape)}")


@register_model("sts-net", paper_name="STS-Net")
def sts_net(
    in_chans: int = 3,
    classes: int = 2,
    encoder: str = "resnext50_32x4d",
    decoder: str = "deeplabv3",
    attention: str = "esca",
    esca_kernel: KernelRule = 3,
    encoder_weights: str = "none",
) -> nn.Module:
    """The paper's network (ResNeXt50-32x4d + ESCA k=3 + DeepLabV3) and every ablation of it.

    Args:
        encoder: one of ENCODERS (Table 5).
        decoder: one of DECODERS (Table 6).
        attention: one of the attention factory's names (Table 9), in-flow after every stage.
        esca_kernel: ESCA/ECA kernel: 3 (released code) or "adaptive" (paper's text).
        encoder_weights: "none" (the paper trained from scratch), "imagenet" (timm route only,
            needs network) or a local state_dict file of the encoder.
    """
    if encoder not in ENCODERS:
        raise ValueError(f"unknown STS-Net encoder {encoder!r}; known: {', '.join(ENCODERS)}")
    if decoder not in DECODERS:
        raise ValueError(f"unknown STS-Net decoder {decoder!r}; known: {', '.join(DECODERS)}")
    if attention not in ATTENTION_NAMES:
        raise ValueError(f"unknown STS-Net attention {attention!r}; known: {', '.join(ATTENTION_NAMES)}")
    if decoder == "deeplabv3" and encoder in TIMM_ENCODERS:
        return STSNet(in_chans, classes, encoder, attention, esca_kernel, encoder_weights)
    return SmpSTSNet(in_chans, classes, encoder, decoder, attention, esca_kernel, encoder_weights)


# (registry name, table row, fixed settings): the ablation rows that differ from "sts-net".
VARIANTS: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("sts-net-mobilenetv2", "Table 5: MobileNetV2", {"encoder": "mobilenet_v2"}),
    ("sts-net-efficientnet-b0", "Table 5: EfficientNet-b0", {"encoder": "efficientnet-b0"}),
    ("sts-net-dpn68", "Table 5: DPN68", {"encoder": "dpn68"}),
    ("sts-net-resnet50", "Table 5: ResNet50", {"encoder": "resnet50"}),
    ("sts-net-deeplabv3plus", "Table 6: DeepLabV3+", {"decoder": "deeplabv3plus"}),
    ("sts-net-unet", "Table 6: U-Net", {"decoder": "unet"}),
    ("sts-net-pan", "Table 6: PAN", {"decoder": "pan"}),
    ("sts-net-unetplusplus", "Table 6: UNet++", {"decoder": "unetplusplus"}),
    ("sts-net-cbam", "Table 9: CBAM", {"attention": "cbam"}),
    ("sts-net-se", "Table 9: SE", {"attention": "se"}),
    ("sts-net-none", "Table 9: None", {"attention": "none"}),
    ("sts-net-gct", "Table 9: GCT", {"attention": "gct"}),
    ("sts-net-srm", "Table 9: SRM", {"attention": "srm"}),
    ("sts-net-eca", "Table 9: ECA (not in the paper)", {"attention": "eca"}),
)

_ENCODER_NOTE = (
    "ESCA in-flow after every stage, as for ResNeXt50; the released code may have run this "
    "encoder without ESCA (BASELINES.md §5)"
)


def _variant(settings: dict[str, str], **config) -> nn.Module:
    clash = sorted(set(settings) & set(config))
    if clash:
        raise ValueError(f"{clash} are fixed by this STS-Net variant ({settings}); use 'sts-net' to set them")
    return sts_net(**settings, **config)


for _name, _row, _settings in VARIANTS:
    register_model(
        _name, paper_name=_row, note=_ENCODER_NOTE if _settings.get("encoder") in ENCODERS[2:] else None
    )(partial(_variant, _settings))
