"""s3:// end to end through s3fs, against moto's S3 server on 127.0.0.1."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from stsnet.config.data import DatasetSettings
from stsnet.data.dataset import open_splits, split_rows
from stsnet.data.store import prepare_dataset
from stsnet.storage import filesystem, upload_folder
from tests.data.helpers import write_image_pairs, write_nnunet


def test_raw_data_and_store_on_s3(tmp_path: Path, s3_bucket: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the local cache of remote stores goes to ./.stsnet
    raw = write_nnunet(tmp_path / "raw", 4)
    upload_folder(raw, f"s3://{s3_bucket}/raw/sccm")
    settings = DatasetSettings(
        name="sccm2022", source=f"s3://{s3_bucket}/raw/sccm", size=32, test_fraction=0.25
    )
    root = f"s3://{s3_bucket}/stsnet"
    result = prepare_dataset(settings, root=root)
    assert result.dataset.location.startswith(f"s3://{s3_bucket}/stsnet/prepared/sccm2022-")
    fs = filesystem(root)
    names = {p.rsplit("/", 1)[-1] for p in fs.find(result.dataset.location)}
    assert {"info.json", "manifest.jsonl", "train.images.npy", "test.masks.npy"} <= names
    splits = open_splits(result.dataset.location)
    image, mask = splits["train"][0]
    assert image.shape == (3, 32, 32) and mask.shape == (32, 32)
    assert len(splits["test"]) == len(split_rows(result.dataset.location)) == 6
    assert prepare_dataset(settings, root=root).reused


def test_zip_on_s3_and_bad_input_leaves_nothing(
    tmp_path: Path, s3_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write_image_pairs(tmp_path / "own" / "images", tmp_path / "own" / "masks", ["a", "b", "c"])
    archive = Path(shutil.make_archive(str(tmp_path / "own"), "zip", tmp_path / "own"))
    fs = filesystem("s3://x")
    fs.put_file(str(archive), f"s3://{s3_bucket}/own.zip")
    result = prepare_dataset(
        DatasetSettings(name="folder", source=f"s3://{s3_bucket}/own.zip", size=32),
        root=f"s3://{s3_bucket}/root",
    )
    assert sum(result.summary["samples"].values()) == 3
    (tmp_path / "own" / "masks" / "c.png").unlink()
    upload_folder(tmp_path / "own", f"s3://{s3_bucket}/broken")
    with pytest.raises(FileNotFoundError, match=r"c\.png: image without a mask"):
        prepare_dataset(
            DatasetSettings(name="folder", source=f"s3://{s3_bucket}/broken", size=32),
            root=f"s3://{s3_bucket}/r2",
        )
    assert not fs.exists(f"s3://{s3_bucket}/r2/prepared") or not fs.ls(f"s3://{s3_bucket}/r2/prepared")
