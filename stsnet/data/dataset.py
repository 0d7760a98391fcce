"""PyTorch datasets over a prepared store, with the paper's online augmentation.

Item contract (what `stsnet.train` consumes): `(image, mask)` with `image` a float32 C×H×W tensor
in [0, 1] and `mask` an int64 H×W tensor of class indices.

Augmentation (training split only, as in the released code with albumentations, here in torch):
a random 90° rotation, horizontal and vertical flips (p = 0.5 each) and a shift-scale-rotate
(p = 0.5; shift ≤ 6.25 % of the side, scale ±10 %, rotation ±45°, zero padding; images bilinear,
masks nearest). Draws come from (seed, epoch, index), so a run is reproducible whatever the
number of loader workers; call `set_epoch` to vary them per epoch.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import Dataset

from stsnet.data.split import SPLITS
from stsnet.data.store import ManifestRow, PreparedDataset, open_prepared

SHIFT_LIMIT, SCALE_LIMIT, ROTATE_LIMIT_DEG = 0.0625, 0.1, 45.0


class SliceDataset(Dataset):
    """The samples of one split of a store; arrays are memory-mapped lazily in each loader worker."""

    def __init__(self, store_path: Path, split: str, augment: bool = False, seed: int = 2021) -> None:
        self.images_path = store_path / f"{split}.images.npy"
        self.masks_path = store_path / f"{split}.masks.npy"
        self.split, self.augment, self.seed, self.epoch = split, augment, seed, 0
        self._arrays: tuple[np.ndarray, np.ndarray] | None = None
        self._length = int(np.load(self.masks_path, mmap_mode="r").shape[0])

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        if self._arrays is None:
            self._arrays = (np.load(self.images_path, mmap_mode="r"), np.load(self.masks_path, mmap_mode="r"))
        images, masks = self._arrays
        image = torch.from_numpy(np.array(images[index], dtype=np.float32)) / 255.0
        mask = torch.from_numpy(np.array(masks[index], dtype=np.int64))
        if self.augment:
            image, mask = augment_pair(image, mask, np.random.default_rng([self.seed, self.epoch, index]))
        return image, mask


def augment_pair(
    image: torch.Tensor, mask: torch.Tensor, rng: np.random.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """The same random rotation, flips and shift-scale-rotate applied to a C×H×W image and its H×W mask."""
    turns = int(rng.integers(4))
    image, mask = torch.rot90(image, turns, dims=(1, 2)), torch.rot90(mask, turns, dims=(0, 1))
    if rng.random() < 0.5:
        image, mask = image.flip(2), mask.flip(1)
    if rng.random() < 0.5:
        image, mask = image.flip(1), mask.flip(0)
    if rng.random() < 0.5:
        image, mask = shift_scale_rotate(
            image,
            mask,
            shift=rng.uniform(-SHIFT_LIMIT, SHIFT_LIMIT, size=2),
            scale=1.0 + rng.uniform(-SCALE_LIMIT, SCALE_LIMIT),
            degrees=rng.uniform(-ROTATE_LIMIT_DEG, ROTATE_LIMIT_DEG),
        )
    return image.contiguous(), mask.contiguous()


def shift_scale_rotate(
    image: torch.Tensor, mask: torch.Tensor, shift: np.ndarray, scale: float, degrees: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """One affine warp about the image centre; `shift` is a fraction of the side (x, y)."""
    angle = math.radians(degrees)
    cos, sin = math.cos(angle) / scale, math.sin(angle) / scale
    # affine_grid maps output to input coordinates in [-1, 1], hence the inverse transform.
    theta = torch.tensor([[cos, -sin, -2 * shift[0]], [sin, cos, -2 * shift[1]]], dtype=torch.float32)
    grid = F.affine_grid(theta[None], [1, *image.shape], align_corners=False)
    warped = F.grid_sample(image[None], grid, mode="bilinear", padding_mode="zeros", align_corners=False)[0]
    labels = F.grid_sample(
        mask[None, None].float(), grid, mode="nearest", padding_mode="zeros", align_corners=False
    )
    return warped, labels[0, 0].round().to(torch.int64)


def _opened(store: PreparedDataset | str | os.PathLike[str]) -> PreparedDataset:
    return store if isinstance(store, PreparedDataset) else open_prepared(store)


def open_split(
    store: PreparedDataset | str | os.PathLike[str], split: str, augment: bool | None = None, seed: int = 2021
) -> SliceDataset:
    """The dataset of `split` ('train', 'val' or 'test'); augmented by default for 'train' only."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {', '.join(SPLITS)}")
    opened = _opened(store)
    return SliceDataset(opened.path, split, split == "train" if augment is None else augment, seed)


def open_splits(store: PreparedDataset | str | os.PathLike[str], seed: int = 2021) -> dict[str, SliceDataset]:
    """{'train': augmented, 'val': plain, 'test': plain} datasets of a store (local or s3://)."""
    opened = _opened(store)
    return {split: open_split(opened, split, seed=seed) for split in SPLITS}


def split_rows(store: PreparedDataset | str | os.PathLike[str], split: str = "test") -> list[ManifestRow]:
    """A split's manifest rows in dataset order: the test split's case and slice ids are what
    evaluation needs to reassemble volumes."""
    return _opened(store).manifest(split)
