"""The encoder contract and encoders with attention in the feature path.

Contract (as smp's encoders): `out_channels` lists the channels of the features `forward` returns,
ordered by decreasing resolution; `output_stride` is the reduction of the last one.

In-flow attention is attached with forward hooks that replace a stage's output by its attended
version, so the attended tensor is both the returned feature and what the next stage receives.
Hooks work for timm feature extractors and for smp's encoders alike, whatever their stage loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import timm
import torch
from torch import nn

from stsnet.models.attention import KernelRule, create_attention


class Encoder(Protocol):
    """What every decoder may rely on."""

    out_channels: list[int]
    output_stride: int

    def __call__(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Features ordered by decreasing resolution (stride 2 first for timm CNNs)."""
        ...


# Where each smp encoder's five stages end: the modules whose outputs smp returns as features.
SMP_STAGE_MODULES: dict[str, tuple[str, ...]] = {
    "resnet50": ("relu", "layer1", "layer2", "layer3", "layer4"),
    "resnext50_32x4d": ("relu", "layer1", "layer2", "layer3", "layer4"),
    "mobilenet_v2": ("features.1", "features.3", "features.6", "features.13", "features.18"),
    "efficientnet-b0": ("_swish", "_blocks.2", "_blocks.4", "_blocks.8", "_blocks.15"),
    "dpn68": (
        "features.conv1_1.act",
        "features.conv2_3",
        "features.conv3_4",
        "features.conv4_12",
        "features.conv5_bn_ac",
    ),
}


def attach_in_flow_attention(
    body: nn.Module,
    module_names: Sequence[str],
    channels: Sequence[int],
    attention: str,
    kernel: KernelRule = 3,
) -> nn.ModuleList:
    """Hook one attention block after each named module of `body`; returns the blocks to register.

    A module may return a tuple of tensors (DPN's dual-path blocks): the attention then sees their
    channel concatenation, and the attended parts flow on split as they came.
    """
    blocks = nn.ModuleList(create_attention(attention, c, kernel=kernel) for c in channels)
    for module_name, block in zip(module_names, blocks, strict=True):
        body.get_submodule(module_name).register_forward_hook(_apply_attention(block))
    return blocks


def _apply_attention(block: nn.Module):
    def hook(module: nn.Module, inputs: tuple, output: torch.Tensor | tuple) -> torch.Tensor | tuple:
        if isinstance(output, torch.Tensor):
            return block(output)
        sizes = [part.shape[1] for part in output]
        return tuple(block(torch.cat(output, dim=1)).split(sizes, dim=1))

    return hook


def create_timm_features(name: str, in_chans: int = 3, weights: str = "none", **options) -> nn.Module:
    """A timm `features_only` model; `weights` is "none", "imagenet" (hub) or a local file path."""
    body = timm.create_model(
        name, features_only=True, in_chans=in_chans, pretrained=weights == "imagenet", **options
    )
    if weights not in ("none", "imagenet"):
        load_local_weights(body, Path(weights))
    return body


class ImageNetBackbone(nn.Module):
    """A complete timm ImageNet classifier read stage by stage as an encoder.

    The reference implementations of M2SNet and CaraNet build the whole ImageNet Res2Net and read
    its stages, so Table 1's parameter counts include its classification head (2.05 M).
    The head is kept, frozen (no gradient, so optimisers and DDP skip it) and unused by `forward`,
    so that the counts match and full ImageNet checkpoints load.

    Args:
        name: timm model name.
        in_chans: input channels.
        weights: "none", "imagenet" (timm's hub) or a local state_dict file of the whole model.
    """

    def __init__(self, name: str, in_chans: int = 3, weights: str = "none") -> None:
        super().__init__()
        self.body = timm.create_model(name, in_chans=in_chans, pretrained=weights == "imagenet")
        if weights not in ("none", "imagenet"):
            load_local_weights(self.body, Path(weights))
        self.body.get_classifier().requires_grad_(False)
        self.out_channels = [info["num_chs"] for info in self.body.feature_info]
        self.output_stride = self.body.feature_info[-1]["reduction"]

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        """The stem and every stage's output, stride 2 first."""
        return self.body.forward_intermediates(x, intermediates_only=True)


class AttentiveTimmEncoder(nn.Module):
    """A timm `features_only` encoder with an attention block after every returned stage (in-flow).

    Args:
        name: timm model name, e.g. "resnext50_32x4d".
        in_chans: input channels (timm adapts the stem).
        attention: attention block name (see `create_attention`).
        attention_kernel: ESCA/ECA kernel size, or "adaptive".
        output_stride: 8 dilates the last two stages (DeepLabV3 at OS8, as the paper).
        weights: "none" (random init, as the paper), "imagenet" (timm's hub, needs network) or
            a path to a local state_dict file of the timm model.
    """

    def __init__(
        self,
        name: str = "resnext50_32x4d",
        in_chans: int = 3,
        attention: str = "esca",
        attention_kernel: KernelRule = 3,
        output_stride: int = 8,
        weights: str = "none",
    ) -> None:
        super().__init__()
        self.body = create_timm_features(name, in_chans, weights, output_stride=output_stride)
        self.out_channels = list(self.body.feature_info.channels())
        self.output_stride = output_stride
        self.attentions = attach_in_flow_attention(
            self.body, self.body.feature_info.module_name(), self.out_channels, attention, attention_kernel
        )

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        return self.body(x)


def load_local_weights(body: nn.Module, path: Path) -> None:
    """Load encoder weights from a local file (ImageNet weights saved offline), ignoring the head."""
    if not path.is_file():
        raise FileNotFoundError(f"encoder weights file not found: {path}")
    state = torch.load(path, map_location="cpu", weights_only=True)
    state = state.get("state_dict", state)
    missing, _unexpected = body.load_state_dict(state, strict=False)
    if missing:
        raise ValueError(f"{path}: encoder weights miss {len(missing)} tensors, e.g. {missing[:3]}")
