"""The prepared store: leakage, reuse, the CLI, and bad input leaving nothing behind."""

from __future__ import annotations

import gzip
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest

from stsnet.cli import main
from stsnet.config.data import AmplificationSettings, DatasetSettings
from stsnet.data.store import prepare_dataset
from tests.data.helpers import (
    assert_nothing_left,
    image_and_mask,
    save_png,
    save_volume,
    volume_pair,
    write_image_pairs,
    write_nnunet,
)


def test_no_test_case_reaches_training(tmp_path: Path) -> None:
    raw = write_nnunet(tmp_path / "raw", 8)
    result = prepare_dataset(
        DatasetSettings(name="sccm2022", source=str(raw), size=32, test_fraction=0.25), root=tmp_path / "s"
    )
    store = result.dataset
    rows = store.manifest()
    cases = {split: {r["case"] for r in rows if r["split"] == split} for split in ("train", "val", "test")}
    assert cases["test"] and cases["val"] and not (cases["test"] & (cases["train"] | cases["val"]))
    train = [r for r in rows if r["split"] == "train"]
    amplified = [r for r in train if r["operation"] != "original"]
    assert amplified and all(train[r["source"]]["operation"] == "original" for r in amplified)
    assert all(r["case"] not in cases["test"] for r in amplified)
    # no test image is present in the training arrays in any form (original or flipped)
    train_images, _ = store.arrays("train")
    test_images, _ = store.arrays("test")
    train_keys = {bytes(img[1]) for img in train_images} | {
        bytes(np.ascontiguousarray(img[1, :, ::-1])) for img in train_images
    }
    assert not any(bytes(img[1]) in train_keys for img in test_images if img[1].any())
    assert sorted(p.name for p in (tmp_path / "s" / "prepared").iterdir()) == [store.path.name]


def test_identical_settings_reuse_and_a_changed_setting_rebuilds(tmp_path: Path) -> None:
    write_image_pairs(tmp_path / "raw" / "images", tmp_path / "raw" / "masks", ["a", "b", "c", "d"])
    settings = DatasetSettings(name="folder", source=str(tmp_path / "raw"), size=32)
    first = prepare_dataset(settings, root=tmp_path / "s")
    again = prepare_dataset(settings, root=tmp_path / "s")
    assert again.reused and again.dataset.path == first.dataset.path
    other = prepare_dataset(settings, AmplificationSettings(method="method1"), root=tmp_path / "s")
    assert not other.reused and other.dataset.path != first.dataset.path
    save_png(tmp_path / "raw" / "images" / "a.png", image_and_mask(9)[0])  # the raw data changed
    assert prepare_dataset(settings, root=tmp_path / "s").dataset.path != first.dataset.path


def test_cli_prepare_prints_a_json_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["prepare", "--dataset", "synthetic-2d", "--size", "32", "--data-root", str(tmp_path), "--json"]
    assert main(argv) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["cases"]["train"] > 0 and summary["amplification"]["added"] > 0
    assert Path(summary["store"]).is_dir()
    assert main(argv[:-1]) == 0
    assert "(reused)" in capsys.readouterr().out
    assert main(["prepare", "--dataset", "folder", "--data-root", str(tmp_path)]) == 2
    assert "needs `source`" in capsys.readouterr().err


def _truncated_volume(raw: Path) -> str:
    write_nnunet(raw, 2)
    path = raw / "imagesTr" / "case_001.nii.gz"
    path.write_bytes(path.read_bytes()[:200])
    return "case_001.nii.gz"


def _shape_mismatch_3d(raw: Path) -> str:
    write_nnunet(raw, 2)
    save_volume(raw / "labelsTr" / "case_000.nii.gz", np.zeros((10, 10, 6), np.uint8))
    return "case_000.nii.gz: label shape"


def _other_affine(raw: Path) -> str:
    write_nnunet(raw, 2)
    save_volume(raw / "labelsTr" / "case_001.nii.gz", volume_pair(1)[1], np.diag([1.0, 1.0, 1.0, 1.0]))
    return "case_001.nii.gz: label affine"


def _nan_voxels(raw: Path) -> str:
    write_nnunet(raw, 2)
    volume = volume_pair(0)[0]
    volume[3, 3, 3] = np.nan
    save_volume(raw / "imagesTr" / "case_000.nii.gz", volume)
    return "case_000.nii.gz: 1 NaN"


