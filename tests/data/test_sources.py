"""Every source on data laid out like its download: generated here, and the real samples in shared/data."""

from __future__ import annotations

import shutil
import typing
from pathlib import Path

import numpy as np
import pytest

from stsnet.config.data import DatasetSettings, SourceName
from stsnet.data.sources import get_source, list_sources
from stsnet.data.sources.base import load_case
from stsnet.data.store import prepare_dataset
from tests.data.helpers import SHARED_DATA, image_and_mask, save_png, write_image_pairs, write_nnunet

needs_shared = pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="../shared/data samples not present")


def test_registry_matches_settings_choices() -> None:
    assert list_sources() == list(typing.get_args(SourceName))
    with pytest.raises(ValueError, match="unknown dataset source"):
        get_source("nope")


def test_busi_names_with_spaces_and_merged_masks(tmp_path: Path) -> None:
    root = tmp_path / "raw" / "Dataset_BUSI_with_GT"
    image, mask = image_and_mask(0, lesion=(10, 10, 3))
    _, second = image_and_mask(0, lesion=(30, 30, 3))
    save_png(root / "benign" / "benign (12).png", image)
    save_png(root / "benign" / "benign (12)_mask.png", mask)
    save_png(root / "benign" / "benign (12)_mask_1.png", second)
    save_png(root / "normal" / "normal (1).png", image)
    save_png(root / "normal" / "normal (1)_mask.png", np.zeros_like(mask))
    refs = get_source("buid-s").list_cases(root, DatasetSettings(name="buid-s", source=str(root)))
    assert [r.case_id for r in refs] == ["benign (12)", "normal (1)"]
    case = load_case(refs[0])
    assert case.mask.sum() == (mask > 0).sum() + (second > 0).sum()
    assert case.mask[10, 10] == 1 and case.mask[30, 30] == 1
    kept = prepare_dataset(
        DatasetSettings(
            name="buid-s", source=str(tmp_path / "raw"), size=32, keep_normal=True, test_fraction=0.5
        ),
        root=tmp_path / "store",
    )
    assert sum(kept.summary["cases"].values()) == 2


