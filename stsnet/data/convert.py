"""One raw case → its training samples (uint8 C×S×S images, S×S masks), written as part files.

Runs in worker processes: reads and validates one `CaseRef`, resamples it, and writes its arrays
next to the store being built, returning only the small facts the manifest needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import nibabel as nib
import numpy as np

from stsnet.config.data import DatasetSettings
from stsnet.data.amplify import lesion_centre
from stsnet.data.npy import save_array
from stsnet.data.resample import resize_image, resize_labels
from stsnet.data.slices import volume_to_slices
from stsnet.data.sources import get_source
from stsnet.data.sources.base import CaseRef, SkippedCase, load_case


@dataclass
class ConvertedCase:
    """What the manifest needs of one case; the arrays live in `part` (`.images.npy`, `.masks.npy`)."""

    case_id: str
    group: str
    split: str | None
    part: str = ""
    slices: list[int | None] = field(default_factory=list)
    lesion_pixels: list[int] = field(default_factory=list)
    centres: list[tuple[float, float]] = field(default_factory=list)
    volume: bool = False
    skipped: str | None = None


def convert_case(ref: CaseRef, settings: DatasetSettings, parts: Path, number: int) -> ConvertedCase:
    """Convert `ref` into samples at the configured side; a documented skip is reported, not raised."""
    result = ConvertedCase(ref.case_id, ref.group or ref.case_id, ref.split, volume=ref.volume)
    try:
        case = load_case(ref, settings.multiclass)
    except SkippedCase as reason:
        result.skipped = str(reason)
        return result
    skip_reason = getattr(get_source(settings.name), "skip_reason", None)
    result.skipped = skip_reason(case, settings) if skip_reason else None
    if result.skipped:
        return result
    side = settings.resolved_size
    result.part = str(parts / f"{number:06d}")
    if case.is_volume:
        images, masks = volume_to_slices(case.image, case.mask, side, settings.conversion)
        result.slices = list(range(images.shape[0]))
        reference = nib.Nifti1Image(case.mask, case.affine, case.meta["header"])
        reference.set_data_dtype(np.uint8)
        nib.save(reference, parts / f"{number:06d}.reference.nii.gz")
    else:
        rgb = np.rint(case.image * 255.0).astype(np.uint8).transpose(2, 0, 1)
        images, masks = resize_image(rgb, side)[None], resize_labels(case.mask, side)[None]
        result.slices = [None]
    save_array(result.part + ".images.npy", images)
    save_array(result.part + ".masks.npy", masks)
    result.lesion_pixels = (masks > 0).sum(axis=(1, 2)).tolist()
    result.centres = [lesion_centre(mask) for mask in masks]
    return result
