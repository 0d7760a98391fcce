"""Deterministic synthetic small-target data: the embedded default until real data is given.

2D: textured grey backgrounds with one or more blurred elliptical lesions of controllable contrast,
covering 0.02 %–5 % of the image in total. 3D: SCCM-2022-like T2 volumes (16–35 slices, in-plane
256–640) with tiny ellipsoid lesions (0.002 %–0.03 % of the volume). Same seed, same data.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nibabel as nib
import numpy as np
from PIL import Image
from scipy import ndimage

from stsnet.data.case import Case


@dataclass(frozen=True)
class Synthetic2DSpec:
    """How the 2D images look; fractions are of the image area."""

    count: int = 64
    size: tuple[int, int] = (128, 128)
    lesions: tuple[int, int] = (1, 3)
    area_fraction: tuple[float, float] = (2e-4, 5e-2)
    contrast: tuple[float, float] = (0.25, 0.5)
    empty_fraction: float = 0.1
    seed: int = 2021


@dataclass(frozen=True)
class SyntheticVolumeSpec:
    """How the 3D volumes look; fractions are of the whole volume."""

    count: int = 8
    slices: tuple[int, int] = (16, 35)
    in_plane: tuple[int, int] = (256, 640)
    lesions: tuple[int, int] = (1, 2)
    volume_fraction: tuple[float, float] = (2e-5, 3e-4)
    contrast: tuple[float, float] = (0.3, 0.6)
    spacing: tuple[float, float, float] = (0.5, 0.5, 5.0)
    seed: int = 2021


def textured_background(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Smooth multi-scale texture in [0.15, 0.75], like soft tissue under speckle."""
    coarse = ndimage.gaussian_filter(rng.standard_normal(shape), sigma=max(shape[-1] / 16, 1))
    fine = ndimage.gaussian_filter(rng.standard_normal(shape), sigma=1.5)
    texture = coarse / (coarse.std() + 1e-8) + 0.5 * fine / (fine.std() + 1e-8)
    texture = (texture - texture.min()) / (np.ptp(texture) + 1e-8)
    return (0.15 + 0.6 * texture).astype(np.float32)


def _ellipsoid(
    rng: np.random.Generator, shape: tuple[int, ...], n_voxels: float
) -> tuple[np.ndarray, np.ndarray]:
    """A randomly placed and oriented ellipsoid of about `n_voxels`: (hard mask, soft profile).

    Computed inside the ellipsoid's bounding box only, so tiny lesions in big volumes cost little.
    """
    ndim = len(shape)
    ratios = rng.uniform(0.6, 1.4, size=ndim)
    unit_volume = np.pi if ndim == 2 else 4.0 / 3.0 * np.pi
    scale = (n_voxels / (unit_volume * ratios.prod())) ** (1.0 / ndim)
    axes = np.maximum(ratios * scale, 0.8)
    reach = int(np.ceil(axes.max())) + 2
    centre = np.array([rng.uniform(reach, max(s - reach, reach + 1)) for s in shape])
    rotation, _ = np.linalg.qr(rng.standard_normal((ndim, ndim)))
    box = tuple(
        slice(max(int(c) - reach, 0), min(int(c) + reach + 1, s)) for c, s in zip(centre, shape, strict=True)
    )
    grid = np.stack(np.meshgrid(*(np.arange(b.start, b.stop) for b in box), indexing="ij"), axis=-1)
    radius = np.sqrt(((((grid - centre) @ rotation) / axes) ** 2).sum(axis=-1))
    hard = np.zeros(shape, dtype=bool)
    soft = np.zeros(shape, dtype=np.float32)
    hard[box] = radius <= 1.0
    soft[box] = 1.0 / (1.0 + np.exp(np.minimum((radius - 1.0) * 6.0, 50.0)))
    return hard, soft


