"""Training losses from a string-keyed registry.

The paper trains every network with 2-class cross-entropy ("ce"); "dice_ce" adds a soft Dice of
the foreground classes. Baselines register their original losses here too (structure loss, deep
supervision, ...). A loss takes the model output (`torch.Tensor` or `SegmentationOutput`) and the
B×H×W integer target, and returns a scalar.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from stsnet.models.outputs import ModelOutput, main_logits

LossFn = Callable[[ModelOutput, torch.Tensor], torch.Tensor]

_LOSSES: dict[str, Callable[[], LossFn]] = {}


def register_loss(name: str) -> Callable[[Callable[[], LossFn]], Callable[[], LossFn]]:
    """Register a loss factory under `name`; duplicates are an error."""

    def decorate(factory: Callable[[], LossFn]) -> Callable[[], LossFn]:
        if name in _LOSSES:
            raise ValueError(f"loss {name!r} is already registered")
        _LOSSES[name] = factory
        return factory

    return decorate


def list_losses() -> list[str]:
    _load_builtin_losses()
    return sorted(_LOSSES)


def create_loss(name: str) -> LossFn:
    """The loss function registered as `name`; unknown names raise with the known list."""
    _load_builtin_losses()
    if name not in _LOSSES:
        raise ValueError(f"unknown loss {name!r}; known losses: {', '.join(sorted(_LOSSES))}")
    return _LOSSES[name]()


def soft_dice_loss(logits: torch.Tensor, target: torch.Tensor, eps: float = 1.0) -> torch.Tensor:
    """1 − soft Dice of the foreground classes, pooled over the batch (stable on empty images)."""
    probs = logits.float().softmax(dim=1)[:, 1:]
    onehot = F.one_hot(target.long(), logits.shape[1]).permute(0, 3, 1, 2)[:, 1:].to(probs.dtype)
    inter = (probs * onehot).sum(dim=(0, 2, 3))
    total = probs.sum(dim=(0, 2, 3)) + onehot.sum(dim=(0, 2, 3))
    return 1.0 - ((2 * inter + eps) / (total + eps)).mean()


@register_loss("ce")
def cross_entropy() -> LossFn:
    """The paper's protocol: pixel-wise cross-entropy of the main logits."""

    def loss(output: ModelOutput, target: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(main_logits(output).float(), target.long())

    return loss


@register_loss("dice_ce")
def dice_cross_entropy() -> LossFn:
    """Cross-entropy plus soft Dice of the foreground, equally weighted."""

    def loss(output: ModelOutput, target: torch.Tensor) -> torch.Tensor:
        logits = main_logits(output)
        return F.cross_entropy(logits.float(), target.long()) + soft_dice_loss(logits, target)

    return loss


def _load_builtin_losses() -> None:
    """Import the modules that register model-specific losses (the baselines' original losses)."""
    import stsnet.models.catalog  # noqa: F401
