"""The paper's metrics against hand-computed examples, every empty case, and the extras."""

import numpy as np
import pytest
import torch

from stsnet.metrics import (
    confusion_matrices,
    lesion_detection,
    lesion_size_bucket,
    paper_metrics_per_image,
    per_case_dice,
    pooled_dice,
    summarize,
)


def _pair(pred_pixels, true_pixels, shape=(4, 4)):
    pred = np.zeros(shape, dtype=np.uint8)
    true = np.zeros(shape, dtype=np.uint8)
    for r, c in pred_pixels:
        pred[r, c] = 1
    for r, c in true_pixels:
        true[r, c] = 1
    return pred, true


def test_hand_computed_image():
    # 16 pixels: lesion TP 2, FP 1, FN 1; background TP 12, FP 1, FN 1.
    pred, true = _pair([(0, 0), (0, 1), (0, 2)], [(0, 0), (0, 1), (1, 0)])
    metrics = {
        k: float(v[0])
        for k, v in paper_metrics_per_image(confusion_matrices(pred[None], true[None], 2)).items()
    }
    lesion_dice, background_dice = 4 / 6, 24 / 26
    lesion_iou, background_iou = 2 / 4, 12 / 14
    assert metrics["mdice"] == pytest.approx((lesion_dice + background_dice) / 2)
    assert metrics["miou"] == pytest.approx((lesion_iou + background_iou) / 2)
    assert metrics["jaccard"] == pytest.approx(0.5)
    assert metrics["recall"] == pytest.approx(2 / 3)
    assert metrics["precision"] == pytest.approx(2 / 3)


def test_both_empty_images_are_left_out_of_the_means():
    hit_pred, hit_true = _pair([(0, 0)], [(0, 0)])
    empty = np.zeros((4, 4), dtype=np.uint8)
    summary = summarize(np.stack([hit_pred, empty]), np.stack([hit_true, empty]))
    assert summary["images_evaluated"] == 1
    assert summary["paper"]["jaccard"] == pytest.approx(100.0)
    assert summary["paper"]["mdice"] == pytest.approx(100.0)


def test_false_detection_on_an_empty_truth_scores_zero():
    pred, true = _pair([(2, 2)], [])
    summary = summarize(pred[None], true[None])
    assert summary["images_evaluated"] == 1
    paper = summary["paper"]
    assert paper["jaccard"] == paper["recall"] == paper["precision"] == 0.0
    assert paper["mdice"] == pytest.approx(100 * (30 / 31) / 2)  # background Dice 2·15/(2·15+1), lesion 0


def test_missed_lesion_scores_zero():
    pred, true = _pair([], [(1, 1), (1, 2)])
    paper = summarize(pred[None], true[None])["paper"]
    assert paper["jaccard"] == paper["recall"] == paper["precision"] == 0.0


def test_all_images_empty_gives_no_means():
    empty = np.zeros((2, 4, 4), dtype=np.uint8)
    summary = summarize(empty, empty)
    assert summary["images_evaluated"] == 0
    assert all(v is None for v in summary["paper"].values())
    assert summary["detection"]["sensitivity"] is None


def test_labels_outside_the_classes_are_refused():
    pred = torch.zeros(1, 4, 4, dtype=torch.uint8)
    with pytest.raises(ValueError, match=r"target has labels outside \[0, 2\)"):
        confusion_matrices(pred, torch.full((1, 4, 4), 2, dtype=torch.uint8), 2)
    with pytest.raises(ValueError, match="pred and target shapes differ"):
        confusion_matrices(pred, torch.zeros(1, 4, 5, dtype=torch.uint8), 2)
    with pytest.raises(ValueError, match="integer labels"):
        confusion_matrices(pred.float(), pred, 2)


def test_size_buckets_use_the_lesion_share_of_the_image():
    assert lesion_size_bucket(0.0) == "empty"
    assert lesion_size_bucket(0.0005) == "<0.1%"
    assert lesion_size_bucket(0.005) == "0.1-1%"
    assert lesion_size_bucket(0.02) == ">1%"
    small = np.zeros((1, 100, 100), dtype=np.uint8)
    small[0, 0, :5] = 1  # 0.05 %
    large = np.zeros((1, 100, 100), dtype=np.uint8)
    large[0, :20, :20] = 1  # 4 %
    summary = summarize(np.concatenate([small, large]), np.concatenate([small, large]))
    assert summary["by_size"]["<0.1%"]["images"] == 1
    assert summary["by_size"][">1%"]["images"] == 1


def test_lesion_detection_counts_components():
    true = np.zeros((1, 10, 10), dtype=np.uint8)
    true[0, 1:3, 1:3] = 1  # lesion A, hit
    true[0, 7:9, 7:9] = 1  # lesion B, missed
    pred = np.zeros_like(true)
    pred[0, 2, 2] = 1  # overlaps A
    pred[0, 5, 0] = 1  # a false component
    detection = lesion_detection(pred, true)
    assert (detection.true_lesions, detection.detected_lesions) == (2, 1)
    assert (detection.predicted_components, detection.matched_components) == (2, 1)
    assert detection.sensitivity == 0.5 and detection.precision == 0.5


def test_pooled_and_per_case_dice_pool_counts_before_the_ratio():
    a_pred, a_true = _pair([(0, 0)], [(0, 0), (0, 1)])  # TP1 FN1
    b_pred, b_true = _pair([(3, 3), (3, 2)], [(3, 3)])  # TP1 FP1
    c_pred, c_true = _pair([(1, 1)], [(1, 1)])  # TP1
    confusion = confusion_matrices(np.stack([a_pred, b_pred, c_pred]), np.stack([a_true, b_true, c_true]), 2)
    assert pooled_dice(confusion) == pytest.approx(6 / 8)
    per_case = per_case_dice(confusion, ["vol1", "vol1", "vol2"])
    assert per_case == {"vol1": pytest.approx(4 / 6), "vol2": pytest.approx(1.0)}
