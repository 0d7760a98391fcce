"""M2SNet (Zhao et al., arXiv:2303.10894): multi-scale in multi-scale subtraction network.

Res2Net-50-v1b (timm `res2net50d`) features are reduced to 64 channels; subtraction units compare
adjacent levels, A (up-sampled) and B, as conv(|A−B| + |k3(A)−k3(B)| + |k5(A)−k5(B)|), where k3 and
k5 are FIXED all-ones 3×3 and 5×5 convs (64→64), each followed by a trainable BN-ReLU and shared by
every unit. The units form a pyramid of orders 1–4; each level sums its diagonal of the pyramid and
a top-down decoder adds the levels back to a 3×3 output conv, resized to the input.

The fixed kernels are non-persistent buffers: the reference code's `.cuda()` left them out of the
parameter list on GPU, which is how the paper counts 29.74 M (29.88 M if they were parameters).
The Res2Net's ImageNet head is counted but unused, as in the reference (see `ImageNetBackbone`).
The LossNet perceptual term of the original loss needs pretrained VGG16 weights and is not built.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from stsnet.models.baselines.blocks import check_config, check_input, conv_bn_act, resize
from stsnet.models.encoder import ImageNetBackbone
from stsnet.models.registry import register_model

WIDTH = 64


class FixedOnesConv(nn.Module):
    """A frozen all-ones k×k conv over 64 channels, then a trainable BN-ReLU (the "k3"/"k5" maps)."""

    def __init__(self, kernel: int) -> None:
        super().__init__()
        self.register_buffer("weight", torch.ones(WIDTH, WIDTH, kernel, kernel), persistent=False)
        self.norm = nn.Sequential(nn.BatchNorm2d(WIDTH), nn.ReLU(inplace=True))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(F.conv2d(x, self.weight.to(x.dtype), padding=self.weight.shape[-1] // 2))


class SubtractionUnit(nn.Module):
    """conv(|A−B| + Σ_k |k(A)−k(B)|) with A resized to B, over the shared fixed kernels."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = conv_bn_act(WIDTH, WIDTH, bias=True)

    def forward(self, a: torch.Tensor, b: torch.Tensor, kernels: nn.ModuleList) -> torch.Tensor:
        a = resize(a, b.shape[-2:])
        diff = (a - b).abs()
        for kernel in kernels:
            diff = diff + (kernel(a) - kernel(b)).abs()
        return self.conv(diff)


class M2SNet(nn.Module):
    """Res2Net-50 encoder, 4-order multi-scale subtraction pyramid, additive top-down decoder."""

    def __init__(self, in_chans: int = 3, classes: int = 2, encoder_weights: str = "none") -> None:
        super().__init__()
        check_config(in_chans, classes)
        self.in_chans = in_chans
        self.encoder = ImageNetBackbone("res2net50d", in_chans, encoder_weights)
        channels = self.encoder.out_channels[1:]  # layer1..layer4
        self.reduce = nn.ModuleList(conv_bn_act(c, WIDTH, bias=True) for c in reversed(channels))
        self.kernels = nn.ModuleList([FixedOnesConv(3), FixedOnesConv(5)])
        self.orders = nn.ModuleList(nn.ModuleList(SubtractionUnit() for _ in range(n)) for n in (4, 3, 2, 1))
        self.deepest_refine = conv_bn_act(WIDTH, WIDTH, bias=True)
        self.level_fuse = nn.ModuleList(conv_bn_act(WIDTH, WIDTH, bias=True) for _ in range(3))
        self.top = conv_bn_act(channels[-1], WIDTH, bias=True)
        self.decode = nn.ModuleList(conv_bn_act(WIDTH, WIDTH, bias=True) for _ in range(3))
        self.head = nn.Conv2d(WIDTH, classes, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_input(x, self.in_chans, "M2SNet", multiple=32)
        stem, *stages = self.encoder(x)
        pyramid = [reduce(f) for reduce, f in zip(self.reduce, reversed(stages), strict=True)]
        pyramid.append(F.max_pool2d(stem, 3, stride=2, padding=1))  # deepest first, the stem last
        orders = []
        for units in self.orders:
            previous = pyramid if not orders else orders[-1]
            if len(units) == 1:  # the reference refines the deepest operand of the last order once more
                previous = [self.deepest_refine(previous[0]), previous[1]]
            orders.append(
                [unit(a, b, self.kernels) for unit, a, b in zip(units, previous, previous[1:], strict=False)]
            )
        levels = [orders[0][0]]
        for depth, fuse in enumerate(self.level_fuse, start=1):
            levels.append(fuse(sum(orders[k][depth - k] for k in range(depth + 1))))
        out = self.top(stages[-1])
        for level, decode in zip(levels, self.decode, strict=False):
            out = decode(resize(out, level.shape[-2:]) + level)
        out = self.head(resize(out, levels[-1].shape[-2:]) + levels[-1])
        return resize(out, x.shape[-2:])


@register_model("m2snet", paper_name="M2SNet")
def m2snet(in_chans: int = 3, classes: int = 2, encoder_weights: str = "none") -> M2SNet:
    """M2SNet on Res2Net-50-v1b (29.74 M); its original loss is "structure" (LossNet not built)."""
    return M2SNet(in_chans, classes, encoder_weights)
