"""The paper's segmentation metrics, exactly as its released evaluation computes them, and extras.

Paper protocol (per 2D image, then the mean over images, in %):
    mDice, mIoU  -- Dice and IoU of every class (background included), averaged over classes;
    Jaccard, Recall, Precision -- of the lesion (foreground: any label > 0).
Images whose ground truth and prediction are both empty are left out of every mean.

Undefined ratios (0/0) count as 0, as an epsilon-smoothed implementation gives: an image with no
true lesion but a false detection has lesion Dice, IoU, Jaccard, Recall and Precision 0; an image
with a true lesion and an empty prediction has them 0 too. Background 0/0 cannot occur on an
included image unless the lesion fills it, and counts 0 likewise.

Extras: dataset-level (pooled) Dice, per-case Dice (3D for volumes: the counts of a case's slices
pooled), lesion-wise detection from connected components, and everything by lesion-size bucket.
Detection counts are pooled over the dataset; with no true lesion at all, sensitivity is NaN
(reported as null), and with no predicted component, precision is NaN.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from scipy import ndimage

PAPER_METRICS = ("mdice", "miou", "jaccard", "recall", "precision")
SIZE_BUCKETS = ("empty", "<0.1%", "0.1-1%", ">1%")
_CHUNK_PIXELS = 1 << 25


def lesion_size_bucket(lesion_fraction: float) -> str:
    """The size bucket of a lesion covering `lesion_fraction` (0..1) of its image."""
    if lesion_fraction <= 0:
        return "empty"
    if lesion_fraction < 0.001:
        return "<0.1%"
    if lesion_fraction <= 0.01:
        return "0.1-1%"
    return ">1%"


def confusion_matrices(pred: torch.Tensor, target: torch.Tensor, classes: int) -> torch.Tensor:
    """Per-image confusion matrices, N×classes×classes, indexed [image, predicted, true].

    Vectorised with one `bincount` per chunk of images, so memory stays bounded.
    """
    pred, target = _as_label_tensor(pred, "pred"), _as_label_tensor(target, "target")
    if pred.shape != target.shape:
        raise ValueError(f"pred and target shapes differ: {tuple(pred.shape)} vs {tuple(target.shape)}")
    for name, labels in (("pred", pred), ("target", target)):
        if labels.numel() and (int(labels.min()) < 0 or int(labels.max()) >= classes):
            raise ValueError(
                f"{name} has labels outside [0, {classes}): min {int(labels.min())}, max {int(labels.max())}"
            )
    n = pred.shape[0]
    pixels = int(np.prod(pred.shape[1:])) if n else 0
    per_chunk = max(1, _CHUNK_PIXELS // max(pixels, 1))
    out = torch.empty((n, classes, classes), dtype=torch.int64)
    for start in range(0, n, per_chunk):
        p = pred[start : start + per_chunk].reshape(-1, pixels).long()
        t = target[start : start + per_chunk].reshape(-1, pixels).long()
        offsets = torch.arange(p.shape[0]).unsqueeze(1) * classes * classes
        flat = (offsets + p * classes + t).reshape(-1)
        counts = torch.bincount(flat, minlength=p.shape[0] * classes * classes)
        out[start : start + p.shape[0]] = counts.reshape(-1, classes, classes)
    return out


def _as_label_tensor(labels: torch.Tensor | np.ndarray, name: str) -> torch.Tensor:
    tensor = torch.as_tensor(labels)
    if tensor.is_floating_point():
        raise ValueError(f"{name} must hold integer labels, got dtype {tensor.dtype}")
    if tensor.ndim < 3:
        raise ValueError(f"{name} must be N×H×W (or N×D×H×W), got shape {tuple(tensor.shape)}")
    return tensor.cpu()


def _ratio(num: torch.Tensor, den: torch.Tensor) -> torch.Tensor:
    return torch.where(den > 0, num / den.clamp(min=1), torch.zeros_like(num))


def paper_metrics_per_image(confusion: torch.Tensor) -> dict[str, torch.Tensor]:
    """The five paper metrics (fractions, not %) for each image, from its confusion matrix."""
    confusion = confusion.double()
    tp = torch.diagonal(confusion, dim1=1, dim2=2)
    fp = confusion.sum(dim=2) - tp
    fn = confusion.sum(dim=1) - tp
    dice = _ratio(2 * tp, 2 * tp + fp + fn)
    iou = _ratio(tp, tp + fp + fn)
    lesion_tp, lesion_fp, lesion_fn = _lesion_counts(confusion)
    return {
        "mdice": dice.mean(dim=1),
        "miou": iou.mean(dim=1),
        "jaccard": _ratio(lesion_tp, lesion_tp + lesion_fp + lesion_fn),
        "recall": _ratio(lesion_tp, lesion_tp + lesion_fn),
        "precision": _ratio(lesion_tp, lesion_tp + lesion_fp),
    }


def _lesion_counts(confusion: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """TP, FP, FN of the foreground (every label > 0 taken as lesion)."""
    tp = confusion[:, 1:, 1:].sum(dim=(1, 2))
    fp = confusion[:, 1:, 0]
    fn = confusion[:, 0, 1:]
    return tp, fp.sum(dim=1), fn.sum(dim=1)


def included_images(confusion: torch.Tensor) -> torch.Tensor:
    """Mask of images kept by the paper's protocol: not (empty truth and empty prediction)."""
    background_only = confusion[:, 0, 0] == confusion.sum(dim=(1, 2))
    return ~background_only


