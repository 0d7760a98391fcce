"""Input formats beyond NIfTI and binary masks: 3D Slicer NRRD volumes and multi-class 2D masks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import nrrd
import numpy as np
import pytest
from PIL import Image

from stsnet.config.data import DatasetSettings
from stsnet.data.io import read_label_volume, read_mask_2d, read_volume
from stsnet.data.sources.base import CaseRef, load_case
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

# Axis 0 runs along LPS y and axis 1 along LPS x, so a transposed or unflipped affine shows.
OBLIQUE_GRID = {
    "space": "left-posterior-superior",
    "space directions": np.array([[0.0, 0.5, 0.0], [0.7, 0.0, 0.0], [0.0, 0.0, 3.0]]),
    "space origin": np.array([10.0, 20.0, -5.0]),
}
# The same grid in RAS, as nibabel holds it: columns are the axis vectors with x and y negated.
RAS_AFFINE = np.array(
    [
        [0.0, -0.7, 0.0, -10.0],
        [-0.5, 0.0, 0.0, -20.0],
        [0.0, 0.0, 3.0, -5.0],
        [0.0, 0.0, 0.0, 1.0],
    ]
)
# The helpers' NIfTI affine diag(0.5, 0.5, 3) written as an LPS header.
HELPER_GRID = {
    "space": "left-posterior-superior",
    "space directions": np.diag([-0.5, -0.5, 3.0]),
    "space origin": np.zeros(3),
}


def save_nrrd(path: Path, data: np.ndarray, header: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nrrd.write(str(path), data, header, index_order="F")
    return path


def test_nrrd_reads_like_the_equivalent_nifti(tmp_path: Path) -> None:
    volume, labels = volume_pair(0)
    image = read_volume(save_nrrd(tmp_path / "case.nrrd", volume, OBLIQUE_GRID))
    assert np.array_equal(np.asarray(image.dataobj), volume)
    assert np.allclose(image.affine, RAS_AFFINE)
    nifti = read_volume(save_volume(tmp_path / "case.nii.gz", volume, RAS_AFFINE))
    assert np.allclose(image.affine, nifti.affine, atol=1e-6)
    assert np.allclose(image.header.get_zooms(), nifti.header.get_zooms())
    # a NIfTI label on an NRRD image (and the reverse) is fine when the grids agree
    nifti_labels = save_volume(tmp_path / "labels.nii.gz", labels * 2, RAS_AFFINE)
    assert np.array_equal(read_label_volume(nifti_labels, image, multiclass=True), labels * 2)
    assert np.array_equal(
        read_label_volume(save_nrrd(tmp_path / "l.seg.nrrd", labels, OBLIQUE_GRID), nifti, False), labels
    )


def test_single_layer_segmentation_with_a_component_axis_is_a_volume(tmp_path: Path) -> None:
    labels = volume_pair(0)[1]
    directions = np.vstack([np.full(3, np.nan), OBLIQUE_GRID["space directions"]])
    header = {**OBLIQUE_GRID, "space": "LPS", "space directions": directions}
    image = read_volume(save_nrrd(tmp_path / "one.seg.nrrd", labels[None], header))
    assert image.shape == labels.shape and np.allclose(image.affine, RAS_AFFINE)


def _nrrd_nnunet(root: Path, cases: int) -> Path:
    """The helpers' nnU-Net data saved as Slicer would: `CASE.nrrd` images, `CASE.seg.nrrd` labels."""
    for index in range(cases):
        volume, labels = volume_pair(index)
        save_nrrd(root / "imagesTr" / f"case_{index:03d}.nrrd", volume, HELPER_GRID)
        save_nrrd(root / "labelsTr" / f"case_{index:03d}.seg.nrrd", labels, HELPER_GRID)
    return root


