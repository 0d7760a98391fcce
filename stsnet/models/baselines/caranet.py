"""CaraNet (Lou et al., SPIE MI 2022): context axial reverse attention for small medical objects.

Res2Net-101-v1b (timm `res2net101d`, whole ImageNet network as the reference builds it) → 3×3
conv-BN-PReLU reductions to 32 channels of layers 2–4 → a partial decoder gives a global map at
1/8 → three reverse-attention stages, deep to shallow, each: channel-wise feature pyramid (CFP,
d = 8) → axial attention (1×1, 3×3, then row and column self-attention) → × (1 − P(foreground)) of
the up-sampled previous map → three 3×3 convs to the classes → + previous map. The four maps are
returned (training mode) as the prediction plus three side outputs, all at input size.

Differences from the reference code, none changing the counts: the reference applies one CFP
module to two levels and leaves another unused; here each level has its own. Its axial attention
reshapes B×C×H×W straight to B×(C·W)×H, which mixes rows and columns; here rows and columns are
attended properly. For more than one class the reverse attention uses 1 − softmax background.
"""

from __future__ import annotations

import torch
from torch import nn

from stsnet.models.baselines.blocks import (
    assemble_output,
    check_config,
    check_input,
    conv_bn_act,
    resize,
    reverse_attention,
)
from stsnet.models.encoder import ImageNetBackbone
from stsnet.models.outputs import ModelOutput
from stsnet.models.registry import register_model

WIDTH = 32


def conv_prelu(in_ch: int, out_ch: int, kernel: int = 3, dilation: int = 1, groups: int = 1) -> nn.Sequential:
    """Bias-free conv + BN(eps 1e-3) + per-channel PReLU, CaraNet's basic layer."""
    layers = conv_bn_act(in_ch, out_ch, kernel, dilation, act=None, groups=groups, norm_eps=1e-3)
    return nn.Sequential(*layers, nn.PReLU(out_ch))


