"""The encoder contract and a timm encoder with attention in the feature path.

Contract (as smp's encoders): `out_channels` lists the channels of the features `forward` returns,
ordered by decreasing resolution; `output_stride` is the reduction of the last one.
"""

from __future__ import annotations

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


class AttentiveTimmEncoder(nn.Module):
    """A timm `features_only` encoder with an attention block after every returned stage.

    The attention is in-flow: a forward hook replaces each stage's output by its attended version,
    so the attended tensor is both the returned feature and what the next stage receives. Hooks
    work for every timm feature extractor, whatever its internal stage loop.

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
        self.body = timm.create_model(
            name,
            features_only=True,
            output_stride=output_stride,
            in_chans=in_chans,
            pretrained=weights == "imagenet",
        )
        if weights not in ("none", "imagenet"):
            _load_local_weights(self.body, Path(weights))
        self.out_channels = list(self.body.feature_info.channels())
        self.output_stride = output_stride
        self.attentions = nn.ModuleList(
            create_attention(attention, c, kernel=attention_kernel) for c in self.out_channels
        )
        for module_name, block in zip(self.body.feature_info.module_name(), self.attentions, strict=True):
            self.body.get_submodule(module_name).register_forward_hook(_apply_attention(block))

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        return self.body(x)


def _apply_attention(block: nn.Module):
    def hook(module: nn.Module, inputs: tuple, output: torch.Tensor) -> torch.Tensor:
        return block(output)

    return hook


def _load_local_weights(body: nn.Module, path: Path) -> None:
    """Load encoder weights from a local file (ImageNet weights saved offline), ignoring the head."""
    if not path.is_file():
        raise FileNotFoundError(f"encoder weights file not found: {path}")
    state = torch.load(path, map_location="cpu", weights_only=True)
    state = state.get("state_dict", state)
    missing, _unexpected = body.load_state_dict(state, strict=False)
    if missing:
        raise ValueError(f"{path}: encoder weights miss {len(missing)} tensors, e.g. {missing[:3]}")