def test_nrrd_dataset_prepares_like_the_nifti_one(tmp_path: Path) -> None:
    stores = {}
    for name, raw in (
        ("nifti", write_nnunet(tmp_path / "nifti", 4)),
        ("nrrd", _nrrd_nnunet(tmp_path / "nrrd", 4)),
    ):
        settings = DatasetSettings(name="sccm2022", source=str(raw), size=32, test_fraction=0.25)
        stores[name] = prepare_dataset(settings, root=tmp_path / name / "store").dataset
    nifti, nrrd_store = stores["nifti"], stores["nrrd"]
    assert nrrd_store.manifest() == nifti.manifest()
    for split in ("train", "val", "test"):
        for ours, theirs in zip(nrrd_store.arrays(split), nifti.arrays(split), strict=True):
            assert np.array_equal(ours, theirs)
    reference = nrrd_store.reference("case_000")
    assert np.allclose(reference.affine, nifti.reference("case_000").affine)


def _truncated(raw: Path) -> str:
    _nrrd_nnunet(raw, 2)
    path = raw / "imagesTr" / "case_001.nrrd"
    path.write_bytes(path.read_bytes()[:-40])
    return "case_001.nrrd: unreadable or truncated NRRD"


def _no_geometry(raw: Path) -> str:
    _nrrd_nnunet(raw, 2)
    save_nrrd(raw / "labelsTr" / "case_000.seg.nrrd", volume_pair(0)[1], {})
    return "case_000.seg.nrrd: NRRD header has no usable geometry"


def _other_label_geometry(raw: Path) -> str:
    _nrrd_nnunet(raw, 2)
    shifted = {**HELPER_GRID, "space origin": np.array([0.0, 0.0, 6.0])}
    save_nrrd(raw / "labelsTr" / "case_001.seg.nrrd", volume_pair(1)[1], shifted)
    return "case_001.seg.nrrd: label affine differs"


def _nifti_label_on_another_grid(raw: Path) -> str:
    _nrrd_nnunet(raw, 2)
    (raw / "labelsTr" / "case_000.seg.nrrd").unlink()
    save_volume(raw / "labelsTr" / "case_000.nii.gz", volume_pair(0)[1], np.diag([1.0, 1.0, 1.0, 1.0]))
    return "case_000.nii.gz: label affine differs"


def _multi_layer_segmentation(raw: Path) -> str:
    _nrrd_nnunet(raw, 2)
    layers = np.stack([volume_pair(1)[1]] * 2)
    directions = np.vstack([np.full(3, np.nan), HELPER_GRID["space directions"]])
    save_nrrd(raw / "labelsTr" / "case_001.seg.nrrd", layers, {**HELPER_GRID, "space directions": directions})
    return "case_001.seg.nrrd: NRRD volume has 2 components per voxel"


def _not_anatomical(raw: Path) -> str:
    _nrrd_nnunet(raw, 2)
    save_nrrd(raw / "imagesTr" / "case_000.nrrd", volume_pair(0)[0], {**HELPER_GRID, "space": "scanner-xyz"})
    return "case_000.nrrd: NRRD space 'scanner-xyz' is not an anatomical 3D space"


def _nan_voxels(raw: Path) -> str:
    _nrrd_nnunet(raw, 2)
    volume = volume_pair(0)[0]
    volume[3, 3, 3] = np.nan
    save_nrrd(raw / "imagesTr" / "case_000.nrrd", volume, HELPER_GRID)
    return "case_000.nrrd: 1 NaN"


BAD_NRRD: dict[str, Callable[[Path], str]] = {
    "truncated": _truncated,
    "no geometry": _no_geometry,
    "label geometry differs": _other_label_geometry,
    "NIfTI label on another grid": _nifti_label_on_another_grid,
    "multi-layer segmentation": _multi_layer_segmentation,
    "non-anatomical space": _not_anatomical,
    "NaN voxels": _nan_voxels,
}


