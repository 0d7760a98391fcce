"""CentroidNetV2 (Dijkstra et al., Neurocomputing 2021): a plain U-Net that also votes for centroids.

The backbone is U-Net without BatchNorm (conv biases, transposed-conv up-sampling, 64 base); its
1×1 head has classes + 4 channels: 2 centroid-voting vectors, 2 border-voting vectors, then the class
logits. The vectors are returned as extras in training mode for the "centroid_vector" loss; the
voting post-processing (peak detection) is not part of the pixel-wise benchmark.
"""

from __future__ import annotations

import torch
from torch import nn

from stsnet.models.baselines.blocks import assemble_output
from stsnet.models.baselines.unet import UNet
from stsnet.models.outputs import ModelOutput
from stsnet.models.registry import register_model

VECTOR_CHANNELS = 4


class CentroidNetV2(nn.Module):
    """U-Net (no BN) with a classes + 4 channel head split into vectors and logits."""

    def __init__(self, in_chans: int = 3, classes: int = 2) -> None:
        super().__init__()
        self.unet = UNet(in_chans, classes + VECTOR_CHANNELS, norm=False, bias=True)

    def forward(self, x: torch.Tensor) -> ModelOutput:
        out = self.unet(x)
        extras = {"centroid_vectors": out[:, 0:2], "border_vectors": out[:, 2:4]}
        return assemble_output(self, out[:, VECTOR_CHANNELS:], extras=extras)


@register_model("centroidnetv2", paper_name="CentroidNetV2")
def centroidnet_v2(in_chans: int = 3, classes: int = 2) -> CentroidNetV2:
    """CentroidNetV2 with its U-Net backbone (31.03 M, 677.6 paper-convention GFLOPs at 480²)."""
    return CentroidNetV2(in_chans, classes)
