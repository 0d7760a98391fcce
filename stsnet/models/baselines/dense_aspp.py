"""DenseASPP (Yang et al., CVPR 2018) on a DenseNet161 dilated to output stride 8 (official config).

DenseNet161 (growth 48, init 96, blocks 6/12/36/24): transitions 2 and 3 lose their pooling, dense
blocks 3 and 4 get dilation 2 and 4; norm5 + ReLU. Head: five densely connected atrous layers
(rates 3, 6, 12, 18, 24), each BN-ReLU-1×1 (→512) BN-ReLU-3×3 dilated (→128) + Dropout2d(0.1), each
reading the backbone feature and all previous layers; Dropout2d(0.1), 1×1 classifier, ×8 bilinear.

Table 1's 46.15 M / 221.66 G is not reproducible with any official DenseASPP (BASELINES.md measured
35.37 M; this one has 35.76 M); the closest hypothesis, a DenseASPP head on ResNet-101 at output
stride 16, is not built.
"""

from __future__ import annotations

import torch
from torch import nn
from torchvision.models import densenet161

from stsnet.models.baselines.blocks import check_config, check_input, resize
from stsnet.models.registry import register_model

RATES = (3, 6, 12, 18, 24)


def dilated_densenet161(in_chans: int) -> nn.Sequential:
    """torchvision DenseNet161 features at output stride 8, ending in ReLU."""
    features = densenet161(weights=None).features
    if in_chans != 3:
        features.conv0 = nn.Conv2d(in_chans, 96, 7, stride=2, padding=3, bias=False)
    for transition in (features.transition2, features.transition3):
        transition.pool = nn.Identity()
    for block, dilation in ((features.denseblock3, 2), (features.denseblock4, 4)):
        for module in block.modules():
            if isinstance(module, nn.Conv2d) and module.kernel_size == (3, 3):
                module.dilation, module.padding = (dilation, dilation), (dilation, dilation)
    features.add_module("relu5", nn.ReLU(inplace=True))
    return features


def atrous_layer(
    in_ch: int, rate: int, mid: int = 512, out: int = 128, norm_first: bool = True
) -> nn.Sequential:
    layers: list[nn.Module] = [nn.BatchNorm2d(in_ch)] if norm_first else []
    layers += [
        nn.ReLU(),  # not in place: without the BN in front it would overwrite the shared input
        nn.Conv2d(in_ch, mid, 1),
        nn.BatchNorm2d(mid),
        nn.ReLU(inplace=True),
        nn.Conv2d(mid, out, 3, padding=rate, dilation=rate),
        nn.Dropout2d(0.1),
    ]
    return nn.Sequential(*layers)


class DenseASPP(nn.Module):
    """Dilated DenseNet161 + densely connected ASPP head."""

    def __init__(self, in_chans: int = 3, classes: int = 2) -> None:
        super().__init__()
        check_config(in_chans, classes)
        self.in_chans = in_chans
        self.backbone = dilated_densenet161(in_chans)
        width = 2208
        self.aspp = nn.ModuleList(
            atrous_layer(width + i * 128, rate, norm_first=i > 0) for i, rate in enumerate(RATES)
        )
        self.classifier = nn.Sequential(nn.Dropout2d(0.1), nn.Conv2d(width + len(RATES) * 128, classes, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_input(x, self.in_chans, "DenseASPP", multiple=8)
        feature = self.backbone(x)
        for layer in self.aspp:
            feature = torch.cat([layer(feature), feature], dim=1)
        return resize(self.classifier(feature), x.shape[-2:])


@register_model(
    "denseaspp",
    paper_name="DenseASPP",
    note="Table 1's 46.15 M / 221.66 G is not reproducible: official DenseNet161 DenseASPP: 35.4-35.8 M",
)
def dense_aspp(in_chans: int = 3, classes: int = 2) -> DenseASPP:
    """DenseASPP161 at output stride 8, random init."""
    return DenseASPP(in_chans, classes)