@pytest.mark.parametrize("problem", list(BAD_NRRD))
def test_bad_nrrd_is_named_and_leaves_no_store(tmp_path: Path, problem: str) -> None:
    expected = BAD_NRRD[problem](tmp_path / "raw")
    with pytest.raises(ValueError) as error:
        prepare_dataset(
            DatasetSettings(name="sccm2022", source=str(tmp_path / "raw"), size=32), root=tmp_path / "s"
        )
    assert expected in str(error.value)
    assert_nothing_left(tmp_path / "s")


def _class_mask(lesions: dict[int, tuple[int, int, int]], side: int = 40) -> np.ndarray:
    """An H×W uint8 mask with a square of each class (row, column, half-size)."""
    mask = np.zeros((side, side), dtype=np.uint8)
    for value, (row, col, half) in lesions.items():
        mask[row - half : row + half, col - half : col + half] = value
    return mask


def test_multiclass_folder_keeps_classes_and_binary_refuses_them(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    write_image_pairs(raw / "images", raw / "masks", ["a", "b", "c", "d"])
    for name in ("a", "b", "c", "d"):
        save_png(raw / "masks" / f"{name}.png", _class_mask({1: (10, 10, 4), 2: (28, 28, 6)}))
    settings = DatasetSettings(name="folder", source=str(raw), size=32, test_fraction=0.25, multiclass=True)
    store = prepare_dataset(settings, root=tmp_path / "s").dataset
    masks = np.concatenate([store.arrays(split)[1] for split in ("train", "val", "test")])
    assert set(np.unique(masks).tolist()) == {0, 1, 2}
    with pytest.raises(ValueError, match=r"a\.png: mask values \[0, 1, 2\] are not binary"):
        prepare_dataset(settings.model_copy(update={"multiclass": False}), root=tmp_path / "binary")
    assert_nothing_left(tmp_path / "binary")


def test_multiclass_masks_read_palette_indices_and_refuse_colour(tmp_path: Path) -> None:
    indices = _class_mask({3: (10, 10, 4), 7: (28, 28, 6)})
    palette = Image.fromarray(indices, mode="P")
    palette.putpalette([0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255] * 64)
    palette.save(tmp_path / "palette.png")
    assert np.array_equal(read_mask_2d(tmp_path / "palette.png", multiclass=True), indices)
    colour = np.stack([indices, indices, np.zeros_like(indices)], axis=-1)
    save_png(tmp_path / "colour.png", colour)
    with pytest.raises(ValueError, match=r"colour\.png: colour mask with differing channels; expected grey"):
        read_mask_2d(tmp_path / "colour.png", multiclass=True)
    wide = Image.fromarray(indices.astype(np.uint16) * 100)
    wide.save(tmp_path / "wide.png")
    with pytest.raises(ValueError, match=r"wide\.png: mask values \[300, 700\] are not class indices"):
        read_mask_2d(tmp_path / "wide.png", multiclass=True)


def test_masks_of_one_image_merge_by_class_and_refuse_contradictions(tmp_path: Path) -> None:
    image = save_png(tmp_path / "image.png", image_and_mask(0)[0])
    first = save_png(tmp_path / "first.png", _class_mask({1: (10, 10, 4)}))
    second = save_png(tmp_path / "second.png", _class_mask({2: (28, 28, 6)}))
    merged = load_case(CaseRef("c", str(image), (str(first), str(second))), multiclass=True).mask
    assert np.array_equal(merged, _class_mask({1: (10, 10, 4), 2: (28, 28, 6)}))
    overlapping = save_png(tmp_path / "overlapping.png", _class_mask({2: (12, 12, 4)}))
    with pytest.raises(
        ValueError, match=r"overlapping\.png: gives 36 pixels another class than .*first\.png"
    ):
        load_case(CaseRef("c", str(image), (str(first), str(overlapping))), multiclass=True)
    # binary masks still merge by union, overlaps included
    binary = save_png(tmp_path / "binary.png", _class_mask({255: (12, 12, 4)}))
    union = load_case(CaseRef("c", str(image), (str(first), str(binary)))).mask
    assert set(np.unique(union).tolist()) == {0, 1} and union.sum() == 64 + 64 - 36