def synthetic_image(rng: np.random.Generator, spec: Synthetic2DSpec) -> tuple[np.ndarray, np.ndarray]:
    """One H×W×3 float32 image in [0, 1] and its H×W uint8 lesion mask."""
    image = textured_background(rng, spec.size)
    mask = np.zeros(spec.size, dtype=np.uint8)
    if rng.random() >= spec.empty_fraction:
        n_lesions = int(rng.integers(spec.lesions[0], spec.lesions[1] + 1))
        total = np.exp(rng.uniform(*np.log(spec.area_fraction))) * spec.size[0] * spec.size[1]
        for _ in range(n_lesions):
            hard, soft = _ellipsoid(rng, spec.size, max(total / n_lesions, 3.0))
            image += float(rng.uniform(*spec.contrast)) * soft
            mask |= hard.astype(np.uint8)
    image += rng.normal(0.0, 0.03, size=image.shape).astype(np.float32)
    grey = np.clip(image, 0.0, 1.0)
    return np.repeat(grey[..., None], 3, axis=-1), mask


def synthetic_cases_2d(spec: Synthetic2DSpec = Synthetic2DSpec()) -> Iterator[Case]:
    """The 2D cases of `spec`, case ids `synth_0000`, ... in a fixed order."""
    rng = np.random.default_rng(spec.seed)
    for index in range(spec.count):
        image, mask = synthetic_image(rng, spec)
        yield Case(case_id=f"synth_{index:04d}", image=image, mask=mask, meta={"source": "synthetic-2d"})


def synthetic_volume(
    rng: np.random.Generator, spec: SyntheticVolumeSpec
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One X×Y×Z float32 T2-like volume, its uint8 lesion labels and its affine."""
    side = int(rng.integers(spec.in_plane[0] // 32, spec.in_plane[1] // 32 + 1)) * 32
    depth = int(rng.integers(spec.slices[0], spec.slices[1] + 1))
    shape = (side, side, depth)
    volume = 1000.0 * textured_background(rng, shape)
    labels = np.zeros(shape, dtype=np.uint8)
    total = np.exp(rng.uniform(*np.log(spec.volume_fraction))) * side * side * depth
    n_lesions = int(rng.integers(spec.lesions[0], spec.lesions[1] + 1))
    for _ in range(n_lesions):
        hard, soft = _ellipsoid(rng, shape, max(total / n_lesions, 8.0))
        volume -= 1000.0 * float(rng.uniform(*spec.contrast)) * soft  # CCMs are dark rims on T2
        labels |= hard.astype(np.uint8)
    affine = np.diag([*spec.spacing, 1.0])
    return np.clip(volume, 0.0, None).astype(np.float32), labels, affine


def write_synthetic_2d(root: str | Path, spec: Synthetic2DSpec = Synthetic2DSpec()) -> Path:
    """Write the 2D cases as the `folder` layout: images/NAME.png (RGB) and masks/NAME.png (0/255)."""
    root = Path(root)
    (root / "images").mkdir(parents=True, exist_ok=True)
    (root / "masks").mkdir(parents=True, exist_ok=True)
    for case in synthetic_cases_2d(spec):
        Image.fromarray((case.image * 255).round().astype(np.uint8)).save(
            root / "images" / f"{case.case_id}.png"
        )
        Image.fromarray(case.mask * 255).save(root / "masks" / f"{case.case_id}.png")
    return root


def write_synthetic_volumes(root: str | Path, spec: SyntheticVolumeSpec = SyntheticVolumeSpec()) -> Path:
    """Write volumes in the Decathlon/nnU-Net layout: imagesTr/CASE.nii.gz and labelsTr/CASE.nii.gz."""
    root = Path(root)
    (root / "imagesTr").mkdir(parents=True, exist_ok=True)
    (root / "labelsTr").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(spec.seed)
    for index in range(spec.count):
        volume, labels, affine = synthetic_volume(rng, spec)
        name = f"sccm_{index:03d}.nii.gz"
        nib.save(nib.Nifti1Image(volume, affine), root / "imagesTr" / name)
        nib.save(nib.Nifti1Image(labels, affine), root / "labelsTr" / name)
    return root