@dataclass(frozen=True)
class LesionDetection:
    """Pooled lesion-wise detection counts from connected components."""

    true_lesions: int
    detected_lesions: int
    predicted_components: int
    matched_components: int

    @property
    def sensitivity(self) -> float:
        return self.detected_lesions / self.true_lesions if self.true_lesions else float("nan")

    @property
    def precision(self) -> float:
        return (
            self.matched_components / self.predicted_components if self.predicted_components else float("nan")
        )


def lesion_detection(pred: np.ndarray, target: np.ndarray) -> LesionDetection:
    """Connected-component detection over images (or volumes): a component overlapping the other side hits.

    A true lesion is detected when any predicted lesion pixel falls in it; a predicted component
    is matched when it overlaps any true lesion. Connectivity is full (8 in 2D, 26 in 3D).
    """
    totals = np.zeros(4, dtype=np.int64)
    for p, t in zip(np.asarray(pred) > 0, np.asarray(target) > 0, strict=True):
        totals += _detect_one(p, t)
    return LesionDetection(*(int(v) for v in totals))


def _detect_one(pred: np.ndarray, target: np.ndarray) -> np.ndarray:
    structure = np.ones((3,) * pred.ndim, dtype=bool)
    true_labels, n_true = ndimage.label(target, structure=structure)
    pred_labels, n_pred = ndimage.label(pred, structure=structure)
    detected = np.unique(true_labels[pred & (true_labels > 0)]).size
    matched = np.unique(pred_labels[target & (pred_labels > 0)]).size
    return np.array([n_true, detected, n_pred, matched])


def pooled_dice(confusion: torch.Tensor) -> float:
    """Dataset-level lesion Dice: the counts of every image summed before the ratio."""
    tp, fp, fn = (c.sum().double() for c in _lesion_counts(confusion))
    return float(_ratio(2 * tp, 2 * tp + fp + fn))


def per_case_dice(confusion: torch.Tensor, case_ids: Sequence[str]) -> dict[str, float]:
    """Lesion Dice per case, pooling the counts of the case's images (3D Dice for a sliced volume)."""
    if len(case_ids) != confusion.shape[0]:
        raise ValueError(f"{len(case_ids)} case ids for {confusion.shape[0]} images")
    names = sorted(set(case_ids))
    index = torch.tensor([names.index(c) for c in case_ids]) if names else torch.zeros(0, dtype=torch.long)
    tp, fp, fn = _lesion_counts(confusion)
    sums = torch.zeros((len(names), 3), dtype=torch.float64)
    sums.index_add_(0, index, torch.stack([tp, fp, fn], dim=1).double())
    dice = _ratio(2 * sums[:, 0], 2 * sums[:, 0] + sums[:, 1] + sums[:, 2])
    return {name: float(d) for name, d in zip(names, dice, strict=True)}


def summarize(
    pred: torch.Tensor | np.ndarray,
    target: torch.Tensor | np.ndarray,
    classes: int = 2,
    case_ids: Sequence[str] | None = None,
) -> dict:
    """Every metric of a test set, JSON-ready: paper means (%), extras, and the same by size bucket.

    Args:
        pred, target: integer label maps, N×H×W (2D images) — for volumes, pass their slices
            and `case_ids` to get per-case 3D Dice.
        classes: number of label values.
        case_ids: the case of each image; per-case Dice is reported when given.
    """
    confusion = confusion_matrices(pred, target, classes)
    per_image = paper_metrics_per_image(confusion)
    keep = included_images(confusion)
    target_np = np.asarray(torch.as_tensor(target).cpu())
    fractions = (target_np > 0).reshape(len(target_np), -1).mean(axis=1) if len(target_np) else np.zeros(0)
    buckets = [lesion_size_bucket(f) for f in fractions]
    detection = lesion_detection(np.asarray(torch.as_tensor(pred).cpu()), target_np)
    summary = {
        "images": int(confusion.shape[0]),
        "images_evaluated": int(keep.sum()),
        "paper": _means(per_image, keep),
        "pooled_dice": 100.0 * pooled_dice(confusion),
        "detection": {
            "true_lesions": detection.true_lesions,
            "sensitivity": _percent_or_none(detection.sensitivity),
            "precision": _percent_or_none(detection.precision),
        },
        "by_size": {},
        "per_image": [
            {"bucket": b, "included": bool(k), **{m: 100.0 * float(per_image[m][i]) for m in PAPER_METRICS}}
            for i, (b, k) in enumerate(zip(buckets, keep.tolist(), strict=True))
        ],
    }
    for bucket in SIZE_BUCKETS:
        in_bucket = torch.tensor([b == bucket for b in buckets], dtype=torch.bool)
        if in_bucket.any():
            summary["by_size"][bucket] = {
                "images": int(in_bucket.sum()),
                **_means(per_image, keep & in_bucket),
            }
    if case_ids is not None:
        summary["per_case_dice"] = {k: 100.0 * v for k, v in per_case_dice(confusion, case_ids).items()}
    return summary


def _means(per_image: dict[str, torch.Tensor], keep: torch.Tensor) -> dict[str, float | None]:
    if not keep.any():
        return dict.fromkeys(PAPER_METRICS)
    return {m: 100.0 * float(values[keep].mean()) for m, values in per_image.items()}


def _percent_or_none(value: float) -> float | None:
    return None if np.isnan(value) else 100.0 * value
