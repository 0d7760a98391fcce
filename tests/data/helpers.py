"""Builders of small raw datasets laid out like the real downloads, for the data tests."""

from __future__ import annotations

from pathlib import Path

import nibabel as nib
import numpy as np
from PIL import Image

SHARED_DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


def save_png(path: Path, array: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)
    return path


def image_and_mask(
    seed: int, side: int = 40, lesion: tuple[int, int, int] = (10, 12, 4)
) -> tuple[np.ndarray, np.ndarray]:
    """An RGB uint8 image and its 0/255 mask with a square lesion (row, column, half-size)."""
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 200, size=(side, side, 3), dtype=np.uint8)
    mask = np.zeros((side, side), dtype=np.uint8)
    row, col, half = lesion
    mask[row - half : row + half, col - half : col + half] = 255
    image[mask > 0] = 255
    return image, mask


def save_volume(path: Path, data: np.ndarray, affine: np.ndarray | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nib.save(nib.Nifti1Image(data, np.diag([0.5, 0.5, 3.0, 1.0]) if affine is None else affine), path)
    return path


def volume_pair(seed: int, shape: tuple[int, int, int] = (24, 20, 6)) -> tuple[np.ndarray, np.ndarray]:
    """A float32 volume and its uint8 labels with a small lesion on slices 2-3."""
    rng = np.random.default_rng(seed)
    volume = rng.uniform(100, 1000, size=shape).astype(np.float32)
    labels = np.zeros(shape, dtype=np.uint8)
    labels[5:9, 6:10, 2:4] = 1
    volume[labels > 0] = 50
    return volume, labels


def write_nnunet(
    root: Path, cases: int, images: str = "imagesTr", labels: str = "labelsTr", seed: int = 0
) -> Path:
    for index in range(cases):
        volume, mask = volume_pair(seed + index)
        save_volume(root / images / f"case_{seed + index:03d}.nii.gz", volume)
        save_volume(root / labels / f"case_{seed + index:03d}.nii.gz", mask)
    return root


def write_image_pairs(
    images: Path, masks: Path, names: list[str], mask_name=lambda n: n, image_suffix: str = ".png"
) -> None:
    for index, name in enumerate(names):
        image, mask = image_and_mask(index)
        save_png(images / f"{name}{image_suffix}", image)
        save_png(masks / f"{mask_name(name)}.png", mask)


def assert_nothing_left(root: Path) -> None:
    """No store, no temporary store, no scratch files under the data root."""
    for folder in (root / "prepared", root / "cache"):
        assert not folder.exists() or not any(folder.iterdir()), list(folder.iterdir())
