"""3D volumes → 2.5D slices, and predictions on those slices → a volume again.

Array contract: volumes are in nibabel's voxel order X×Y×Z (Z = axial slices, as stored in the
NIfTI, no reorientation); slice z is `volume[:, :, z]`, used as an H×W image with H = X, W = Y.
Every slice is resampled in-plane to side×side (linear for intensities, nearest for labels), so
`reassemble_volume` inverts it exactly up to the nearest-neighbour resampling loss (none when the
side equals the in-plane size).

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

from stsnet.data.resample import resize_image, resize_labels

NORMALISATION_PERCENTILES = (0.5, 99.5)
PERCENTILE_SAMPLES = 1 << 20


def normalise_volume(volume: np.ndarray) -> np.ndarray:
    """Intensities mapped to [0, 1] between the volume's 0.5th and 99.5th percentiles (robust to outliers).

    The percentiles come from an evenly strided sample of at most ~1M voxels: the same answer to a
    fraction of a grey level, at a fraction of the cost of a full sort.
    """
    flat = volume.reshape(-1)
    sample = flat[:: max(flat.size // PERCENTILE_SAMPLES, 1)]
    low, high = np.percentile(sample, NORMALISATION_PERCENTILES)
    if high <= low:
        return np.zeros(volume.shape, dtype=np.float32)
    scaled = (volume.astype(np.float32) - np.float32(low)) * np.float32(1.0 / (high - low))
    return np.clip(scaled, 0.0, 1.0, out=scaled)


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
    normalised = normalise_volume(volume)
    depth = volume.shape[2]
    # Resample each axial slice once, then build the channels from the resampled slices.
    planes = np.stack([resize_image(normalised[:, :, z], side) for z in range(depth)])
    planes = np.clip(np.rint(planes * 255.0), 0, 255).astype(np.uint8)
    masks = np.stack([resize_labels(np.ascontiguousarray(labels[:, :, z]), side) for z in range(depth)])
    stacked = planes[neighbour_indices(depth)]
    if variant == "stack3":
        return stacked, masks
    if variant == "sum_tiled":
        summed = np.minimum(stacked.sum(axis=1, dtype=np.uint16), 255).astype(np.uint8)
        return np.repeat(summed[:, None], 3, axis=1), masks
    raise ValueError(f"unknown conversion variant {variant!r}; expected 'stack3' or 'sum_tiled'")


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
