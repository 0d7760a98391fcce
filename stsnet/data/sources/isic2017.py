"""ISIC 2017 Part 1 (lesion segmentation) as the official archives unpack.

`ISIC-2017_{Training,Validation,Test}_Data/ISIC_NNNNNNN.jpg` with
`ISIC-2017_{...}_Part1_GroundTruth/ISIC_NNNNNNN_segmentation.png`; the official splits (2000 / 150 /
600) become train / val / test. The `_superpixels.png` files and metadata CSVs are ignored. A
missing Test folder leaves the test split to the seeded split of the training images.
"""

from __future__ import annotations

from pathlib import Path

from stsnet.config.data import DatasetSettings
from stsnet.data.sources.base import CaseRef, Split, pair_by_stem, visible_files

OFFICIAL_SPLITS: dict[str, Split] = {"Training": "train", "Validation": "val", "Test": "test"}
MASK_SUFFIX = "_segmentation.png"


def list_cases(root: Path, settings: DatasetSettings) -> list[CaseRef]:
    refs: list[CaseRef] = []
    for part, split in OFFICIAL_SPLITS.items():
        images_dir = root / f"ISIC-2017_{part}_Data"
        masks_dir = root / f"ISIC-2017_{part}_Part1_GroundTruth"
        if not images_dir.is_dir() and not masks_dir.is_dir():
            continue
        pairs = pair_by_stem(
            visible_files(images_dir, "*.jpg") if images_dir.is_dir() else [],
            visible_files(masks_dir, f"*{MASK_SUFFIX}") if masks_dir.is_dir() else [],
            lambda p: p.stem,
            lambda p: p.name[: -len(MASK_SUFFIX)],
            f"ISIC 2017 {part} images and ground truth under {root}",
        )
        refs += [CaseRef(i.stem, str(i), (str(m),), split=split, group=i.stem) for i, m in pairs]
    if not refs:
        raise FileNotFoundError(f"{root}: no ISIC-2017_*_Data / ISIC-2017_*_Part1_GroundTruth folders found")
    return refs
