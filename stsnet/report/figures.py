"""Figures of a report: the paper-style visual comparison (Figs. 5–8) and learning curves.

The comparison reads the test images and ground truth from the prepared store the runs trained on
(run param `store`: `test.images.npy`, `test.masks.npy`) and each model's prediction from its
`evaluation/masks/` artifact, whose PNG files sort in test-array order. Rows: the smallest, median
and largest lesion of the test split and the worst image of STS-Net (lowest mDice).
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator
from mlflow.tracking import MlflowClient
from PIL import Image

from stsnet.data.store import open_prepared
from stsnet.report.cells import Cell
from stsnet.report.collect import CURVE_METRICS, RunRecord, download_masks

PANEL_INCHES = 1.9
BOX_MARGIN = 4


def comparison_rows(masks: np.ndarray, worst_reference: np.ndarray | None) -> list[tuple[str, int]]:
    """(label, test index) of the smallest, median and largest lesion and the reference's worst image.

    The worst image is the lowest per-image mDice among images with a lesion: a missed small lesion
    is what the figure should show, not false positives on an empty image.
    """
    pixels = (masks.reshape(len(masks), -1) > 0).sum(axis=1)
    lesions = np.flatnonzero(pixels)
    if lesions.size == 0:
        raise ValueError("the test split has no lesion to show")
    order = lesions[np.argsort(pixels[lesions], kind="stable")]
    rows = [
        ("smallest lesion", int(order[0])),
        ("median lesion", int(order[len(order) // 2])),
        ("largest lesion", int(order[-1])),
    ]
    if worst_reference is not None:
        scores = np.where(pixels > 0, worst_reference, np.nan)
        if not np.all(np.isnan(scores)):
            rows.append(("worst of STS-Net", int(np.nanargmin(scores))))
    return rows


def comparison_figure(client: MlflowClient, dataset: str, cells: Sequence[Cell], path: Path) -> Path:
    """Write the dataset's visual comparison; raises ValueError naming what is missing."""
    shown = [(c, _first_ok(c)) for c in cells if c.dataset == dataset and _first_ok(c) is not None]
    if not shown:
        raise ValueError(f"{dataset}: no successful run to draw")
    store = next((run.store for _, run in shown if run.store), None)
    if store is None:
        raise ValueError(
            f"{dataset}: no run records the param 'store' (the prepared dataset with the test images)"
        )
    images, truths = open_prepared(store).arrays("test")
    reference = _reference(shown)
    with tempfile.TemporaryDirectory() as scratch:
        predictions = {}
        for cell, run in shown:
            files = download_masks(client, run.run_id, Path(scratch) / run.run_id)
            if len(files) != len(truths):
                raise ValueError(
                    f"{dataset}: run {run.run_id} ({cell.model}) has {len(files)} masks in evaluation/masks "
                    f"for {len(truths)} test images in {store}"
                )
            predictions[f"{cell.model}\n{cell.amplification}"] = files
        rows = comparison_rows(
            np.asarray(truths),
            reference.per_image[:, 0] if reference and reference.per_image is not None else None,
        )
        columns = ["image", "ground truth", *predictions]
        figure, axes = plt.subplots(
            len(rows),
            len(columns),
            figsize=(PANEL_INCHES * len(columns), PANEL_INCHES * len(rows)),
            squeeze=False,
        )
        for r, (label, index) in enumerate(rows):
            image = np.moveaxis(np.asarray(images[index]), 0, -1)
            truth = np.asarray(truths[index]) > 0
            panels = [
                image,
                _mask_rgb(truth),
                *(_mask_rgb(_read_mask(files[index])) for files in predictions.values()),
            ]
            for c, panel in enumerate(panels):
                _draw(axes[r, c], panel, truth)
                if r == 0:
                    axes[r, c].set_title(columns[c], fontsize=8)
            axes[r, 0].set_ylabel(f"{label}\n#{index}", fontsize=8)
    figure.suptitle(
        f"{dataset}: red = ground truth contour, green box = lesion (enlarged top right)", fontsize=9
    )
    figure.tight_layout()
    figure.savefig(path, dpi=80)
    plt.close(figure)
    return path


def _first_ok(cell: Cell) -> RunRecord | None:
    return next(iter(cell.succeeded), None)


def _reference(shown: list[tuple[Cell, RunRecord]]) -> Cell | None:
    sts = [c for c, _ in shown if c.model == "sts-net"]
    return max(sts, key=lambda c: c.amplification != "none") if sts else None


def _read_mask(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("L")) > 0


def _mask_rgb(mask: np.ndarray) -> np.ndarray:
    return np.repeat((mask.astype(np.uint8) * 255)[..., None], 3, axis=2)


def _draw(ax: plt.Axes, panel: np.ndarray, truth: np.ndarray) -> None:
    ax.imshow(panel, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if not truth.any():
        return
    ax.contour(truth, levels=[0.5], colors="red", linewidths=0.8)
    ys, xs = np.nonzero(truth)
    top, left = max(ys.min() - BOX_MARGIN, 0), max(xs.min() - BOX_MARGIN, 0)
    bottom, right = (
        min(ys.max() + BOX_MARGIN, truth.shape[0] - 1),
        min(xs.max() + BOX_MARGIN, truth.shape[1] - 1),
    )
    ax.add_patch(
        plt.Rectangle(
            (left - 0.5, top - 0.5),
            right - left + 1,
            bottom - top + 1,
            fill=False,
            edgecolor="lime",
            linewidth=0.8,
        )
    )
    inset = ax.inset_axes([0.6, 0.6, 0.4, 0.4])
    inset.imshow(panel[top : bottom + 1, left : right + 1], interpolation="nearest")
    inset.contour(truth[top : bottom + 1, left : right + 1], levels=[0.5], colors="red", linewidths=0.8)
    inset.set_xticks([])
    inset.set_yticks([])
    for spine in inset.spines.values():
        spine.set_edgecolor("lime")


def learning_curves(dataset: str, cells: Sequence[Cell], path: Path) -> Path:
    """Every run's training loss and validation mDice per epoch, on one figure per dataset."""
    figure, axes = plt.subplots(1, len(CURVE_METRICS), figsize=(12, 4.5))
    for cell in (c for c in cells if c.dataset == dataset):
        for run in cell.succeeded:
            for ax, key in zip(axes, CURVE_METRICS, strict=True):
                points = run.curves.get(key, [])
                if points:
                    steps, values = zip(*points, strict=True)
                    ax.plot(steps, values, marker=".", label=f"{cell.model}/{cell.amplification}/s{run.seed}")
    for ax, key in zip(axes, CURVE_METRICS, strict=True):
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(key)
    handles, labels = axes[0].get_legend_handles_labels()
    if handles:
        figure.legend(handles, labels, loc="center right", fontsize=7)
    figure.suptitle(f"Learning curves — {dataset}")
    figure.tight_layout(rect=(0, 0, 0.8, 1))
    figure.savefig(path, dpi=80)
    plt.close(figure)
    return path
