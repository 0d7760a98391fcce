"""UM-Net (Du, Xu et al., MedIA): ICGNet rethought for polyps, with uncertainty-weighted supervision.

ResNet34 (its stages only, as the reference takes them from torchvision) → levels 3–5
reduced to 64 channels → adaptive local-global modules (ALGM: a non-local block plus three densely
chained dilated convs over 16 channels, SE, 3×3 conv) cascaded from level 5 to level 2, each output
refined by |up(deeper) − current| → a CBAM contour branch on the stem feature (with an edge map)
→ reverse-attention RCG blocks guided by that contour → decoder blocks with side outputs → HPPF
(hybrid pyramid pooling fusion of decoder levels 2–4) → 3×3 conv, dropout, 1×1 head.

Differences from the reference code: HPPF averages its three pooled descriptors with true division
(the reference's floor division `//` on floats has no gradient); the unused cascade conv of the
deepest ALGM is not built (−37 k parameters). Training mode returns 4 side outputs and the edge map.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from stsnet.models.attention import CBAM, SE
from stsnet.models.baselines.blocks import (
    assemble_output,
    check_config,
    check_input,
    conv_bn_act,
    resize,
    reverse_attention,
)
from stsnet.models.encoder import create_timm_features
from stsnet.models.outputs import ModelOutput
from stsnet.models.registry import register_model

WIDTH = 64
LEVEL_DILATIONS = ((1, 3, 5), (2, 6, 10), (3, 9, 15), (4, 12, 20))  # levels 5, 4, 3, 2


class NonLocal(nn.Module):
    """Embedded-Gaussian non-local block, keys/values max-pooled by 2, zero-initialised output BN."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        inner = max(channels // 2, 1)
        self.theta, self.phi, self.g = (nn.Conv2d(channels, inner, 1) for _ in range(3))
        self.out = nn.Sequential(nn.Conv2d(inner, channels, 1), nn.BatchNorm2d(channels))
        nn.init.zeros_(self.out[1].weight)
        nn.init.zeros_(self.out[1].bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        query = self.theta(x).flatten(2).transpose(1, 2)  # B×HW×C'
        key = F.max_pool2d(self.phi(x), 2).flatten(2)  # B×C'×N
        value = F.max_pool2d(self.g(x), 2).flatten(2).transpose(1, 2)  # B×N×C'
        context = torch.bmm(torch.softmax(torch.bmm(query, key), dim=-1), value)
        return x + self.out(context.transpose(1, 2).reshape(x.shape[0], -1, *x.shape[2:]))


class ALGM(nn.Module):
    """Adaptive local-global module with `outputs` heads; cascaded heads add |up(deeper) − own|."""

    def __init__(self, dilations: tuple[int, int, int], outputs: int, cascade: bool) -> None:
        super().__init__()
        inner = WIDTH // 4
        self.reduce = conv_bn_act(WIDTH, inner, bias=True)
        self.global_context = NonLocal(inner)
        self.local_context = nn.ModuleList(
            conv_bn_act(inner * (i + 1), inner, dilation=d, bias=True) for i, d in enumerate(dilations)
        )
        self.heads = nn.ModuleList(
            nn.Sequential(SE(4 * inner), conv_bn_act(4 * inner, WIDTH, bias=True)) for _ in range(outputs)
        )
        self.cascade = conv_bn_act(WIDTH, WIDTH, bias=True) if cascade else None

    def forward(self, x: torch.Tensor, deeper: list[torch.Tensor] | None = None) -> list[torch.Tensor]:
        x = self.reduce(x)
        local, chained = [], [x]
        for conv in self.local_context:
            local.append(conv(torch.cat(chained, dim=1)))
            chained = [x, *local]
        context = torch.cat([self.global_context(x), *local], dim=1)
        outputs = [head(context) for head in self.heads]
        if self.cascade is not None and deeper is not None:
            outputs = [
                out + self.cascade((resize(d, out.shape[-2:], align_corners=True) - out).abs())
                for out, d in zip(outputs, deeper, strict=True)
            ]
        return outputs


class RCG(nn.Module):
    """Reverse attention of the previous side output, fused with the contour feature, gated, + skip."""

    def __init__(self) -> None:
        super().__init__()
        self.fuse = conv_bn_act(2 * WIDTH, WIDTH, bias=True)
        self.gate = nn.Sequential(nn.Conv2d(WIDTH, 1, 1), nn.Sigmoid())

    def forward(self, previous: torch.Tensor, contour: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        reverse = reverse_attention(resize(previous, skip.shape[-2:])) * skip
        fused = self.fuse(torch.cat([resize(contour, skip.shape[-2:], align_corners=True), reverse], dim=1))
        return self.gate(fused) * fused + skip


def decoder_block(in_ch: int) -> nn.Sequential:
    """Two 3×3 conv-BN-ReLU (through in/4 channels) and ×2 bilinear up-sampling."""
    return nn.Sequential(
        conv_bn_act(in_ch, in_ch // 4, bias=True),
        conv_bn_act(in_ch // 4, WIDTH, bias=True),
        nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True),
    )


def side_output(classes: int) -> nn.Sequential:
    return nn.Sequential(
        conv_bn_act(WIDTH, WIDTH // 4, bias=True), nn.Dropout2d(0.1), nn.Conv2d(WIDTH // 4, classes, 1)
    )


class HPPF(nn.Module):
    """Hybrid pyramid pooling fusion: average + 4×4 and 8×8 max-pooled descriptors gate the channels."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.pool4 = nn.Sequential(nn.Conv2d(channels, channels // 16, 1), nn.ReLU(inplace=True))
        self.pool8 = nn.Sequential(nn.Conv2d(channels, channels // 64, 1), nn.ReLU(inplace=True))
        self.mlp = nn.Sequential(
            nn.Conv2d(channels, channels // 8, 1),
            nn.ReLU(inplace=True),
            nn.Conv2d(channels // 8, channels, 1),
            nn.Sigmoid(),
        )
        self.project = conv_bn_act(channels, channels // 3, bias=True)

    def forward(self, *levels: torch.Tensor) -> torch.Tensor:
        size = levels[0].shape[-2:]
        feat = torch.cat([resize(t, size, align_corners=True) for t in levels], dim=1)
        b, c = feat.shape[:2]
        average = F.adaptive_avg_pool2d(feat, 1)
        coarse = self.pool4(F.adaptive_max_pool2d(feat, 4)).reshape(b, c, 1, 1)
        fine = self.pool8(F.adaptive_max_pool2d(feat, 8)).reshape(b, c, 1, 1)
        return self.project(self.mlp((average + coarse + fine) / 3) * feat)


class UMNet(nn.Module):
    """ResNet34 + cascaded ALGMs + contour-guided reverse attention decoder + HPPF (22.79 M)."""

    def __init__(self, in_chans: int = 3, classes: int = 2, encoder_weights: str = "none") -> None:
        super().__init__()
        check_config(in_chans, classes)
        self.in_chans = in_chans
        self.encoder = create_timm_features("resnet34", in_chans, encoder_weights)
        self.reduce = nn.ModuleList(
            conv_bn_act(c, WIDTH, kernel=1, bias=True) for c in self.encoder.feature_info.channels()[2:]
        )
        self.algms = nn.ModuleList(
            ALGM(dilations, outputs=4 - i, cascade=i > 0) for i, dilations in enumerate(LEVEL_DILATIONS)
        )
        self.contour = nn.Sequential(
            conv_bn_act(WIDTH, WIDTH, bias=True), CBAM(WIDTH), conv_bn_act(WIDTH, WIDTH, bias=True)
        )
        self.edge = nn.Conv2d(WIDTH, 1, 1)
        self.rcgs = nn.ModuleList(RCG() for _ in range(3))
        self.decoders = nn.ModuleList([decoder_block(WIDTH), *(decoder_block(3 * WIDTH) for _ in range(3))])
        self.sides = nn.ModuleList(side_output(classes) for _ in range(4))
        self.hppf = HPPF(3 * WIDTH)
        self.head = nn.Sequential(
            conv_bn_act(WIDTH, WIDTH // 2, bias=True), nn.Dropout2d(0.1), nn.Conv2d(WIDTH // 2, classes, 1)
        )

    def forward(self, x: torch.Tensor) -> ModelOutput:
        check_input(x, self.in_chans, "UM-Net", multiple=32)
        stem, level2, *deep = self.encoder(x)
        skips = [level2, *(reduce(f) for reduce, f in zip(self.reduce, deep, strict=True))]  # levels 2..5
        contexts, deeper = [], None
        for algm, skip in zip(self.algms, reversed(skips), strict=True):
            outs = algm(skip, deeper)
            contexts.append(outs[0])
            deeper = outs[1:]
        contour = self.contour(stem)
        decoded = self.decoders[0](contexts[0])
        sides = [self.sides[0](decoded)]
        decoded_levels = []
        for decoder, side, rcg, context, skip in zip(
            self.decoders[1:], self.sides[1:], self.rcgs, contexts[1:], reversed(skips[:-1]), strict=True
        ):
            guided = rcg(sides[-1], contour, skip)
            decoded = decoder(torch.cat([decoded, context, guided], dim=1))
            decoded_levels.append(decoded)
            sides.append(side(decoded))
        logits = resize(self.head(self.hppf(*reversed(decoded_levels))), x.shape[-2:], align_corners=True)
        aux = [resize(s, x.shape[-2:], align_corners=True) for s in reversed(sides)]
        edge = resize(self.edge(contour), x.shape[-2:], align_corners=True)
        return assemble_output(self, logits, aux=aux, extras={"edge": edge})


@register_model("um-net", paper_name="UM-Net")
def um_net(in_chans: int = 3, classes: int = 2, encoder_weights: str = "none") -> UMNet:
    """UM-Net on ResNet34; its original loss is "uncertainty_deep_supervision" (+ edge term)."""
    return UMNet(in_chans, classes, encoder_weights)
