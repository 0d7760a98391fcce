"""Your own data: `images/` + `masks/` with matching stems (2D), or `imagesTr/` + `labelsTr/` (3D).

2D images may be PNG, JPEG, BMP or TIFF; masks follow the mask rule of `stsnet.data.io` (binary,
or class indices with `multiclass`). Volumes (NIfTI or NRRD) are converted to 2.5D slices like SCCM-2022.
"""

from __future__ import annotations

from pathlib import Path

from stsnet.config.data import DatasetSettings
from stsnet.data.sources import sccm2022
from stsnet.data.sources.base import CaseRef, pair_by_stem, visible_files

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff"}


def list_cases(root: Path, settings: DatasetSettings) -> list[CaseRef]:
    if (root / "imagesTr").is_dir() or (root / "labelsTr").is_dir():
        return sccm2022.list_cases(root, settings)
    if not (root / "images").is_dir() and not (root / "masks").is_dir():
        raise FileNotFoundError(f"{root}: expected images/ + masks/ (2D) or imagesTr/ + labelsTr/ (3D)")
    return list_image_pairs(root / "images", root / "masks")


def list_image_pairs(images_dir: Path, masks_dir: Path, group=None) -> list[CaseRef]:
    """2D pairs with the same stem in `images_dir` and `masks_dir`; `group(stem)` names the patient."""

    def stem(path: Path) -> str | None:
        return path.stem if path.suffix.lower() in IMAGE_SUFFIXES else None

    images = visible_files(images_dir) if images_dir.is_dir() else []
    masks = visible_files(masks_dir) if masks_dir.is_dir() else []
    pairs = pair_by_stem(images, masks, stem, stem, f"images in {images_dir} and masks in {masks_dir}")
    return [CaseRef(i.stem, str(i), (str(m),), group=group(i.stem) if group else i.stem) for i, m in pairs]
