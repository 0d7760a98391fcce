"""3D → 2.5D conversion and its inverse."""

from __future__ import annotations

import nibabel as nib
import numpy as np
import pytest

from stsnet.data.slices import (
    intensity_window,
    neighbour_indices,
    quantised_planes,
    reassemble_volume,
    volume_to_slices,
)
from tests.data.helpers import volume_pair


def test_edge_slices_repeat_themselves() -> None:
    assert neighbour_indices(4).tolist() == [[0, 0, 1], [0, 1, 2], [1, 2, 3], [2, 3, 3]]


def test_channels_are_the_slice_and_its_neighbours() -> None:
    volume = np.stack([np.full((8, 8), float(z)) for z in range(5)], axis=-1)
    volume[0, 0, :] = 4.0  # fixes the normalisation range to 0..4
    images, masks = volume_to_slices(volume, np.zeros(volume.shape, np.uint8), 8)
    grey = np.round(np.arange(5) / 4 * 255)
    assert images.shape == (5, 3, 8, 8) and masks.shape == (5, 8, 8)
    assert images[0, :, 4, 4].tolist() == [grey[0], grey[0], grey[1]]
    assert images[2, :, 4, 4].tolist() == [grey[1], grey[2], grey[3]]
    assert images[4, :, 4, 4].tolist() == [grey[3], grey[4], grey[4]]


def test_released_variant_sums_and_tiles() -> None:
    volume = np.stack([np.full((8, 8), float(z)) for z in range(3)], axis=-1)
    images, _ = volume_to_slices(volume, np.zeros(volume.shape, np.uint8), 8, variant="sum_tiled")
    assert (images[:, 0] == images[:, 1]).all() and (images[:, 1] == images[:, 2]).all()
    assert images[1, 0, 0, 0] == 255  # 0 + 128 + 255 clipped
    assert images[0, 0, 0, 0] == 128  # 0 + 0 + 128


def test_normalisation_ignores_outliers() -> None:
    volume = np.random.default_rng(0).uniform(0, 100, size=(50, 50, 10)).astype(np.float32)
    volume[0, 0, 0] = 1e6
    low, high = intensity_window(volume)
    assert 0 <= low < 1 and 99 < high <= 100
    planes = quantised_planes(volume, 50)
    assert planes.min() == 0 and planes.max() == 255 and planes[0, 0, 0] == 255
    assert 100 < float(np.median(planes)) < 155


@pytest.mark.parametrize("dtype", [np.int16, np.float64, np.float32])
def test_any_voxel_type_and_memory_order_give_the_same_slices(dtype) -> None:
    volume, labels = volume_pair(5, shape=(20, 16, 4))
    reference, reference_masks = volume_to_slices(volume.astype(np.float32), labels, 12)
    for ordered in (np.ascontiguousarray, np.asfortranarray):
        images, masks = volume_to_slices(ordered(volume.astype(dtype)), ordered(labels), 12)
        assert np.abs(images.astype(int) - reference).max() <= 2 and np.array_equal(masks, reference_masks)


@pytest.mark.parametrize("side", [24, 48, 16])
def test_round_trip_gives_the_labels_back(side: int) -> None:
    volume, labels = volume_pair(3, shape=(24, 24, 6))
    header = nib.Nifti1Header()
    header["descrip"] = b"round trip"
    reference = nib.Nifti1Image(labels, np.diag([0.7, 0.7, 4.0, 1.0]), header)
    _, masks = volume_to_slices(volume, labels, side)
    back = reassemble_volume(masks, reference)
    assert back.shape == labels.shape and np.array_equal(back.affine, reference.affine)
    assert back.header["descrip"] == b"round trip"
    restored = np.asarray(back.dataobj)
    if side % 24 == 0:  # integer upsampling by nearest neighbour is exactly invertible
        assert np.array_equal(restored, labels)
    else:
        dice = 2 * (restored & labels).sum() / (restored.sum() + labels.sum())
        assert dice > 0.7


def test_reassemble_refuses_a_wrong_slice_count() -> None:
    reference = nib.Nifti1Image(np.zeros((4, 4, 3), np.uint8), np.eye(4))
    with pytest.raises(ValueError, match="3 slices"):
        reassemble_volume(np.zeros((2, 4, 4), np.uint8), reference)
