"""Every network's loss falls when it trains a few dozen steps on a tiny synthetic batch."""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch

from stsnet.data.sources.synthetic import Synthetic2DSpec, synthetic_cases_2d
from stsnet.losses import create_loss
from stsnet.models import create_model

# UM-Net's pyramid pooling needs 64 px; everything else learns at 32 px.
SIZES = {"um-net": 64}
MODELS = [
    ("sts-net", "ce"),
    ("u-net", "ce"),
    ("unet++", "deep_supervision_dice_ce"),
    ("r2u-net", "ce"),
    ("centroidnetv2", "centroid_vector"),
    ("deeplabv3", "ce"),
    ("deeplabv3-afma", "afma"),
    ("denseaspp", "ce"),
    ("um-net", "uncertainty_deep_supervision"),
    ("i2u-net", "dice_ce"),
    ("caranet", "structure"),
    ("m2snet", "structure"),
    ("eh-former", "dice_ce"),
    ("msgse-net", "entropy_dice_attention"),
]


@functools.cache
def tiny_batch(side: int) -> tuple[torch.Tensor, torch.Tensor]:
    cases = list(synthetic_cases_2d(Synthetic2DSpec(count=2, size=(side, side), area_fraction=(0.05, 0.1))))
    images = torch.from_numpy(np.stack([c.image for c in cases])).permute(0, 3, 1, 2).float()
    masks = torch.from_numpy(np.stack([c.mask for c in cases]) > 0).long()
    return images, masks


@pytest.mark.slow
@pytest.mark.parametrize(("name", "loss_name"), MODELS)
def test_loss_falls(name: str, loss_name: str) -> None:
    torch.manual_seed(0)
    images, masks = tiny_batch(SIZES.get(name, 32))
    model = create_model(name).train()
    loss_fn = create_loss(loss_name)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-3)
    losses = []
    for _ in range(20):
        optimizer.zero_grad()
        loss = loss_fn(model(images), masks)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert np.mean(losses[-3:]) < np.mean(losses[:3]), losses
