"""BUID-S: the BUSI breast-ultrasound release filtered to small lesions (paper: < 5.5 % of the image).

Layout: `benign/`, `malignant/`, `normal/` with `benign (12).png`, `benign (12)_mask.png` and
sometimes `benign (12)_mask_1.png` (another lesion of the same image: masks are merged by union).
Rules, since the paper does not say how it counted its 461 images:
- kept: images whose merged lesion covers less than `max_lesion_fraction` of the image;
- `normal/` images (empty masks) only when `keep_normal` is on;
- a case whose extra mask (`_mask_1`…) has another size than its image (the release has one,
  `benign (4)_mask_1.png`) is skipped and reported, never resized onto the image.
"""

from __future__ import annotations

import re
from pathlib import Path

from stsnet.config.data import DatasetSettings
from stsnet.data.case import Case
from stsnet.data.sources.base import CaseRef, visible_files

CATEGORIES = ("benign", "malignant", "normal")
MASK_NAME = re.compile(r"^(?P<stem>.+)_mask(?:_(?P<extra>\d+))?$")


def list_cases(root: Path, settings: DatasetSettings) -> list[CaseRef]:
    refs: list[CaseRef] = []
    for category in CATEGORIES:
        folder = root / category
        if not folder.is_dir():
            continue
        files = visible_files(folder, "*.png")
        images = {p.stem: p for p in files if not MASK_NAME.match(p.stem)}
        masks: dict[str, list[tuple[int, Path]]] = {}
        for path in files:
            match = MASK_NAME.match(path.stem)
            if match:
                masks.setdefault(match["stem"], []).append((int(match["extra"] or 0), path))
        for stem, paths in masks.items():
            if stem not in images:
                raise FileNotFoundError(f"{paths[0][1]}: mask without an image")
        for stem, image in sorted(images.items()):
            if stem not in masks:
                raise FileNotFoundError(f"{image}: image without a mask")
            ordered = tuple(str(p) for _, p in sorted(masks[stem]))
            refs.append(
                CaseRef(
                    stem,
                    str(image),
                    ordered,
                    group=stem,
                    skip_mismatched_extra_masks=True,
                    meta={"category": category},
                )
            )
    if not refs:
        raise FileNotFoundError(f"{root}: no BUSI images found (expected benign/, malignant/, normal/)")
    return refs


def skip_reason(case: Case, settings: DatasetSettings) -> str | None:
    """Why `case` is not part of BUID-S, or None when it is."""
    fraction = float(case.mask.mean())
    if case.meta.get("category") == "normal" and not settings.keep_normal:
        return "normal image (keep_normal is off)"
    if fraction >= settings.max_lesion_fraction:
        return f"lesion covers {100 * fraction:.2f} % >= {100 * settings.max_lesion_fraction:.2f} %"
    return None