def _flat_image_as_volume(raw: Path) -> str:
    write_nnunet(raw, 1)
    save_volume(raw / "imagesTr" / "flat.nii.gz", np.zeros((16, 16), np.float32), np.eye(4))
    save_volume(raw / "labelsTr" / "flat.nii.gz", np.zeros((16, 16), np.uint8), np.eye(4))
    return "flat.nii.gz: expected a 3D volume"


def _label_without_volume(raw: Path) -> str:
    write_nnunet(raw, 2)
    (raw / "imagesTr" / "case_001.nii.gz").unlink()
    return "case_001.nii.gz: mask without an image"


def _mask_without_image(raw: Path) -> str:
    write_image_pairs(raw / "images", raw / "masks", ["a", "b"])
    (raw / "images" / "b.png").unlink()
    return "b.png: mask without an image"


def _image_without_mask(raw: Path) -> str:
    write_image_pairs(raw / "images", raw / "masks", ["a", "b"])
    (raw / "masks" / "a.png").unlink()
    return "a.png: image without a mask"


def _shape_mismatch_2d(raw: Path) -> str:
    write_image_pairs(raw / "images", raw / "masks", ["a", "b"])
    save_png(raw / "masks" / "b.png", np.zeros((10, 12), np.uint8))
    return "b.png: mask size"


def _non_binary_mask(raw: Path) -> str:
    write_image_pairs(raw / "images", raw / "masks", ["a", "b"])
    save_png(raw / "masks" / "a.png", np.arange(40 * 40, dtype=np.uint16).reshape(40, 40).astype(np.uint8))
    return "a.png: mask values"


def _empty_folder(raw: Path) -> str:
    raw.mkdir(parents=True)
    return "expected images/ + masks/"


def _not_an_image(raw: Path) -> str:
    write_image_pairs(raw / "images", raw / "masks", ["a", "b"])
    (raw / "images" / "a.png").write_bytes(b"not a png")
    return "a.png: unreadable image"


BAD_INPUTS: dict[str, tuple[str, Callable[[Path], str]]] = {
    "truncated nii.gz": ("sccm2022", _truncated_volume),
    "3D shape mismatch": ("sccm2022", _shape_mismatch_3d),
    "label affine differs": ("sccm2022", _other_affine),
    "NaN voxels": ("sccm2022", _nan_voxels),
    "2D image as a volume": ("sccm2022", _flat_image_as_volume),
    "label without volume": ("sccm2022", _label_without_volume),
    "mask without image": ("folder", _mask_without_image),
    "image without mask": ("folder", _image_without_mask),
    "2D shape mismatch": ("folder", _shape_mismatch_2d),
    "non-binary mask": ("folder", _non_binary_mask),
    "empty folder": ("folder", _empty_folder),
    "unreadable image": ("folder", _not_an_image),
}


@pytest.mark.parametrize("problem", list(BAD_INPUTS))
def test_bad_input_is_named_and_leaves_no_store(tmp_path: Path, problem: str) -> None:
    name, make = BAD_INPUTS[problem]
    expected = make(tmp_path / "raw")
    with pytest.raises((ValueError, FileNotFoundError)) as error:
        prepare_dataset(
            DatasetSettings(name=name, source=str(tmp_path / "raw"), size=32), root=tmp_path / "s"
        )
    assert expected in str(error.value)
    assert_nothing_left(tmp_path / "s")


@pytest.mark.parametrize("member", ["../evil.png", "/abs/evil.png", "images/../../evil.png"])
def test_archive_with_an_escaping_path_is_refused(tmp_path: Path, member: str) -> None:
    archive = tmp_path / "bad.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("images/a.png", b"x")
        bundle.writestr(member, b"x")
    with pytest.raises(ValueError, match="unsafe path"):
        prepare_dataset(DatasetSettings(name="folder", source=str(archive), size=32), root=tmp_path / "s")
    assert not (tmp_path / "evil.png").exists()
    assert_nothing_left(tmp_path / "s")


def test_truncated_gzip_is_detected_even_with_a_valid_header(tmp_path: Path) -> None:
    raw = write_nnunet(tmp_path / "raw", 1)
    path = raw / "labelsTr" / "case_000.nii.gz"
    data = gzip.decompress(path.read_bytes())
    path.write_bytes(gzip.compress(data)[: len(gzip.compress(data)) - 40])
    with pytest.raises(ValueError, match=r"case_000\.nii\.gz: unreadable or truncated"):
        prepare_dataset(DatasetSettings(name="sccm2022", source=str(raw), size=32), root=tmp_path / "s")
    assert nib.load(raw / "imagesTr" / "case_000.nii.gz").shape == (24, 20, 6)
