"""I2U-Net (Dai et al., MedIA 2024), the "M" variant: a dual-path U-Net with information interaction.

Encoder (MFII-ResNet34): a ResNet34 path runs beside a 32-channel hidden path. Every basic block
concatenates the hidden state to its conv input and ends with ECA (kernels 5/5/5/7 per stage); after
each block the hidden state becomes tanh(BN(h + 1×1(block output before the residual add))), and
it is average-pooled where the block strides. Bottleneck (HIFA v2): non-local attention over
cat(e4, h4) whose keys/values are an "SPP-inception" set (max-pools of 1/2/3/4 and four dilated
convs, flattened), added to its input, then DropBlock. Decoder: four MFII blocks (1×1 reduce,
3×3 transposed conv ×2, 1×1, ECA 7/5/5/5; a transposed-conv shortcut; the hidden path up-sampled
alongside), encoder features and hidden states ADDED as skips. Head: 4×4 transposed conv to 32
channels + ReLU, 3×3 conv to the classes (logits; the reference applies a sigmoid).

The encoder keeps the reference's ImageNet head (BN + Linear 544→1000), frozen and unused, since
the 27.49 M of Table 1 counts it (it lets a pretrained MFII-ResNet34 checkpoint load whole).
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from stsnet.models.attention import ECA
from stsnet.models.baselines.blocks import check_config, check_input
from stsnet.models.encoder import load_local_weights
from stsnet.models.registry import register_model

HIDDEN = 32


class MFIIBlock(nn.Module):
    """ResNet basic block reading the hidden state too; returns (output, pre-residual output, hidden)."""

    def __init__(self, in_ch: int, out_ch: int, stride: int, eca_kernel: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_ch + HIDDEN, out_ch, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_ch)
        self.conv2 = nn.Conv2d(out_ch, out_ch, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_ch)
        self.eca = ECA(out_ch, kernel=eca_kernel)
        self.shortcut = (
            nn.Sequential(nn.Conv2d(in_ch, out_ch, 1, stride=stride, bias=False), nn.BatchNorm2d(out_ch))
            if stride != 1 or in_ch != out_ch
            else nn.Identity()
        )
        self.stride = stride

    def forward(self, x: torch.Tensor, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        y = F.relu(self.bn1(self.conv1(torch.cat([x, h], dim=1))))
        y = self.eca(self.bn2(self.conv2(y)))
        if self.stride != 1:
            h = F.avg_pool2d(h, 2)
        return F.relu(y + self.shortcut(x)), y, h


class MFIIStage(nn.Module):
    """Blocks of one stage, the shared 1×1 into the hidden path, one BN per block."""

    def __init__(self, in_ch: int, out_ch: int, blocks: int, stride: int, eca_kernel: int) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(
            MFIIBlock(in_ch if i == 0 else out_ch, out_ch, stride if i == 0 else 1, eca_kernel)
            for i in range(blocks)
        )
        self.to_hidden = nn.Conv2d(out_ch, HIDDEN, 1, bias=False)
        self.norms = nn.ModuleList(nn.BatchNorm2d(HIDDEN) for _ in range(blocks))

    def forward(self, x: torch.Tensor, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        for block, norm in zip(self.blocks, self.norms, strict=True):
            x, y, h = block(x, h)
            h = torch.tanh(norm(h + self.to_hidden(y)))
        return x, h


class MFIIResNet34(nn.Module):
    """The dual-path ResNet34 encoder; `forward` returns the 4 stage outputs and 4 hidden states."""

    def __init__(self, in_chans: int) -> None:
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(in_chans, 64, 7, stride=2, padding=3, bias=False),
            nn.BatchNorm2d(64),
            nn.ReLU(inplace=True),
        )
        widths, depths, kernels = (64, 128, 256, 512), (3, 4, 6, 3), (5, 5, 5, 7)
        self.stages = nn.ModuleList(
            MFIIStage(c_in, c_out, n, 1 if i == 0 else 2, k)
            for i, (c_in, c_out, n, k) in enumerate(
                zip((64, *widths[:-1]), widths, depths, kernels, strict=True)
            )
        )
        self.classifier = nn.Sequential(nn.BatchNorm2d(HIDDEN), nn.Linear(widths[-1] + HIDDEN, 1000))
        self.classifier.requires_grad_(False)

    def forward(self, x: torch.Tensor) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        x = F.max_pool2d(self.stem(x), 3, stride=2, padding=1)
        h = x.new_zeros(x.shape[0], HIDDEN, *x.shape[2:])
        features, hidden = [], []
        for stage in self.stages:
            x, h = stage(x, h)
            features.append(x)
            hidden.append(h)
        return features, hidden


class SPPInception(nn.Module):
    """Keys/values of HIFA: max-pools (1/2, 2/2, 3/3, 4/4) and the sum of four dilated convs, flattened."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.convs = nn.ModuleList(
            nn.Conv2d(channels, channels, k, padding=d * (k // 2), dilation=d)
            for k, d in ((1, 1), (3, 1), (3, 2), (3, 3))
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pools = [
            F.max_pool2d(x, k, stride=s).flatten(2)
            for k, s in ((1, 2), (2, 2), (3, 3), (4, 4))
            if min(x.shape[-2:]) >= k
        ]
        convs = sum(F.relu(conv(x)) for conv in self.convs).flatten(2)
        return torch.cat([*pools, convs], dim=-1).transpose(1, 2)  # B×N×C


class HIFA(nn.Module):
    """Non-local attention with SPP-inception keys/values, zero-initialised output, residual."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        inner = channels // 2
        self.value = nn.Sequential(nn.Conv2d(channels, inner, 1), nn.BatchNorm2d(inner), nn.ReLU())
        self.query = nn.Sequential(nn.Conv2d(channels, inner, 1), nn.BatchNorm2d(inner), nn.ReLU())
        self.spp = SPPInception(inner)
        self.out = nn.Conv2d(inner, channels, 1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        values = self.spp(self.value(x))  # B×N×C'
        query = self.query(x).flatten(2).transpose(1, 2)  # B×HW×C'
        weights = torch.softmax(torch.bmm(query, values.transpose(1, 2)) * values.shape[-1] ** -0.5, dim=-1)
        context = torch.bmm(weights, values).transpose(1, 2).reshape(x.shape[0], -1, *x.shape[2:])
        return x + self.out(context)


class DropBlock(nn.Module):
    """DropBlock (rate 0.2, 2×2 blocks) in training; the identity in eval."""

    def __init__(self, rate: float = 0.2, block: int = 2) -> None:
        super().__init__()
        self.rate, self.block = rate, block

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.rate == 0:
            return x
        seeds = (torch.rand(x.shape[0], 1, *x.shape[2:], device=x.device) < self.rate / self.block**2).to(
            x.dtype
        )
        keep = (
            1
            - F.max_pool2d(seeds, self.block, stride=1, padding=self.block // 2)[
                ..., : x.shape[-2], : x.shape[-1]
            ]
        )
        return x * keep * keep.numel() / keep.sum().clamp(min=1)


class MFIIDecoderBlock(nn.Module):
    """1×1 reduce (with hidden), 3×3 transposed ×2, 1×1, ECA; transposed shortcut; hidden path up."""

    def __init__(self, in_ch: int, out_ch: int, eca_kernel: int) -> None:
        super().__init__()
        mid = in_ch // 4
        self.body = nn.Sequential(
            nn.Conv2d(in_ch + HIDDEN, mid, 1),
            nn.BatchNorm2d(mid),
            nn.ReLU(inplace=True),
            nn.ConvTranspose2d(mid, mid, 3, stride=2, padding=1, output_padding=1),
            nn.BatchNorm2d(mid),
            nn.ReLU(inplace=True),
            nn.Conv2d(mid, out_ch, 1),
            nn.BatchNorm2d(out_ch),
            ECA(out_ch, kernel=eca_kernel),
        )
        self.shortcut = nn.ConvTranspose2d(in_ch, out_ch, 3, stride=2, padding=1, output_padding=1)
        self.hidden_up = nn.ConvTranspose2d(HIDDEN, HIDDEN, 3, stride=2, padding=1, output_padding=1)
        self.to_hidden = nn.Conv2d(out_ch, HIDDEN, 1, bias=False)
        self.hidden_norm = nn.BatchNorm2d(HIDDEN)

    def forward(self, x: torch.Tensor, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        y = self.body(torch.cat([x, h], dim=1))
        h = torch.tanh(self.hidden_norm(self.hidden_up(h) + self.to_hidden(y)))
        return F.relu(y + self.shortcut(x)), h


class I2UNet(nn.Module):
    """I2U-Net-M: MFII-ResNet34 + HIFA + four MFII decoder blocks (27.49 M)."""

    def __init__(self, in_chans: int = 3, classes: int = 2, encoder_weights: str = "none") -> None:
        super().__init__()
        check_config(in_chans, classes)
        self.in_chans = in_chans
        self.encoder = MFIIResNet34(in_chans)
        if encoder_weights != "none":
            load_local_weights(self.encoder, Path(encoder_weights))
        self.bottleneck = HIFA(512 + HIDDEN)
        self.drop = DropBlock()
        self.decoders = nn.ModuleList(
            MFIIDecoderBlock(c_in, c_out, k)
            for c_in, c_out, k in ((512, 256, 7), (256, 128, 5), (128, 64, 5), (64, 64, 5))
        )
        self.head = nn.Sequential(
            nn.ConvTranspose2d(64 + HIDDEN, 32, 4, stride=2, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(32, classes, 3, padding=1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_input(x, self.in_chans, "I2U-Net", multiple=32)
        features, hidden = self.encoder(x)
        d, h = self.drop(self.bottleneck(torch.cat([features[-1], hidden[-1]], dim=1))).split(
            [512, HIDDEN], dim=1
        )
        for decoder, skip, skip_h in zip(
            self.decoders, [*features[-2::-1], None], [*hidden[-2::-1], None], strict=True
        ):
            d, h = decoder(d, h)
            if skip is not None:
                d, h = d + skip, h + skip_h
        return self.head(torch.cat([d, h], dim=1))


@register_model("i2u-net", paper_name="I2U-Net")
def i2u_net(in_chans: int = 3, classes: int = 2, encoder_weights: str = "none") -> I2UNet:
    """I2U-Net, "M" variant; original loss soft Dice + CE ("dice_ce")."""
    return I2UNet(in_chans, classes, encoder_weights)
