"""The PyTorch dataset: the item contract the training loop consumes, and aligned augmentation."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from stsnet.config.data import DatasetSettings
from stsnet.data.dataset import augment_pair, open_split, open_splits, split_rows
from stsnet.data.store import prepare_dataset


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("store")
    return prepare_dataset(
        DatasetSettings(name="synthetic-2d", size=32, synthetic_count=12), root=root
    ).dataset


def test_item_contract(store) -> None:
    splits = open_splits(store)
    assert splits["train"].augment and not splits["val"].augment and not splits["test"].augment
    for dataset in splits.values():
        image, mask = dataset[0]
        assert image.dtype == torch.float32 and image.shape == (3, 32, 32)
        assert mask.dtype == torch.int64 and mask.shape == (32, 32)
        assert (
            float(image.min()) >= 0.0 and float(image.max()) <= 1.0 and set(mask.unique().tolist()) <= {0, 1}
        )
    assert len(splits["train"]) == len(store.manifest("train"))
    assert [r["index"] for r in split_rows(store)] == list(range(len(splits["test"])))
    with pytest.raises(ValueError, match="unknown split"):
        open_split(store, "holdout")


def test_augmentation_is_seeded_per_epoch(store) -> None:
    train = open_split(store, "train")
    first = train[1][0]
    assert torch.equal(first, train[1][0])
    train.set_epoch(1)
    assert any(not torch.equal(train[i][0], open_split(store, "train")[i][0]) for i in range(len(train)))


def test_augmentation_keeps_image_and_mask_aligned() -> None:
    mask = torch.zeros(48, 48, dtype=torch.int64)
    mask[10:18, 26:34] = 1
    image = mask[None].repeat(3, 1, 1).float()
    for seed in range(20):
        out_image, out_mask = augment_pair(image, mask, np.random.default_rng(seed))
        lesion = out_mask.bool()
        assert lesion.any()
        assert (out_image[0][lesion] > 0.5).float().mean() > 0.9
        assert (out_image[0][~lesion] > 0.5).float().mean() < 0.02
