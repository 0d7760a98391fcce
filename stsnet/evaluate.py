"""Evaluate a checkpoint on a store's test split: the paper's protocol, the extras, masks and a figure.

Writes into `output_dir` (local or s3://), all or nothing:
- `summary.json`: `stsnet.metrics.summarize` of the test images (paper means, pooled Dice,
  detection, by size bucket, per image, per-case Dice) plus `per_case` (for volumes: 3D metrics
  on the original grid after reassembling the slice predictions);
- `masks/`: predicted masks, `00000.png`... (0/255) for every test image or slice, numbered so that
  they sort in test-array order (a report pairs them with the store's arrays), and for volumes
  also `CASE.nii.gz`, the slices reassembled on the case's original grid;
- `figure.png`: the smallest, median and largest test lesions (paper Figs. 5-8 style).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import nibabel as nib
import numpy as np
import torch
from PIL import Image
from torch.utils.data import DataLoader

from stsnet.data.dataset import open_split
from stsnet.data.slices import reassemble_volume
from stsnet.data.store import PreparedDataset, open_prepared
from stsnet.figures import segmentation_figure
from stsnet.inference import predict_labels
from stsnet.metrics import lesion_detection, summarize
from stsnet.models.registry import model_from_payload
from stsnet.storage import is_remote, upload_folder
from stsnet.train.checkpoints import load_checkpoint
from stsnet.train.numerics import choose_numerics

SUMMARY_FILE = "summary.json"
FIGURE_FILE = "figure.png"


def evaluate(checkpoint: str, store: str, output_dir: str, batch_size: int = 8) -> dict[str, Any]:
    """Metrics of the model in `checkpoint` on the test split of `store`; see the module doc for outputs."""
    payload = load_checkpoint(checkpoint)
    model = model_from_payload(payload, source=checkpoint)
    prepared = open_prepared(store)
    channels = prepared.info["channels"]
    if model.stsnet_config.get("in_chans", channels) != channels:
        raise ValueError(
            f"{checkpoint}: model takes {model.stsnet_config['in_chans']} channels, "
            f"store {store} has {channels}"
        )
    dataset = open_split(prepared, "test", augment=False)
    if len(dataset) == 0:
        raise ValueError(f"{store}: the test split is empty")
    numerics = choose_numerics()
    model = numerics.prepare_model(model)
    loader = DataLoader(dataset, batch_size=batch_size)
    predicted, _ = predict_labels(model, (images for images, _ in loader), numerics)
    images, masks = prepared.arrays("test")
    rows = prepared.manifest("test")
    cases = [row["case"] for row in rows]
    summary = summarize(predicted, torch.from_numpy(np.array(masks)), model.stsnet_config["classes"], cases)
    summary["checkpoint"] = checkpoint
    summary["store"] = prepared.location
    summary["dataset"] = prepared.info["dataset"]["name"]
    predicted_np = predicted.numpy()
    with tempfile.TemporaryDirectory(prefix="stsnet-eval-") as scratch:
        folder = Path(scratch) / "evaluation"
        (folder / "masks").mkdir(parents=True)
        _write_slice_masks(predicted_np, folder / "masks")
        if prepared.info["summary"]["volumes"]:
            summary["per_case"] = _write_volumes(prepared, rows, predicted_np, folder / "masks")
        else:
            summary["per_case"] = _per_image_cases(rows, summary["per_image"])
        _figure(np.asarray(images), np.asarray(masks), predicted_np, rows, folder / FIGURE_FILE)
        (folder / SUMMARY_FILE).write_text(json.dumps(summary, indent=2))
        _publish(folder, output_dir)
    return summary


def _write_slice_masks(predicted: np.ndarray, masks: Path) -> None:
    """Every test image's (or slice's) prediction as `00000.png`... (0/255), in test-array order."""
    for index, labels in enumerate(predicted):
        Image.fromarray(np.where(labels > 0, 255, 0).astype(np.uint8)).save(masks / f"{index:05d}.png")


def _per_image_cases(rows: list, per_image: list[dict]) -> dict[str, dict]:
    return {
        row["case"]: {"lesion_pixels": row["lesion_pixels"], **metrics}
        for row, metrics in zip(rows, per_image, strict=True)
    }


def _write_volumes(
    prepared: PreparedDataset, rows: list, predicted: np.ndarray, masks: Path
) -> dict[str, dict]:
    """Reassemble each case's slices on its original grid; 3D Dice and lesion detection there."""
    slices: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for position, row in enumerate(rows):
        slices[row["case"]].append((row["slice"], position))
    per_case = {}
    for case, members in sorted(slices.items()):
        reference = prepared.reference(case)
        order = [position for _, position in sorted(members)]
        volume = reassemble_volume(predicted[order], reference)
        nib.save(volume, masks / f"{case}.nii.gz")
        pred = np.asarray(volume.dataobj) > 0
        truth = np.asarray(reference.dataobj) > 0
        tp, fp, fn = int((pred & truth).sum()), int((pred & ~truth).sum()), int((~pred & truth).sum())
        detection = lesion_detection(pred[None], truth[None])
        per_case[case] = {
            "dice": 100.0 * 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else None,
            "lesion_voxels": tp + fn,
            "predicted_voxels": tp + fp,
            "true_lesions": detection.true_lesions,
            "detected_lesions": detection.detected_lesions,
            "false_components": detection.predicted_components - detection.matched_components,
        }
    return per_case


def _figure(images: np.ndarray, masks: np.ndarray, predicted: np.ndarray, rows: list, path: Path) -> None:
    """The smallest, median and largest lesions of the test split (any images when none has one)."""
    pixels = np.array([row["lesion_pixels"] for row in rows])
    with_lesion = np.flatnonzero(pixels > 0)
    if with_lesion.size:
        ranked = with_lesion[np.argsort(pixels[with_lesion], kind="stable")]
        chosen = list(dict.fromkeys([ranked[0], ranked[len(ranked) // 2], ranked[-1]]))
        labels = ["smallest", "median", "largest"][: len(chosen)]
    else:
        chosen, labels = list(range(min(3, len(rows)))), ["no lesion"] * min(3, len(rows))
    titles = [
        f"{label}: {rows[i]['case']}"
        + ("" if rows[i]["slice"] is None else f" z={rows[i]['slice']}")
        + f"\n{pixels[i]} px"
        for label, i in zip(labels, chosen, strict=True)
    ]
    segmentation_figure(
        [images[i] for i in chosen], [masks[i] for i in chosen], [predicted[i] for i in chosen], titles, path
    )


def _publish(folder: Path, output_dir: str) -> None:
    """Replace `output_dir` with `folder` in one rename (local), or upload with the summary last (S3)."""
    if is_remote(output_dir):
        upload_folder(folder, output_dir, last=SUMMARY_FILE)
        return
    final = Path(output_dir)
    final.parent.mkdir(parents=True, exist_ok=True)
    staged = final.with_name(f".{final.name}-{uuid.uuid4().hex}")
    shutil.copytree(folder, staged)
    if final.exists():
        shutil.rmtree(final)
    staged.rename(final)
