"""Figures of a run: segmentations in the style of the paper's Figs. 5-8, and the learning curve.

Rendered with matplotlib's Agg backend (no display), written as PNG.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

ZOOM_MARGIN = 0.5


def segmentation_figure(
    images: Sequence[np.ndarray],
    truths: Sequence[np.ndarray],
    predictions: Sequence[np.ndarray],
    titles: Sequence[str],
    path: Path,
) -> None:
    """One row per sample: image with the ground truth as a red contour and a green box on the lesion,
    the prediction (yellow) with the same contour, and a zoom into the box.

    `images` are C×H×W uint8 (the middle channel is shown for 2.5D stacks, RGB as is); masks H×W.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Rectangle

    overlay = ListedColormap(["gold"])

    rows = max(len(images), 1)
    figure, axes = plt.subplots(rows, 3, figsize=(9, 3 * rows), squeeze=False)
    for row, (image, truth, pred, title) in enumerate(zip(images, truths, predictions, titles, strict=True)):
        shown = _displayable(image)
        top, bottom, left, right = _zoom_box(truth > 0 if truth.any() else pred > 0)
        for column, axis in enumerate(axes[row]):
            axis.imshow(shown, cmap=None if shown.ndim == 3 else "gray")
            axis.set_xticks([])
            axis.set_yticks([])
            if column == 1:
                axis.imshow(np.ma.masked_equal(pred > 0, 0), cmap=overlay, alpha=0.5)
            if truth.any():
                axis.contour(truth > 0, levels=[0.5], colors="red", linewidths=1.0)
            if column == 0:
                axis.add_patch(
                    Rectangle((left, top), right - left, bottom - top, fill=False, edgecolor="lime", lw=1.2)
                )
            if column == 2:
                axis.imshow(np.ma.masked_equal(pred > 0, 0), cmap=overlay, alpha=0.5)
                axis.set_xlim(left, right)
                axis.set_ylim(bottom, top)
        axes[row][0].set_ylabel(title, fontsize=8)
    for axis, heading in zip(axes[0], ("image + ground truth", "prediction", "zoom"), strict=True):
        axis.set_title(heading, fontsize=9)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def learning_curve(history: Sequence[dict[str, Any]], path: Path, metric: str = "mdice") -> None:
    """Training loss and the validation metric per epoch, on two axes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = [h["epoch"] for h in history]
    figure, loss_axis = plt.subplots(figsize=(6, 3.5))
    loss_axis.plot(epochs, [h["train_loss"] for h in history], "o-", color="tab:blue", label="train loss")
    loss_axis.set_xlabel("epoch")
    loss_axis.set_ylabel("train loss", color="tab:blue")
    values = [h.get("val", {}).get(metric) for h in history]
    if any(v is not None for v in values):
        metric_axis = loss_axis.twinx()
        metric_axis.plot(epochs, [np.nan if v is None else v for v in values], "s-", color="tab:red")
        metric_axis.set_ylabel(f"validation {metric} (%)", color="tab:red")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def _displayable(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return image
    if image.shape[0] == 3 and not (
        np.array_equal(image[0], image[1]) and np.array_equal(image[1], image[2])
    ):
        # Distinct channels: an RGB photo, or a 2.5D stack whose middle slice is the one labelled.
        return image.transpose(1, 2, 0)
    return image[image.shape[0] // 2]


def _zoom_box(mask: np.ndarray) -> tuple[float, float, float, float]:
    """(top, bottom, left, right) around the lesion with a margin, at least an eighth of the image."""
    height, width = mask.shape
    if not mask.any():
        return -0.5, height - 0.5, -0.5, width - 0.5
    rows, cols = np.nonzero(mask)
    half = max(np.ptp(rows), np.ptp(cols), min(height, width) / 8) * (0.5 + ZOOM_MARGIN)
    centre_row, centre_col = rows.mean(), cols.mean()
    top, left = max(centre_row - half, -0.5), max(centre_col - half, -0.5)
    return top, min(centre_row + half, height - 0.5), left, min(centre_col + half, width - 0.5)
