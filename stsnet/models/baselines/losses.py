"""The baselines' original losses, registered beside "ce" (the paper's shared protocol, the default).

Every loss takes the model output (tensor or `SegmentationOutput`) and the B×H×W integer target.
Sigmoid single-channel originals are written for K-class logits: P(foreground) = 1 − softmax[0].
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from scipy import ndimage

from stsnet.losses import LossFn, register_loss, soft_dice_loss
from stsnet.models.baselines.blocks import foreground_probability, resize
from stsnet.models.baselines.deeplabv3_afma import afma_attention, patches, pooled_onehot
from stsnet.models.outputs import ModelOutput, SegmentationOutput, main_logits


def _all_logits(output: ModelOutput, size: torch.Size) -> list[torch.Tensor]:
    """The main logits and every side output, resized to the target's H×W."""
    aux = output.aux if isinstance(output, SegmentationOutput) else []
    return [resize(t.float(), size) for t in (main_logits(output), *aux)]


@register_loss("deep_supervision_ce")
def deep_supervision_ce() -> LossFn:
    """Mean cross-entropy over the prediction and every side output (UNet++ deep supervision)."""

    def loss(output: ModelOutput, target: torch.Tensor) -> torch.Tensor:
        outputs = _all_logits(output, target.shape[-2:])
        return sum(F.cross_entropy(t, target.long()) for t in outputs) / len(outputs)

    return loss


@register_loss("deep_supervision_dice_ce")
def deep_supervision_dice_ce() -> LossFn:
    """UNet++'s original: (CE + soft Dice) averaged over the prediction and the side outputs."""

    def loss(output: ModelOutput, target: torch.Tensor) -> torch.Tensor:
        outputs = _all_logits(output, target.shape[-2:])
        return sum(F.cross_entropy(t, target.long()) + soft_dice_loss(t, target) for t in outputs) / len(
            outputs
        )

    return loss


def structure_loss_term(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Boundary-weighted CE + weighted IoU; weight 1 + 5·|avgpool31(mask) − mask| (PraNet/CaraNet)."""
    mask = (target > 0).float().unsqueeze(1)
    weight = 1 + 5 * (F.avg_pool2d(mask, 31, stride=1, padding=15) - mask).abs()
    ce = F.cross_entropy(logits, target.long(), reduction="none").unsqueeze(1)
    weighted_ce = (weight * ce).sum(dim=(2, 3)) / weight.sum(dim=(2, 3))
    prob = foreground_probability(logits)
    inter = (prob * mask * weight).sum(dim=(2, 3))
    union = ((prob + mask) * weight).sum(dim=(2, 3))
    return (weighted_ce + 1 - (inter + 1) / (union - inter + 1)).mean()


@register_loss("structure")
def structure() -> LossFn:
    """CaraNet's and M2SNet's structure loss, summed over the prediction and every side output."""

    def loss(output: ModelOutput, target: torch.Tensor) -> torch.Tensor:
        return sum(structure_loss_term(t, target) for t in _all_logits(output, target.shape[-2:]))

    return loss


@register_loss("afma")
def afma() -> LossFn:
    """DeepLabV3AFMA's original: 5·CE + MSE between the AFMA attention and the one computed from the
    one-hot ground truth the same way (ground truth in place of both image and feature maps)."""

    def loss(output: ModelOutput, target: torch.Tensor) -> torch.Tensor:
        logits = main_logits(output).float()
        ce = 5 * F.cross_entropy(logits, target.long())
        if not isinstance(output, SegmentationOutput) or "afma" not in output.extras:
            return ce
        scale = int(output.extras["afma_scale"])
        classes = logits.shape[1]
        gold = afma_attention(
            patches(pooled_onehot(target, classes, 1)), patches(pooled_onehot(target, classes, scale))
        )
        return ce + F.mse_loss(output.extras["afma"].float(), gold)

    return loss


def centroid_targets(target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per foreground pixel, the vector to its object's centroid and to the nearest background pixel,
    normalised by the image diagonal (B×2×H×W each; zero on background)."""
    centroid, border = torch.zeros(2, target.shape[0], 2, *target.shape[-2:])
    scale = float(torch.tensor(target.shape[-2:], dtype=torch.float32).norm())
    grid = torch.stack(torch.meshgrid(*(torch.arange(s) for s in target.shape[-2:]), indexing="ij")).float()
    for i, mask in enumerate(target.cpu().numpy() > 0):
        labels, count = ndimage.label(mask)
        if count == 0:
            continue
        centres = torch.tensor(ndimage.center_of_mass(mask, labels, range(1, count + 1)), dtype=torch.float32)
        lab = torch.from_numpy(labels)
        inside = lab > 0
        centroid[i][:, inside] = (centres[lab[inside] - 1].T - grid[:, inside]) / scale
        _, nearest = ndimage.distance_transform_edt(mask, return_indices=True)
        border[i][:, inside] = (torch.from_numpy(nearest).float()[:, inside] - grid[:, inside]) / scale
    return centroid.to(target.device), border.to(target.device)


@register_loss("centroid_vector")
def centroid_vector() -> LossFn:
    """CentroidNetV2's original: CE + mean squared error of the centroid and border voting vectors,
    whose targets come from the connected components of the mask."""

    def loss(output: ModelOutput, target: torch.Tensor) -> torch.Tensor:
        ce = F.cross_entropy(main_logits(output).float(), target.long())
        if not isinstance(output, SegmentationOutput) or "centroid_vectors" not in output.extras:
            return ce
        centroid, border = centroid_targets(target)
        return (
            ce
            + F.mse_loss(output.extras["centroid_vectors"].float(), centroid)
            + F.mse_loss(output.extras["border_vectors"].float(), border)
        )

    return loss


def _sobel_edges(target: torch.Tensor) -> torch.Tensor:
    mask = (target > 0).float().unsqueeze(1)
    kernel = torch.tensor([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]], device=target.device)
    gx = F.conv2d(mask, kernel.view(1, 1, 3, 3), padding=1)
    gy = F.conv2d(mask, kernel.t().reshape(1, 1, 3, 3), padding=1)
    return ((gx.abs() + gy.abs()) > 0).float()


