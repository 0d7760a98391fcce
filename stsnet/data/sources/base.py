"""What every source shares: case references, pairing files by name, loading one case.

A source lists `CaseRef`s (cheap: file names, official split, patient group) and checks the
pairing there; `load_case` reads and validates one reference, so loading runs in a process pool.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from stsnet.data.case import Case
from stsnet.data.io import read_image_2d, read_label_volume, read_mask_2d, read_volume
from stsnet.data.nrrd import NRRD_SUFFIXES

Split = Literal["train", "val", "test"]
VOLUME_SUFFIXES = (".nii.gz", ".nii", *NRRD_SUFFIXES)
IGNORED_NAMES = {"__MACOSX", ".DS_Store", "Thumbs.db"}


class SkippedCase(Exception):
    """A case left out by a documented rule (e.g. BUSI's mis-sized extra mask); carries the reason."""


@dataclass(frozen=True)
class CaseRef:
    """One case's files: `image` and its `masks` (merged, see `merge_masks`), before anything is read.

    `split` is the official split when the download has one; `group` keeps slices of one patient
    together when splitting. `skip_mismatched_extra_masks` skips (not fails) a case whose second or
    later mask has another size than its image.
    """

    case_id: str
    image: str
    masks: tuple[str, ...]
    volume: bool = False
    split: Split | None = None
    group: str = ""
    skip_mismatched_extra_masks: bool = False
    meta: dict[str, Any] = field(default_factory=dict)


def load_case(ref: CaseRef, multiclass: bool = False) -> Case:
    """Read and validate the files of `ref` into a `Case` (2D: float32 H×W×3; 3D: X×Y×Z + affine).

    Volumes keep the file's numeric type: conversion reads them a slice at a time, so a full
    float copy of the volume would only cost time and memory.
    """
    meta = {
        **ref.meta,
        "group": ref.group or ref.case_id,
        "split": ref.split,
        "files": [ref.image, *ref.masks],
    }
    if ref.volume:
        image = read_volume(ref.image)
        labels = read_label_volume(ref.masks[0], image, multiclass)
        meta["header"] = image.header
        return Case(ref.case_id, np.asarray(image.dataobj), labels, image.affine, meta)
    image = read_image_2d(ref.image)
    masks = []
    for index, mask_path in enumerate(ref.masks):
        mask = read_mask_2d(mask_path, multiclass)
        if mask.shape != image.shape[:2]:
            message = f"{mask_path}: mask size {mask.shape} differs from image {ref.image} {image.shape[:2]}"
            if index > 0 and ref.skip_mismatched_extra_masks:
                raise SkippedCase(message)
            raise ValueError(message)
        masks.append(mask)
    merged = merge_masks(masks, ref.masks, image.shape[:2])
    return Case(ref.case_id, image.astype(np.float32) / 255.0, merged, None, meta)


def merge_masks(masks: Sequence[np.ndarray], paths: Sequence[str], shape: tuple[int, ...]) -> np.ndarray:
    """One H×W mask holding each pixel's non-zero value (for binary masks: their union).

    Two files that give one pixel different classes contradict each other; picking either would
    silently relabel the lesion, so that is an error naming both files.
    """
    for (first, first_path), (second, second_path) in itertools.combinations(
        zip(masks, paths, strict=True), 2
    ):
        clash = (first > 0) & (second > 0) & (first != second)
        if clash.any():
            row, col = np.argwhere(clash)[0]
            raise ValueError(
                f"{second_path}: gives {int(clash.sum())} pixels another class than {first_path} "
                f"(e.g. ({row}, {col}): {second[row, col]} vs {first[row, col]})"
            )
    return np.maximum.reduce([np.zeros(shape, dtype=np.uint8), *masks])


def visible_files(folder: Path, pattern: str = "*") -> list[Path]:
    """Files of `folder` matching `pattern`, sorted, without hidden files and OS litter."""
    return sorted(
        p
        for p in folder.glob(pattern)
        if p.is_file() and not p.name.startswith(".") and not IGNORED_NAMES & set(p.parts)
    )


def volume_stem(path: Path) -> str | None:
    """The case name of a NIfTI or NRRD file (nnU-Net's `_0000` channel suffix removed), else None."""
    for suffix in VOLUME_SUFFIXES:
        if path.name.endswith(suffix):
            return re.sub(r"_0000$", "", path.name[: -len(suffix)])
    return None


def pair_by_stem(
    images: Iterable[Path], masks: Iterable[Path], image_stem: Any, mask_stem: Any, what: str
) -> list[tuple[Path, Path]]:
    """Images paired with masks by name; an unmatched file on either side is an error naming it."""
    by_image = {image_stem(p): p for p in images}
    by_mask = {mask_stem(p): p for p in masks}
    by_image.pop(None, None)
    by_mask.pop(None, None)
    if not by_image and not by_mask:
        raise FileNotFoundError(f"no {what} files found")
    for stem, path in by_mask.items():
        if stem not in by_image:
            raise FileNotFoundError(f"{path}: mask without an image ({what})")
    for stem, path in by_image.items():
        if stem not in by_mask:
            raise FileNotFoundError(f"{path}: image without a mask ({what})")
    return [(by_image[s], by_mask[s]) for s in sorted(by_image)]


def volume_pairs(root: Path, split_folders: dict[str, tuple[str, Split | None]]) -> list[CaseRef]:
    """Decathlon/nnU-Net volume pairs (NIfTI or NRRD): `{images folder: (labels folder, split)}`."""
    refs: list[CaseRef] = []
    for images_dir, (labels_dir, split) in split_folders.items():
        if not (root / images_dir).is_dir() and not (root / labels_dir).is_dir():
            continue
        pairs = pair_by_stem(
            visible_files(root / images_dir) if (root / images_dir).is_dir() else [],
            visible_files(root / labels_dir) if (root / labels_dir).is_dir() else [],
            volume_stem,
            volume_stem,
            f"NIfTI/NRRD volumes in {root / images_dir} and {root / labels_dir}",
        )
        refs += [
            CaseRef(volume_stem(i), str(i), (str(m),), volume=True, split=split, group=volume_stem(i))
            for i, m in pairs
        ]
    if not refs:
        raise FileNotFoundError(f"{root}: no imagesTr/ and labelsTr/ NIfTI or NRRD volumes found")
    return refs


def patient_group(stem: str) -> str:
    """Slices named `PATIENT_SLICE` (e.g. `10035_100`) belong to one patient: `10035`."""
    return re.sub(r"_\d+$", "", stem)
