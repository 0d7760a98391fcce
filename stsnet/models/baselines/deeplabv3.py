"""DeepLabV3 (Chen et al., 2017): STS-Net without attention, i.e. the "None" attention ablation.

Table 1's 18.85 M / 724.37 GFLOPs could not be reproduced by any DeepLabV3 (BASELINES.md §3.11):
only a DPN68 encoder matches the parameters (18.88 M) and then the FLOPs are 2.7× lower. The
recommended row is the ResNeXt50 one ("deeplabv3"); "deeplabv3-dpn68" is the parameter-matched one.
"""

from __future__ import annotations

from torch import nn

from stsnet.models.registry import register_model
from stsnet.models.stsnet import sts_net

_NOTE = (
    "Table 1's 18.85 M / 724.37 G is not reproducible: ResNeXt50 DeepLabV3 (= STS-Net without "
    "attention) has 39.11 M; only DPN68 matches the parameters (18.88 M) and has 2.7x fewer FLOPs"
)


@register_model("deeplabv3", paper_name="DeepLabV3", note=_NOTE)
def deeplabv3(in_chans: int = 3, classes: int = 2, encoder_weights: str = "none") -> nn.Module:
    """DeepLabV3-OS8 on ResNeXt50-32x4d, no attention (the recommended DeepLabV3 row)."""
    return sts_net(in_chans, classes, attention="none", encoder_weights=encoder_weights)


@register_model("deeplabv3-dpn68", paper_name="DeepLabV3", note=_NOTE)
def deeplabv3_dpn68(in_chans: int = 3, classes: int = 2, encoder_weights: str = "none") -> nn.Module:
    """DeepLabV3-OS8 on smp's DPN68, no attention: the only encoder matching Table 1's parameters."""
    return sts_net(in_chans, classes, encoder="dpn68", attention="none", encoder_weights=encoder_weights)