class ChannelFeaturePyramid(nn.Module):
    """CFP: four branches of three grouped dilated convs (rates 1, d/4+1, d/2+1, d+1), summed
    hierarchically, concatenated, projected and added to the input."""

    def __init__(self, channels: int = WIDTH, d: int = 8) -> None:
        super().__init__()
        quarter, sixteenth, eighth = channels // 4, channels // 16, channels // 8
        self.pre = nn.Sequential(nn.BatchNorm2d(channels, eps=1e-3), nn.PReLU(channels))
        self.reduce = conv_prelu(channels, quarter)
        self.branches = nn.ModuleList(
            nn.ModuleList(
                [
                    conv_prelu(quarter, sixteenth, dilation=rate, groups=sixteenth),
                    conv_prelu(sixteenth, sixteenth, dilation=rate, groups=sixteenth),
                    conv_prelu(sixteenth, eighth, dilation=rate, groups=sixteenth),
                ]
            )
            for rate in (1, d // 4 + 1, d // 2 + 1, d + 1)
        )
        self.post = nn.Sequential(nn.BatchNorm2d(channels, eps=1e-3), nn.PReLU(channels))
        self.project = nn.Conv2d(channels, channels, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        reduced = self.reduce(self.pre(x))
        outputs, running = [], None
        for branch in self.branches:
            parts, y = [], reduced
            for conv in branch:
                y = conv(y)
                parts.append(y)
            branch_out = torch.cat(parts, dim=1)
            running = branch_out if running is None else running + branch_out
            outputs.append(running)
        return self.project(self.post(torch.cat(outputs, dim=1))) + x


class AxialSelfAttention(nn.Module):
    """Self-attention along one spatial axis (sigmoid affinities), scaled by a zero-initialised γ."""

    def __init__(self, channels: int, axis: int) -> None:
        super().__init__()
        self.query = nn.Conv2d(channels, channels // 8, 1, bias=False)
        self.key = nn.Conv2d(channels, channels // 8, 1, bias=False)
        self.value = nn.Conv2d(channels, channels, 1, bias=False)
        self.gamma = nn.Parameter(torch.zeros(1))
        self.axis = axis  # 2: attend along H (columns), 3: along W (rows)

    def _lines(self, t: torch.Tensor) -> torch.Tensor:
        """B×C×H×W → B×L×(C·other) with L the attended axis."""
        t = t.transpose(1, self.axis)  # B×L×…
        return t.flatten(2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        q, k, v = self._lines(self.query(x)), self._lines(self.key(x)), self._lines(self.value(x))
        affinity = torch.sigmoid(torch.bmm(q, k.transpose(1, 2)))  # B×L×L
        out = torch.bmm(affinity, v)  # B×L×(C·other)
        shape = list(x.transpose(1, self.axis).shape)
        return self.gamma * out.view(shape).transpose(1, self.axis) + x


class AxialAttention(nn.Sequential):
    """CaraNet's AA kernel: 1×1 conv, 3×3 conv, attention along H, then along W."""

    def __init__(self, channels: int = WIDTH) -> None:
        super().__init__(
            nn.Conv2d(channels, channels, 1, bias=False),
            nn.Conv2d(channels, channels, 3, padding=1, bias=False),
            AxialSelfAttention(channels, axis=2),
            AxialSelfAttention(channels, axis=3),
        )


class PartialDecoder(nn.Module):
    """Dense aggregation of the three deepest 32-channel features into one map at the finest of them."""

    def __init__(self, classes: int) -> None:
        super().__init__()
        self.up_a, self.up_b, self.up_c, self.up_d = (
            nn.Conv2d(WIDTH, WIDTH, 3, padding=1, bias=False) for _ in range(4)
        )
        self.up_e = nn.Conv2d(2 * WIDTH, 2 * WIDTH, 3, padding=1, bias=False)
        self.cat2 = nn.Conv2d(2 * WIDTH, 2 * WIDTH, 3, padding=1, bias=False)
        self.cat3 = nn.Conv2d(3 * WIDTH, 3 * WIDTH, 3, padding=1, bias=False)
        self.fuse = nn.Conv2d(3 * WIDTH, 3 * WIDTH, 3, padding=1, bias=False)
        self.out = nn.Conv2d(3 * WIDTH, classes, 1)

    def forward(self, deep: torch.Tensor, middle: torch.Tensor, fine: torch.Tensor) -> torch.Tensor:
        def up(t: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
            return resize(t, ref.shape[-2:], align_corners=True)

        middle_1 = self.up_a(up(deep, middle)) * middle
        fine_1 = self.up_b(up(deep, fine)) * self.up_c(up(middle, fine)) * fine
        middle_2 = self.cat2(torch.cat([middle_1, self.up_d(up(deep, middle))], dim=1))
        fine_2 = self.cat3(torch.cat([fine_1, self.up_e(up(middle_2, fine))], dim=1))
        return self.out(self.fuse(fine_2))


class ReverseAttentionStage(nn.Module):
    """CFP → axial attention → × reverse attention of the previous map → 3 convs → + previous map."""

    def __init__(self, classes: int) -> None:
        super().__init__()
        self.context = ChannelFeaturePyramid()
        self.attention = AxialAttention()
        self.refine = nn.Sequential(
            conv_prelu(WIDTH, WIDTH), conv_prelu(WIDTH, WIDTH), conv_prelu(WIDTH, classes)
        )

    def forward(self, feature: torch.Tensor, previous: torch.Tensor) -> torch.Tensor:
        previous = resize(previous, feature.shape[-2:])
        attended = self.attention(self.context(feature)) * reverse_attention(previous)
        return self.refine(attended) + previous


class CaraNet(nn.Module):
    """Res2Net-101 + partial decoder + three CFP/axial reverse-attention stages (46.64 M)."""

    def __init__(self, in_chans: int = 3, classes: int = 2, encoder_weights: str = "none") -> None:
        super().__init__()
        check_config(in_chans, classes)
        self.in_chans = in_chans
        self.encoder = ImageNetBackbone("res2net101d", in_chans, encoder_weights)
        self.reduce = nn.ModuleList(conv_prelu(c, WIDTH) for c in self.encoder.out_channels[2:])
        self.global_map = PartialDecoder(classes)
        self.stages = nn.ModuleList(ReverseAttentionStage(classes) for _ in range(3))

    def forward(self, x: torch.Tensor) -> ModelOutput:
        check_input(x, self.in_chans, "CaraNet", multiple=32)
        features = [reduce(f) for reduce, f in zip(self.reduce, self.encoder(x)[2:], strict=True)]
        fine, middle, deep = features
        maps = [self.global_map(deep, middle, fine)]
        for stage, feature in zip(self.stages, (deep, middle, fine), strict=True):
            maps.append(stage(feature, maps[-1]))
        outputs = [resize(m, x.shape[-2:]) for m in reversed(maps)]
        return assemble_output(self, outputs[0], aux=outputs[1:])


@register_model("caranet", paper_name="CaraNet")
def caranet(in_chans: int = 3, classes: int = 2, encoder_weights: str = "none") -> CaraNet:
    """CaraNet on Res2Net-101-v1b; its original loss is "structure" over all four maps."""
    return CaraNet(in_chans, classes, encoder_weights)
