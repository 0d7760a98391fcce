"""Batched prediction of label maps, shared by validation, evaluation and `stsnet predict`."""

from __future__ import annotations

from collections.abc import Iterable

import torch

from stsnet.models.outputs import main_logits
from stsnet.train.numerics import Numerics


@torch.no_grad()
def predict_labels(
    model: torch.nn.Module, batches: Iterable[torch.Tensor], numerics: Numerics
) -> tuple[torch.Tensor, torch.Tensor]:
    """Arg-max label maps (N×H×W uint8) and lesion probabilities (N×H×W float16) of every batch.

    `batches` yields B×C×H×W float images; the model is switched to eval mode.
    """
    model.eval()
    labels, probabilities = [], []
    for images in batches:
        with numerics.autocast():
            logits = main_logits(model(numerics.prepare_images(images))).float()
        labels.append(logits.argmax(dim=1).to(torch.uint8).cpu())
        probabilities.append(logits.softmax(dim=1)[:, 1:].sum(dim=1).to(torch.float16).cpu())
    if not labels:
        raise ValueError("nothing to predict: no input images")
    return torch.cat(labels), torch.cat(probabilities)
