"""Kaggle "Lungs CT-Scan" (2169 image/mask pairs): image and mask globs are settings.

The download's exact layout is not documented, so `image_glob`/`mask_glob` (default `images/*.png`,
`masks/*.png`) locate the files and stems pair them. Names like `10035_100` are read as
PATIENT_SLICE, so the seeded split keeps one patient's slices on one side.
"""

from __future__ import annotations

from pathlib import Path

from stsnet.config.data import DatasetSettings
from stsnet.data.sources.base import CaseRef, pair_by_stem, patient_group, visible_files


def list_cases(root: Path, settings: DatasetSettings) -> list[CaseRef]:
    images = visible_files(root, settings.image_glob)
    masks = visible_files(root, settings.mask_glob)
    pairs = pair_by_stem(
        images,
        masks,
        lambda p: p.stem,
        lambda p: p.stem,
        f"{settings.image_glob} and {settings.mask_glob} under {root}",
    )
    return [CaseRef(i.stem, str(i), (str(m),), group=patient_group(i.stem)) for i, m in pairs]
