"""`stsnet predict`: a NIfTI or NRRD volume gives a mask on its grid; bad inputs fail, writing nothing."""

from __future__ import annotations

import json

import nibabel as nib
import numpy as np
import pytest
import torch

from stsnet.cli import main
from stsnet.predict import load_model
from tests.train.conftest import model_checkpoint

AFFINE = np.array([[0.5, 0, 0, -10.0], [0, 0.6, 0, 4.0], [0, 0, 3.0, 2.5], [0, 0, 0, 1]])


def _volume(path, shape=(40, 36, 5)):
    data = np.random.default_rng(0).uniform(0, 500, size=shape).astype(np.float32)
    nib.save(nib.Nifti1Image(data, AFFINE), path)
    return path


def test_predict_on_a_volume_keeps_its_shape_and_affine(tmp_path, capsys):
    checkpoint = model_checkpoint(tmp_path / "model.pt")
    scan = _volume(tmp_path / "scan.nii.gz")
    output = tmp_path / "out" / "mask.nii.gz"

    arguments = ["--model", str(checkpoint), "--input", str(scan), "--output", str(output), "--json"]
    code = main(["predict", *arguments])

    assert code == 0
    assert json.loads(capsys.readouterr().out)["shape"] == [40, 36, 5]
    mask = nib.load(output)
    assert mask.shape == (40, 36, 5)
    np.testing.assert_allclose(mask.affine, AFFINE)
    assert mask.get_data_dtype() == np.uint8 and set(np.unique(np.asarray(mask.dataobj))) <= {0, 1}
    assert sorted(p.name for p in output.parent.iterdir()) == ["mask.nii.gz"]


@pytest.mark.parametrize(
    ("shape", "message"),
    [((40, 36), "expected a 3D volume"), ((40, 36, 5, 2), "got shape (40, 36, 5, 2)")],
)
def test_a_2d_or_4d_nifti_is_refused_without_output(tmp_path, capsys, shape, message):
    checkpoint = model_checkpoint(tmp_path / "model.pt")
    scan = _volume(tmp_path / "scan.nii.gz", shape)
    output = tmp_path / "out" / "mask.nii.gz"

    code = main(["predict", "--model", str(checkpoint), "--input", str(scan), "--output", str(output)])

    assert code == 2
    error = capsys.readouterr().err
    assert message in error and "scan.nii.gz" in error
    assert not output.parent.exists()


def test_an_image_folder_without_images_is_refused(tmp_path, capsys):
    checkpoint = model_checkpoint(tmp_path / "model.pt")
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "notes.txt").write_text("no images here")

    images, output = str(tmp_path / "images"), str(tmp_path / "m")
    arguments = ["--model", str(checkpoint), "--input", images, "--output", output]
    code = main(["predict", *arguments])

    assert code == 2 and "no PNG/JPG images" in capsys.readouterr().err
    assert not (tmp_path / "m").exists()


def test_a_model_uri_that_does_not_exist_is_refused(isolated_home, tmp_path, capsys):
    scan = _volume(tmp_path / "scan.nii.gz")
    for uri, message in [
        ("models:/missing@champion", "not found"),
        (str(tmp_path / "missing.pt"), "no such model file"),
    ]:
        code = main(["predict", "--model", uri, "--input", str(scan), "--output", str(tmp_path / "m.nii.gz")])
        assert code == 2 and message in capsys.readouterr().err
    assert not (tmp_path / "m.nii.gz").exists()


def test_a_checkpoint_whose_weights_are_from_another_architecture_is_refused(tmp_path):
    checkpoint = model_checkpoint(tmp_path / "unet.pt", name="u-net")
    payload = torch.load(checkpoint, weights_only=True)
    payload["config"]["name"] = "sts-net"
    torch.save(payload, tmp_path / "mislabelled.pt")

    with pytest.raises(ValueError, match=r"mislabelled.pt: weights do not fit the 'sts-net' model"):
        load_model(str(tmp_path / "mislabelled.pt"))


def test_a_file_that_is_not_a_checkpoint_is_refused(tmp_path):
    (tmp_path / "notes.pt").write_text("not a checkpoint")
    with pytest.raises(ValueError, match=r"notes.pt: not a readable stsnet checkpoint"):
        load_model(str(tmp_path / "notes.pt"))


def test_an_nrrd_volume_gives_the_same_mask_as_its_nifti_twin(tmp_path, capsys):
    nrrd = pytest.importorskip("nrrd")
    checkpoint = model_checkpoint(tmp_path / "model.pt")
    data = np.random.default_rng(1).uniform(0, 500, size=(40, 36, 5)).astype(np.float32)
    lps = np.diag([-1.0, -1.0, 1.0])  # Slicer writes LPS; the mask comes out in nibabel's RAS
    header = {
        "space": "left-posterior-superior",
        "space directions": lps @ AFFINE[:3, :3],
        "space origin": lps @ AFFINE[:3, 3],
    }
    nrrd.write(str(tmp_path / "scan.nrrd"), data, header, index_order="F")
    nib.save(nib.Nifti1Image(data, AFFINE), tmp_path / "scan.nii.gz")

    masks = {}
    for name in ("scan.nrrd", "scan.nii.gz"):
        output = tmp_path / f"{name}.mask.nii.gz"
        arguments = ["--model", str(checkpoint), "--input", str(tmp_path / name), "--output", str(output)]
        assert main(["predict", *arguments]) == 0
        masks[name] = nib.load(output)

    np.testing.assert_allclose(masks["scan.nrrd"].affine, AFFINE)
    assert np.array_equal(np.asarray(masks["scan.nrrd"].dataobj), np.asarray(masks["scan.nii.gz"].dataobj))
    arguments = ["--model", str(checkpoint), "--input", str(tmp_path / "scan.nrrd")]
    assert main(["predict", *arguments, "--output", str(tmp_path / "mask.nrrd")]) == 2
    assert "written as NIfTI" in capsys.readouterr().err and not (tmp_path / "mask.nrrd").exists()