@register_loss("uncertainty_deep_supervision")
def uncertainty_deep_supervision() -> LossFn:
    """UM-Net's original: per output, (CE + Dice)/2 weighted pixel-wise by exp(−log(1 + (p − g)²)) plus
    the mean of that log-variance, summed over the prediction and side outputs; plus a focal BCE of
    the edge map against Sobel edges of the mask."""

    def loss(output: ModelOutput, target: torch.Tensor) -> torch.Tensor:
        mask = (target > 0).float().unsqueeze(1)
        total = torch.zeros((), device=target.device)
        for logits in _all_logits(output, target.shape[-2:]):
            log_var = torch.log1p((foreground_probability(logits) - mask).pow(2)).detach()
            ce = F.cross_entropy(logits, target.long(), reduction="none").unsqueeze(1)
            weighted = (torch.exp(-log_var) * ce).mean() + soft_dice_loss(logits, target)
            total = total + weighted / 2 + log_var.mean()
        if isinstance(output, SegmentationOutput) and "edge" in output.extras:
            edge = resize(output.extras["edge"].float(), target.shape[-2:])
            bce = F.binary_cross_entropy_with_logits(edge, _sobel_edges(target), reduction="none")
            total = total + ((1 - torch.exp(-bce)) ** 2 * bce).mean()
        return total

    return loss


@register_loss("entropy_dice_attention")
def entropy_dice_attention() -> LossFn:
    """MSGSE-Net's original as inferred from its abstract: CE + an entropy-weighted soft Dice (pixels
    with uncertain predictions count more) + BCE of every attention map against the mask."""

    def loss(output: ModelOutput, target: torch.Tensor) -> torch.Tensor:
        logits = main_logits(output).float()
        probs = logits.softmax(dim=1)
        entropy = -(probs * probs.clamp(min=1e-8).log()).sum(dim=1, keepdim=True).detach()
        weight = 1 + entropy
        onehot = F.one_hot(target.long(), logits.shape[1]).permute(0, 3, 1, 2).float()
        inter = (weight * probs * onehot)[:, 1:].sum()
        dice = 1 - (2 * inter + 1) / ((weight * (probs + onehot))[:, 1:].sum() + 1)
        total = F.cross_entropy(logits, target.long()) + dice
        if isinstance(output, SegmentationOutput) and "attention_maps" in output.extras:
            maps = resize(output.extras["attention_maps"].float(), target.shape[-2:]).clamp(1e-6, 1 - 1e-6)
            mask = (target > 0).float().unsqueeze(1).expand_as(maps)
            total = total + F.binary_cross_entropy(maps, mask)
        return total

    return loss
