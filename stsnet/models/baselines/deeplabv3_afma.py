"""DeepLabV3AFMA (Sang et al., TPAMI 2023): DeepLabV3 with across-feature-map attention.

Base: DeepLabV3-OS8 on ResNeXt50-32x4d (= STS-Net without attention). AFMA branch: the image goes
through a 7×7 conv (→64) and a 3×3 conv (→K classes); the encoder feature at depth d (1: stem,
2: layer1, 3: layer2) through a 1×1 conv to K, divided by 4^d. Both are cut into 10×10 patches; a
shared MLP (100→200→100, ReLU) embeds every patch, and per class the attention between image
patches and feature patches is their product / 100. Output modification: the arg-max one-hot of
the logits, average-pooled by 2^d and cut into patches, is spread back through the row-normalised
attention and folded to image size: logits · correction + logits.

Table 1's 2413.72 GFLOPs is about 4× what any counter gives for this network (the parameters
match); the inputs are zero-padded to a multiple of 10·2^d for the patches.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from stsnet.models.baselines.blocks import assemble_output, check_input, resize
from stsnet.models.outputs import ModelOutput
from stsnet.models.registry import register_model
from stsnet.models.stsnet import STSNet

PATCH = 10


def patches(x: torch.Tensor) -> torch.Tensor:
    """B×K×H×W → B×K×L×100 non-overlapping 10×10 patches (zero-padded to a multiple of 10)."""
    x = F.pad(x, (0, -x.shape[-1] % PATCH, 0, -x.shape[-2] % PATCH))
    b, k = x.shape[:2]
    return (
        F.unfold(x.flatten(0, 1).unsqueeze(1), PATCH, stride=PATCH)
        .view(b, k, PATCH * PATCH, -1)
        .transpose(2, 3)
    )


def afma_attention(image_patches: torch.Tensor, feature_patches: torch.Tensor) -> torch.Tensor:
    """Per class, image patches × feature patches / 100: B×K×L_img×L_feat."""
    return image_patches @ feature_patches.transpose(2, 3) / (PATCH * PATCH)


def pooled_onehot(labels: torch.Tensor, classes: int, scale: int) -> torch.Tensor:
    """One-hot B×K×H×W of integer labels, average-pooled by `scale` (the feature map's stride)."""
    onehot = F.one_hot(labels.long(), classes).permute(0, 3, 1, 2).float()
    return F.avg_pool2d(onehot, scale) if scale > 1 else onehot


class DeepLabV3AFMA(nn.Module):
    """DeepLabV3 (ResNeXt50, OS8) + AFMA branch and output modification."""

    def __init__(
        self, in_chans: int = 3, classes: int = 2, att_depth: int = 3, encoder_weights: str = "none"
    ) -> None:
        super().__init__()
        if att_depth not in (1, 2, 3):
            raise ValueError(f"att_depth must be 1, 2 or 3, got {att_depth}")
        self.base = STSNet(in_chans, classes, attention="none", encoder_weights=encoder_weights)
        self.classes, self.att_depth, self.scale = classes, att_depth, 2**att_depth
        self.image_branch = nn.Sequential(
            nn.Conv2d(in_chans, 64, 7, padding=3), nn.Conv2d(64, classes, 3, padding=1)
        )
        self.feature_branch = nn.Conv2d(self.base.encoder.out_channels[att_depth - 1], classes, 1)
        self.embed = nn.Sequential(
            nn.Linear(PATCH * PATCH, 2 * PATCH * PATCH, bias=False),
            nn.Linear(2 * PATCH * PATCH, PATCH * PATCH, bias=False),
            nn.ReLU(inplace=True),
        )

    def forward(self, x: torch.Tensor) -> ModelOutput:
        check_input(x, self.base.in_chans, "DeepLabV3AFMA", multiple=8)
        features = self.base.encoder(x)
        logits = resize(self.base.head(self.base.decoder(features)), x.shape[-2:])
        feature_map = self.feature_branch(features[self.att_depth - 1]) / 4**self.att_depth
        attention = afma_attention(
            self.embed(patches(self.image_branch(x))), self.embed(patches(feature_map))
        )
        rows = attention.ne(0).sum(dim=-1, keepdim=True).clamp(min=1)
        guide = patches(pooled_onehot(logits.argmax(dim=1), self.classes, self.scale))
        spread = (attention / rows) @ guide  # B×K×L_img×100
        b, k = spread.shape[:2]
        padded = [s + (-s % PATCH) for s in x.shape[-2:]]
        correction = F.fold(spread.transpose(2, 3).flatten(0, 1), padded, PATCH, stride=PATCH).view(
            b, k, *padded
        )
        logits = logits * correction[..., : x.shape[-2], : x.shape[-1]] + logits
        extras = {"afma": attention, "afma_scale": torch.tensor(self.scale, device=x.device)}
        return assemble_output(self, logits, extras=extras)


@register_model(
    "deeplabv3-afma",
    paper_name="DeepLabV3AFMA",
    note="parameters match; Table 1's 2413.72 GFLOPs is about 4x what FlopCounterMode, thop or ptflops give",
)
def deeplabv3_afma(
    in_chans: int = 3, classes: int = 2, att_depth: int = 3, encoder_weights: str = "none"
) -> DeepLabV3AFMA:
    """DeepLabV3AFMA on ResNeXt50-32x4d; original loss "afma" (5·CE + MSE to the gold attention)."""
    return DeepLabV3AFMA(in_chans, classes, att_depth, encoder_weights)
