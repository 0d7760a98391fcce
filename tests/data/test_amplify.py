"""The amplification blocks: thresholds, counts per image, and image/label alignment."""

from __future__ import annotations

import numpy as np
import pytest

from stsnet.config.data import AmplificationSettings
from stsnet.data.amplify import (
    Thresholds,
    apply_operation,
    lesion_centre,
    n2_from_n1,
    plan_amplification,
    resolve_thresholds,
    run_operations,
    thresholds_from_statistics,
)


def test_thresholds_from_the_formula_on_a_hand_made_set() -> None:
    # A = 3 images with lesions, S = 100 + 300 + 500 = 900: N1 = ceil(sqrt(300))² = 18² = 324,
    # N2 = ceil(sqrt(162))² = 13² = 169. Empty images do not count.
    assert thresholds_from_statistics([0, 100, 300, 0, 500]) == Thresholds(324, 169)


def test_fixed_thresholds_follow_the_paper() -> None:
    assert n2_from_n1(2025) == 1024
    settings = AmplificationSettings(thresholds="fixed", n1=2025)
    assert resolve_thresholds(settings, np.array([5])) == Thresholds(2025, 1024)
    with pytest.raises(ValueError, match="n1"):
        AmplificationSettings(thresholds="fixed")


def test_no_lesion_at_all_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="no training image has a lesion"):
        thresholds_from_statistics([0, 0])


def _plan(pixels: list[int], **settings) -> list:
    centres = np.full((len(pixels), 2), 20.0)
    return plan_amplification(
        np.array(pixels), centres, 48, AmplificationSettings(**settings), Thresholds(n1=100, n2=50)
    )


def test_each_qualifying_image_becomes_six_by_default() -> None:
    operations = _plan([10, 0, 70, 200, 30])
    per_source = {s: sum(op.source == s for op in operations) for s in range(5)}
    # below N2 (10, 30): itself + 4 standard + 1 centre = 6; between N2 and N1 (70): standard only.
    assert per_source == {0: 5, 1: 0, 2: 4, 3: 0, 4: 5}
    assert [op.name for op in operations if op.source == 0][-1] == "centre"


def test_methods_and_uncapped_copies() -> None:
    assert {op.source for op in _plan([10, 70], method="method1")} == {0, 1}
    assert {op.source for op in _plan([10, 70], method="method2")} == {0}
    method3 = _plan([10, 70], method="method3", copies=None)
    assert sum(op.source == 0 for op in method3) == 4 + 2 and sum(op.source == 1 for op in method3) == 4
    assert sum(op.source == 0 for op in _plan([10], copies=None)) == 4 + 1 + 2
    assert _plan([10], method="none") == []


def test_plan_is_seeded() -> None:
    assert _plan([10, 20, 30]) == _plan([10, 20, 30])


def _known_lesion(side: int = 48) -> tuple[np.ndarray, np.ndarray]:
    mask = np.zeros((side, side), np.uint8)
    mask[8:12, 30:34] = 1
    image = np.zeros((3, side, side), np.uint8)
    image[:, mask > 0] = 200
    return image, mask


def test_operations_move_image_and_label_together() -> None:
    image, mask = _known_lesion()
    by_name = {
        op.name.split("_")[0]: op
        for op in plan_amplification(
            np.array([16]),
            np.array([lesion_centre(mask)]),
            48,
            AmplificationSettings(copies=None),
            Thresholds(100, 50),
        )
    }
    _, flipped_mask = apply_operation(image, mask, by_name["hflip"])
    assert flipped_mask[8:12, 14:18].all() and flipped_mask.sum() == 16  # columns 30..33 → 14..17
    for op in plan_amplification(
        np.array([16]),
        np.array([lesion_centre(mask)]),
        48,
        AmplificationSettings(copies=None),
        Thresholds(100, 50),
    ):
        out_image, out_mask = apply_operation(image, mask, op)
        assert out_image.shape == image.shape and out_mask.shape == mask.shape
        lesion = out_mask > 0
        assert lesion.any(), op.name
        # the bright square and the label stay on the same pixels (linear edges aside)
        assert (out_image[0][lesion] > 100).mean() > 0.9, op.name
        assert (out_image[0][~lesion] > 150).mean() < 0.02, op.name


def test_centre_window_is_centred_on_the_lesion() -> None:
    _, mask = _known_lesion(side=480)
    mask[:] = 0
    mask[200:210, 300:310] = 1
    (centre,) = [op for op in _plan_for_side(mask, 480) if op.name == "centre"]
    left, top, _, _ = centre.box
    assert 150 <= 305 - left <= 160 and 150 <= 205 - top <= 160
    _, out_mask = apply_operation(np.zeros((3, 480, 480), np.uint8), mask, centre)
    rows, cols = np.nonzero(out_mask)
    assert abs(rows.mean() - 240) < 10 and abs(cols.mean() - 240) < 10  # the lesion lands in the middle
    assert out_mask.sum() > 2 * mask.sum()  # and magnified by 480 / ~310 per side


def _plan_for_side(mask: np.ndarray, side: int) -> list:
    return plan_amplification(
        np.array([int(mask.sum())]),
        np.array([lesion_centre(mask)]),
        side,
        AmplificationSettings(copies=None),
        Thresholds(1000, 500),
    )


def test_running_a_plan_equals_applying_each_operation_alone() -> None:
    rng = np.random.default_rng(3)
    image, mask = rng.integers(0, 256, (3, 96, 96), dtype=np.uint8), np.zeros((96, 96), np.uint8)
    mask[40:46, 20:30] = 1
    plan = _plan_for_side(mask, 96)
    images = np.zeros((1 + len(plan), 3, 96, 96), np.uint8)
    masks = np.zeros((1 + len(plan), 96, 96), np.uint8)
    images[0], masks[0] = image, mask
    run_operations(images, masks, plan, first_row=1)
    assert any(op.flip and op.box for op in plan)  # a flip + crop, which reuses the crop before it
    for row, operation in enumerate(plan, start=1):
        expected_image, expected_mask = apply_operation(image, mask, operation)
        assert np.array_equal(images[row], expected_image), operation.name
        assert np.array_equal(masks[row], expected_mask), operation.name
