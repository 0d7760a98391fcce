"""NRRD volumes (3D Slicer's `.nrrd` and `.seg.nrrd`) in the form the NIfTI reader gives.

Slicer and ITK write NRRD with the geometry in `space`, `space directions` and `space origin`,
usually in LPS; nibabel's affines are RAS. Converting here lets every check and every later step
treat an NRRD volume exactly like a NIfTI one. A header without that geometry is refused: guessing
an orientation would silently misplace labels against their image.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import nibabel as nib
import nrrd
import numpy as np

NRRD_SUFFIXES = (".seg.nrrd", ".nrrd")

# Sign of each world axis from an anatomical NRRD space to RAS, by full name and abbreviation.
_SIGNS_TO_RAS = {
    "right-anterior-superior": (1.0, 1.0, 1.0),
    "left-anterior-superior": (-1.0, 1.0, 1.0),
    "left-posterior-superior": (-1.0, -1.0, 1.0),
    "ras": (1.0, 1.0, 1.0),
    "las": (-1.0, 1.0, 1.0),
    "lps": (-1.0, -1.0, 1.0),
}


def is_nrrd(path: str | Path) -> bool:
    """Whether `path` names an NRRD file (by suffix, as sources pair files by name)."""
    return str(path).endswith(NRRD_SUFFIXES)


def read_nrrd(path: str | Path) -> tuple[np.ndarray, np.ndarray, nib.Nifti1Header]:
    """X×Y×Z data, its 4×4 RAS affine and a NIfTI header for it; a ValueError names what is wrong."""
    try:
        data, header = nrrd.read(str(path), index_order="F")
    except (nrrd.NRRDError, EOFError, OSError, zlib.error, ValueError) as error:
        raise ValueError(f"{path}: unreadable or truncated NRRD ({error})") from error
    directions, origin, signs = _geometry(path, header)
    spatial = [not np.isnan(row).any() for row in directions]
    if sum(spatial) != 3:
        raise ValueError(f"{path}: expected a 3D volume, got {sum(spatial)} spatial axes {data.shape}")
    data = _drop_component_axes(path, data, spatial)
    affine = np.eye(4)
    affine[:3, :3] = signs[:, None] * directions[spatial].T
    affine[:3, 3] = signs * origin
    nifti_header = nib.Nifti1Header()
    nifti_header.set_data_dtype(data.dtype)
    return data, affine, nifti_header


def _geometry(path: str | Path, header: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(space directions, space origin, signs to RAS) of an NRRD header, or a ValueError saying why not."""
    missing = [key for key in ("space", "space directions", "space origin") if key not in header]
    if missing:
        raise ValueError(f"{path}: NRRD header has no usable geometry (missing {', '.join(missing)})")
    space = str(header["space"]).lower()
    if space not in _SIGNS_TO_RAS:
        raise ValueError(
            f"{path}: NRRD space {header['space']!r} is not an anatomical 3D space (expected RAS, LAS or LPS)"
        )
    directions = np.asarray(header["space directions"], dtype=np.float64)
    origin = np.asarray(header["space origin"], dtype=np.float64)
    if directions.shape != (int(header["dimension"]), 3) or origin.shape != (3,) or np.isnan(origin).any():
        raise ValueError(f"{path}: NRRD space directions/origin are not one 3D vector per axis")
    return directions, origin, np.array(_SIGNS_TO_RAS[space])


def _drop_component_axes(path: str | Path, data: np.ndarray, spatial: list[bool]) -> np.ndarray:
    """`data` without its non-spatial axes, which must have one component (one label layer)."""
    components = [size for size, is_spatial in zip(data.shape, spatial, strict=True) if not is_spatial]
    if any(size > 1 for size in components):
        raise ValueError(
            f"{path}: NRRD volume has {int(np.prod(components))} components per voxel {data.shape} "
            "(a 4D image or multi-layer segmentation); expected one"
        )
    return np.squeeze(data, axis=tuple(i for i, is_spatial in enumerate(spatial) if not is_spatial))
