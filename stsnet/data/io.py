"""Reading and validating raw image, mask and volume files.

Every failure is a `ValueError` naming the file and what is wrong, so a bad download is found
before any prepared data is written.

Mask rule (2D): a mask file must hold only {0, 255} or only {0, 1} (any non-zero value is lesion);
anything else (JPEG-smoothed edges, class colours) is refused rather than guessed at. Multi-class
masks instead hold class indices 0..255 as grey or palette values, kept as they are. Colour masks
must have identical colour channels; an alpha channel is ignored.
Label rule (3D): integer values >= 0; binarised (non-zero = lesion) unless multi-class is asked for.
Volumes are NIfTI or NRRD; both read into the same `Nifti1Image` form, so every check applies to both.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import nibabel as nib
import numpy as np
from PIL import Image, UnidentifiedImageError

from stsnet.data.nrrd import is_nrrd, read_nrrd

BINARY_VALUE_SETS = ({0, 255}, {0, 1})
AFFINE_TOLERANCE = 1e-3


def read_image_2d(path: str | Path) -> np.ndarray:
    """An H×W×3 uint8 image (grey tiled to three channels, alpha dropped)."""
    image = _open_image(path)
    if image.mode in ("I;16", "I", "F"):
        array = np.asarray(image, dtype=np.float32)
        span = float(array.max() - array.min()) or 1.0
        image = Image.fromarray(((array - array.min()) / span * 255).round().astype(np.uint8))
    array = np.asarray(image.convert("RGB"))
    if array.size == 0:
        raise ValueError(f"{path}: empty image")
    return array


def read_mask_2d(path: str | Path, multiclass: bool = False) -> np.ndarray:
    """An H×W uint8 mask after the module's mask rule: 1 = lesion, or the class indices if `multiclass`."""
    image = _open_image(path)
    array = np.asarray(image)
    if array.ndim == 3:
        colour = array[..., :3] if array.shape[-1] >= 3 else array[..., :1]
        if (colour != colour[..., :1]).any():
            expected = "grey or palette class indices" if multiclass else "a grey 0/255 or 0/1 mask"
            raise ValueError(f"{path}: colour mask with differing channels; expected {expected}")
        array = colour[..., 0]
    if multiclass:
        if not _are_class_indices(array):
            values = np.unique(array)
            shown = values[(values != np.round(values)) | (values < 0) | (values > 255)][:8].tolist()
            raise ValueError(f"{path}: mask values {shown} are not class indices (integers 0..255)")
        return array.astype(np.uint8)
    values = set(np.unique(array).tolist())
    if not any(values <= allowed for allowed in BINARY_VALUE_SETS):
        shown = sorted(values)[:8]
        raise ValueError(f"{path}: mask values {shown} are not binary (expected only 0/255 or only 0/1)")
    return (array > 0).astype(np.uint8)


def _are_class_indices(data: np.ndarray) -> bool:
    """Whether every value is an integer in 0..255, the range a uint8 label map holds without loss."""
    fractional = np.issubdtype(data.dtype, np.floating) and (data != np.round(data)).any()
    return not fractional and data.min() >= 0 and data.max() <= 255


def _open_image(path: str | Path) -> Image.Image:
    try:
        image = Image.open(path)
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise ValueError(f"{path}: unreadable image ({error})") from error
    return image


def read_volume(path: str | Path) -> nib.Nifti1Image:
    """A 3D NIfTI or NRRD image with its data loaded and checked: X×Y×Z (a 4th axis of 1 is dropped)."""
    data, affine, header = read_nrrd(path) if is_nrrd(path) else _read_nifti(path)
    if data.ndim == 4 and data.shape[3] == 1:
        data = data[..., 0]
    if data.ndim != 3 or min(data.shape) < 1:
        raise ValueError(f"{path}: expected a 3D volume (X×Y×Z), got shape {data.shape}")
    # min + max is NaN or infinite exactly when some voxel is: two passes, no temporary array.
    if np.issubdtype(data.dtype, np.floating) and not np.isfinite(data.min() + data.max()):
        raise ValueError(f"{path}: {int((~np.isfinite(data)).sum())} NaN or infinite voxels")
    return nib.Nifti1Image(data, affine, header)


def _read_nifti(path: str | Path) -> tuple[np.ndarray, np.ndarray, nib.Nifti1Header]:
    """The data, affine and header of a NIfTI file, read in full so truncation is found here."""
    try:
        image = nib.load(str(path))
        data = np.asanyarray(image.dataobj)
    except (EOFError, OSError, zlib.error, nib.filebasedimages.ImageFileError, ValueError) as error:
        raise ValueError(f"{path}: unreadable or truncated NIfTI ({error})") from error
    return data, image.affine, image.header


def read_label_volume(path: str | Path, reference: nib.Nifti1Image, multiclass: bool) -> np.ndarray:
    """The X×Y×Z uint8 labels of `path`, checked against the image volume they annotate."""
    labels = read_volume(path)
    data = np.asarray(labels.dataobj)
    if data.shape != reference.shape:
        raise ValueError(f"{path}: label shape {data.shape} differs from its image's {reference.shape}")
    if not np.allclose(labels.affine, reference.affine, atol=AFFINE_TOLERANCE):
        raise ValueError(
            f"{path}: label affine differs from its image's\n{labels.affine.round(4)}\nvs\n"
            f"{reference.affine.round(4)}"
        )
    if not _are_class_indices(data):
        raise ValueError(f"{path}: labels must be integers in 0..255")
    return (data > 0).astype(np.uint8) if not multiclass else data.astype(np.uint8)
