"""SCCM-2022: 3D T2 MRI volumes with lesion labels, in the Decathlon/nnU-Net layout.

The hospital's own naming is not published, so the layout is the one the field knows:
`imagesTr/CASE.nii.gz` + `labelsTr/CASE.nii.gz`, and optionally `imagesTs/` + `labelsTs/` as a
fixed test split (otherwise the test cases are drawn by the seeded split, 11 of 113 in the paper).
3D Slicer's `CASE.nrrd` / `CASE.seg.nrrd` may stand for either file, in any mix with matching geometry.
"""

from __future__ import annotations

from pathlib import Path

from stsnet.config.data import DatasetSettings
from stsnet.data.sources.base import CaseRef, volume_pairs

SPLIT_FOLDERS = {"imagesTr": ("labelsTr", None), "imagesTs": ("labelsTs", "test")}


def list_cases(root: Path, settings: DatasetSettings) -> list[CaseRef]:
    return volume_pairs(root, SPLIT_FOLDERS)