def test_isic_official_layout_and_splits(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    for part, count in (("Training", 4), ("Validation", 2), ("Test", 2)):
        names = [f"ISIC_{part[:2]}{i:05d}" for i in range(count)]
        write_image_pairs(
            raw / f"ISIC-2017_{part}_Data",
            raw / f"ISIC-2017_{part}_Part1_GroundTruth",
            names,
            mask_name=lambda n: f"{n}_segmentation",
            image_suffix=".jpg",
        )
        save_png(
            raw / f"ISIC-2017_{part}_Data" / f"{names[0]}_superpixels.png", np.zeros((4, 4, 3), np.uint8)
        )
    result = prepare_dataset(DatasetSettings(name="isic2017", source=str(raw), size=32), root=tmp_path / "s")
    assert result.summary["cases"] == {"train": 4, "val": 2, "test": 2}
    assert {r["case"] for r in result.dataset.manifest("test")} == {"ISIC_Te00000", "ISIC_Te00001"}


def test_lungs_ct_globs_and_patient_groups(tmp_path: Path) -> None:
    names = [f"{patient}_{slice_}" for patient in (101, 102, 103, 104) for slice_ in (10, 11, 12)]
    write_image_pairs(tmp_path / "data" / "img", tmp_path / "data" / "lbl", names)
    settings = DatasetSettings(
        name="lungs-ct", source=str(tmp_path / "data"), size=32, image_glob="img/*.png", mask_glob="lbl/*.png"
    )
    result = prepare_dataset(settings, root=tmp_path / "s")
    groups = {
        split: {r["group"] for r in result.dataset.manifest(split)} for split in ("train", "val", "test")
    }
    assert sum(len(g) for g in groups.values()) == 4
    assert not (groups["train"] & groups["test"]) and not (groups["train"] & groups["val"])


def test_sccm_fixed_test_split_and_folder_sources(tmp_path: Path) -> None:
    raw = write_nnunet(tmp_path / "sccm", 3)
    write_nnunet(raw, 1, "imagesTs", "labelsTs", seed=10)
    result = prepare_dataset(DatasetSettings(name="sccm2022", source=str(raw), size=32), root=tmp_path / "s")
    assert result.summary["cases"]["test"] == 1 and result.summary["samples"]["test"] == 6
    assert {r["case"] for r in result.dataset.manifest("test")} == {"case_010"}
    folder3d = prepare_dataset(DatasetSettings(name="folder", source=str(raw), size=32), root=tmp_path / "s")
    assert folder3d.summary["volumes"]
    write_image_pairs(tmp_path / "mine" / "images", tmp_path / "mine" / "masks", ["a", "b", "c"])
    folder2d = prepare_dataset(
        DatasetSettings(name="folder", source=str(tmp_path / "mine"), size=32), root=tmp_path / "s"
    )
    assert sum(folder2d.summary["samples"].values()) == 3 and not folder2d.summary["volumes"]


def test_zip_source_with_wrapping_folder(tmp_path: Path) -> None:
    write_image_pairs(
        tmp_path / "own" / "wrapper" / "images", tmp_path / "own" / "wrapper" / "masks", ["a", "b"]
    )
    archive = shutil.make_archive(str(tmp_path / "own"), "zip", tmp_path / "own")
    result = prepare_dataset(DatasetSettings(name="folder", source=archive, size=32), root=tmp_path / "s")
    assert sum(result.summary["samples"].values()) == 2


@pytest.mark.parametrize("name", ["synthetic-2d", "synthetic-sccm"])
def test_synthetic_sources(tmp_path: Path, name: str) -> None:
    result = prepare_dataset(DatasetSettings(name=name, size=32, synthetic_count=3), root=tmp_path)
    assert sum(result.summary["cases"].values()) == 3


@needs_shared
def test_real_busi_sample_with_its_mis_sized_mask(tmp_path: Path) -> None:
    result = prepare_dataset(
        DatasetSettings(name="buid-s", source=str(SHARED_DATA / "busi"), size=64), root=tmp_path
    )
    skipped = {s["case"]: s["reason"] for s in result.summary["skipped"]}
    assert "benign (4)_mask_1.png" in skipped["benign (4)"] and "differs" in skipped["benign (4)"]
    assert all(r["case"] != "benign (4)" for r in result.dataset.manifest())
    assert sum(result.summary["cases"].values()) + len(skipped) == 36
    original = [r for r in result.dataset.manifest() if r["operation"] == "original"]
    assert all(0 < r["lesion_pixels"] < 0.055 * 64 * 64 + 1 for r in original)


@needs_shared
@pytest.mark.parametrize(
    ("name", "folder", "cases"), [("isic2017", "isic2017", 40), ("lungs-ct", "lungs-ct", 12)]
)
def test_real_2d_samples(tmp_path: Path, name: str, folder: str, cases: int) -> None:
    result = prepare_dataset(
        DatasetSettings(name=name, source=str(SHARED_DATA / folder), size=64), root=tmp_path
    )
    assert sum(result.summary["samples"].values()) == cases
    images, masks = result.dataset.arrays("train")
    assert images.dtype == np.uint8 and images.shape[1:] == (3, 64, 64) and masks.max() == 1


@needs_shared
def test_real_brain_mri_volume_as_sccm_layout(tmp_path: Path) -> None:
    patient = SHARED_DATA / "brain-mri" / "patient07"
    (tmp_path / "raw" / "imagesTr").mkdir(parents=True)
    (tmp_path / "raw" / "labelsTr").mkdir(parents=True)
    (tmp_path / "raw" / "imagesTr" / "patient07.nii.gz").symlink_to(next(patient.glob("T2_*.nii.gz")))
    (tmp_path / "raw" / "labelsTr" / "patient07.nii.gz").symlink_to(next(patient.glob("GOLD_*.nii.gz")))
    result = prepare_dataset(
        DatasetSettings(name="sccm2022", source=str(tmp_path / "raw"), size=64, test_fraction=0.0),
        root=tmp_path / "s",
    )
    assert result.summary["samples"]["train"] == 182
    reference = result.dataset.reference("patient07")
    assert reference.shape == (182, 218, 182)
