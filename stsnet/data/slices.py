"""3D volumes → 2.5D slices, and predictions on those slices → a volume again.

Array contract: volumes are in nibabel's voxel order X×Y×Z (Z = axial slices, as stored in the
NIfTI, no reorientation); slice z is `volume[:, :, z]`, used as an H×W image with H = X, W = Y.
Every slice is resampled in-plane to side×side (linear for intensities, nearest for labels), so
`reassemble_volume` inverts it exactly up to the nearest-neighbour resampling loss (none when the
side equals the in-plane size).

Intensities are windowed per volume (`intensity_window`), quantised to 8 bits, then resampled:
working on one 8-bit slice at a time keeps the data in cache and the resampling on Pillow's
fastest path; the cost is at most half a grey level of extra rounding.

Variants (`DatasetSettings.conversion`):
- `stack3` (the paper): channels = slices z-1, z, z+1; the first and last slice stand in for their
  missing neighbour ("tripling the first slice").
- `sum_tiled` (the released scripts): the three slices summed into one 8-bit channel clipped at
  255, then tiled three times, as the released training dataset feeds it.
"""

from __future__ import annotations

from typing import Literal

import nibabel as nib
import numpy as np

from stsnet.data.resample import resize_channels_last, resize_labels

NORMALISATION_PERCENTILES = (0.5, 99.5)
PERCENTILE_SAMPLES = 1 << 18


def intensity_window(volume: np.ndarray) -> tuple[float, float]:
    """The volume's 0.5th and 99.5th intensity percentiles: a window robust to outliers.

    They come from an evenly strided sample of at most ~262k voxels, taken without copying the
    volume: the same window to a fraction of a grey level, at a fraction of a full sort's cost.
    """
    flat = volume.ravel(order="K")
    sample = flat[:: max(flat.size // PERCENTILE_SAMPLES, 1)]
    low, high = np.percentile(sample, NORMALISATION_PERCENTILES)
    return float(low), float(high)


def quantised_planes(volume: np.ndarray, side: int) -> np.ndarray:
    """Z×side×side uint8 axial slices: the intensity window mapped to 0..255, then resampled linearly."""
    low, high = intensity_window(volume)
    scale = np.float32(255.0 / (high - low)) if high > low else np.float32(0.0)
    offset = np.float32(0.5) - np.float32(low) * scale  # + 0.5: the cast to uint8 then rounds
    depth = volume.shape[2]
    # Slices are transposed (Y×X: the contiguous layout of nibabel's F-ordered arrays; resampling
    # to a square commutes with it) and packed three to an image, channels last, for the fast
    # resampler; slice z is channel z % 3 of image z // 3.
    packed = np.zeros((-(-depth // 3), *volume.shape[1::-1], 3), dtype=np.uint8)
    buffer = np.empty(volume.shape[1::-1], dtype=np.float32)
    for z in range(depth):
        np.multiply(volume[:, :, z].T, scale, out=buffer, casting="unsafe")
        buffer += offset
        np.clip(buffer, 0.0, 255.0, out=buffer)
        np.copyto(packed[z // 3, ..., z % 3], buffer, casting="unsafe")
    resized = resize_channels_last(packed, side)
    return resized.transpose(0, 3, 2, 1).reshape(-1, side, side)[:depth]


def label_planes(labels: np.ndarray, side: int) -> np.ndarray:
    """Z×side×side uint8 axial label slices, resampled by nearest neighbour."""
    return np.stack([resize_labels(labels[:, :, z].T, side).T for z in range(labels.shape[2])])


def neighbour_indices(depth: int) -> np.ndarray:
    """Z×3 slice indices (z-1, z, z+1), edges repeating themselves."""
    z = np.arange(depth)
    return np.clip(np.stack([z - 1, z, z + 1], axis=1), 0, depth - 1)


def volume_to_slices(
    volume: np.ndarray,
    labels: np.ndarray,
    side: int,
    variant: Literal["stack3", "sum_tiled"] = "stack3",
) -> tuple[np.ndarray, np.ndarray]:
    """(Z×3×side×side uint8 images, Z×side×side uint8 labels) of an X×Y×Z volume and its labels."""
    if volume.ndim != 3 or volume.shape != labels.shape:
        raise ValueError(f"volume {volume.shape} and labels {labels.shape} must be equal X×Y×Z shapes")
    if variant not in ("stack3", "sum_tiled"):
        raise ValueError(f"unknown conversion variant {variant!r}; expected 'stack3' or 'sum_tiled'")
    stacked = quantised_planes(volume, side)[neighbour_indices(volume.shape[2])]
    if variant == "sum_tiled":
        summed = np.minimum(stacked.sum(axis=1, dtype=np.uint16), 255).astype(np.uint8)
        stacked = np.repeat(summed[:, None], 3, axis=1)
    return stacked, label_planes(labels, side)


def reassemble_volume(slice_masks: np.ndarray, reference: nib.Nifti1Image) -> nib.Nifti1Image:
    """Per-slice Z×side×side predictions as a label volume on `reference`'s grid (shape, affine, header)."""
    shape = reference.shape[:3]
    if slice_masks.ndim != 3 or slice_masks.shape[0] != shape[2]:
        raise ValueError(f"predictions {slice_masks.shape} do not match the {shape[2]} slices of the volume")
    labels = np.asarray(slice_masks, dtype=np.uint8)
    volume = np.stack([resize_labels(np.ascontiguousarray(m), shape[:2]) for m in labels], axis=-1)
    header = reference.header.copy()
    header.set_data_dtype(np.uint8)
    return nib.Nifti1Image(volume, reference.affine, header)
