"""Segment new data with a trained model: a NIfTI/NRRD volume -> a NIfTI mask, or PNG/JPG images -> masks.

`load_model(uri)` takes `models:/name@alias` (or `models:/name/version`), `runs:/<id>/model`, or a
checkpoint / model file (local or s3://); the network is rebuilt in code from its config and the
weights are loaded with `weights_only=True`. Inputs are checked before anything is written, and an
output appears whole or not at all.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

import nibabel as nib
import numpy as np
import torch
from PIL import Image

from stsnet.data.io import read_image_2d, read_volume
from stsnet.data.resample import resize_image, resize_labels
from stsnet.data.slices import reassemble_volume, volume_to_slices
from stsnet.data.sources.base import VOLUME_SUFFIXES
from stsnet.inference import predict_labels
from stsnet.models.registry import model_from_payload
from stsnet.storage import download, exists, filesystem, is_remote
from stsnet.train.checkpoints import load_checkpoint
from stsnet.train.numerics import choose_numerics

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
DEFAULT_SIDE = 512


def load_model(uri: str) -> torch.nn.Module:
    """The model behind `uri`, in eval mode; `model.stsnet_input` holds the side and 2.5D conversion."""
    if ("://" in uri and not is_remote(uri)) or uri.startswith(("models:/", "runs:/")):
        payload = _registry_payload(uri)
    elif exists(uri):
        payload = load_checkpoint(uri)
    else:
        raise FileNotFoundError(f"{uri}: no such model file (or use models:/NAME@ALIAS, runs:/ID/model)")
    model = model_from_payload(payload, source=uri)
    model.stsnet_input = dict(payload.get("data", {}))
    return model.eval()


def segment(
    model: torch.nn.Module,
    input_path: str,
    output_path: str,
    batch_size: int = 8,
    progress: TextIO | None = sys.stderr,
) -> dict[str, Any]:
    """Segment a NIfTI or NRRD volume (-> a NIfTI mask on its grid) or a folder of PNG/JPG (-> PNG masks)."""
    with tempfile.TemporaryDirectory(prefix="stsnet-predict-") as scratch:
        local_input = Path(download(input_path, Path(scratch) / "input")) if is_remote(input_path) else None
        source = local_input or Path(input_path)
        if not source.exists():
            raise FileNotFoundError(f"{input_path}: no such file or folder")
        staged = Path(scratch) / "output"
        if source.is_dir():
            summary = _segment_images(model, source, staged, batch_size, progress)
        elif source.name.endswith(VOLUME_SUFFIXES):
            if not output_path.endswith((".nii", ".nii.gz")):
                raise ValueError(f"{output_path}: a volume's mask is written as NIfTI (.nii or .nii.gz)")
            summary = _segment_volume(model, source, staged, output_path, batch_size, progress)
        else:
            raise ValueError(
                f"{input_path}: expected a NIfTI/NRRD volume ({', '.join(VOLUME_SUFFIXES)}) "
                "or a folder of PNG/JPG images"
            )
        _publish(staged, output_path)
    return {"input": input_path, "output": output_path, **summary}


def _segment_volume(
    model: torch.nn.Module, path: Path, staged: Path, output_path: str, batch_size: int, progress
) -> dict[str, Any]:
    image = read_volume(path)
    volume = np.asarray(image.dataobj)
    facts = getattr(model, "stsnet_input", {})
    side = int(facts.get("side") or DEFAULT_SIDE)
    slices, _ = volume_to_slices(
        volume, np.zeros(volume.shape, np.uint8), side, facts.get("conversion", "stack3")
    )
    labels = _predict(model, slices, batch_size, progress, f"{path.name}: slice")
    mask = reassemble_volume(labels, image)
    staged.parent.mkdir(parents=True, exist_ok=True)
    suffix = ".nii.gz" if output_path.endswith(".gz") else ".nii"
    target = staged.with_name(staged.name + suffix)
    nib.save(mask, target)
    target.rename(staged)
    return {"kind": "volume", "shape": list(volume.shape), "lesion_voxels": int((labels > 0).sum())}


def _segment_images(
    model: torch.nn.Module, folder: Path, staged: Path, batch_size: int, progress
) -> dict[str, Any]:
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise ValueError(f"{folder}: no PNG/JPG images in this folder")
    stems = [p.stem for p in files]
    repeated = sorted({s for s in stems if stems.count(s) > 1})
    if repeated:
        raise ValueError(f"{folder}: images share a name and would share a mask: {', '.join(repeated)}")
    side = int(getattr(model, "stsnet_input", {}).get("side") or DEFAULT_SIDE)
    images = [read_image_2d(p) for p in files]
    stacked = np.stack([resize_image(np.ascontiguousarray(im.transpose(2, 0, 1)), side) for im in images])
    labels = _predict(model, stacked, batch_size, progress, f"{folder.name}: image")
    staged.mkdir(parents=True)
    lesion = 0
    for path, image, label in zip(files, images, labels, strict=True):
        full = resize_labels(np.ascontiguousarray(label), image.shape[:2])
        lesion += int((full > 0).sum())
        Image.fromarray(np.where(full > 0, 255, 0).astype(np.uint8)).save(staged / f"{path.stem}.png")
    return {"kind": "images", "images": len(files), "lesion_pixels": lesion}


def _predict(model: torch.nn.Module, images: np.ndarray, batch_size: int, progress, label: str) -> np.ndarray:
    """Label maps of N×C×S×S uint8 images, in sliding batches on the best device."""
    numerics = choose_numerics()
    model = numerics.prepare_model(model)
    expected = model.stsnet_config.get("in_chans", images.shape[1])
    if images.shape[1] != expected:
        raise ValueError(f"model takes {expected} channels, the input gives {images.shape[1]}")

    def batches() -> Iterator[torch.Tensor]:
        for start in range(0, len(images), batch_size):
            if progress is not None and len(images) > batch_size:
                print(
                    f"{label} {start + 1}-{min(start + batch_size, len(images))}/{len(images)}", file=progress
                )
            yield torch.from_numpy(np.asarray(images[start : start + batch_size], dtype=np.float32) / 255.0)

    labels, _ = predict_labels(model, batches(), numerics)
    return labels.numpy()


def _registry_payload(uri: str) -> dict[str, Any]:
    """Download the model folder of a `models:/` or `runs:/` URI and read its `model.pt`.

    Resolved through an explicit client on `tracking_uri()`: MLflow's URI helpers would use the
    process-wide registry setting instead.
    """
    from mlflow.exceptions import MlflowException

    from stsnet.tracking import MODEL_FILE, client, tracking_uri

    mlflow_client = client()
    with tempfile.TemporaryDirectory(prefix="stsnet-model-") as scratch:
        try:
            run_id, path = _resolve(mlflow_client, uri)
            local = Path(mlflow_client.download_artifacts(run_id, path, scratch))
        except (MlflowException, OSError) as error:
            message = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise ValueError(f"model {uri!r} not found at {tracking_uri()}: {message}") from None
        weights = sorted(local.rglob(MODEL_FILE))
        if not weights:
            raise ValueError(f"model {uri!r}: no {MODEL_FILE} in its artifacts (not an stsnet model)")
        return load_checkpoint(weights[0])


def _resolve(mlflow_client, uri: str) -> tuple[str, str]:
    """(run id, artifact path) of `models:/NAME@ALIAS`, `models:/NAME/VERSION` or `runs:/ID/PATH`."""
    from stsnet.tracking import MODEL_ARTIFACT

    if uri.startswith("runs:/"):
        run_id, _, path = uri.removeprefix("runs:/").partition("/")
        return run_id, path or MODEL_ARTIFACT
    if not uri.startswith("models:/"):
        raise ValueError(f"{uri}: expected models:/NAME@ALIAS, models:/NAME/VERSION, runs:/ID/PATH or a file")
    reference = uri.removeprefix("models:/")
    if "@" in reference:
        name, alias = reference.split("@", 1)
        version = mlflow_client.get_model_version_by_alias(name, alias)
    else:
        name, _, number = reference.partition("/")
        version = mlflow_client.get_model_version(name, number)
    source = version.source.rstrip("/")
    return version.run_id, source.rsplit("/", 1)[-1] if "/" in source else MODEL_ARTIFACT


def _publish(staged: Path, output_path: str) -> None:
    """Move the finished output into place (replacing an earlier one), or upload it to S3."""
    if is_remote(output_path):
        fs = filesystem(output_path)
        if staged.is_dir():
            fs.put(str(staged) + "/", output_path.rstrip("/") + "/", recursive=True)
        else:
            fs.put_file(str(staged), output_path)
        return
    final = Path(output_path)
    final.parent.mkdir(parents=True, exist_ok=True)
    temporary = final.with_name(f".{final.name}-{uuid.uuid4().hex}")
    shutil.move(str(staged), temporary)
    if final.is_dir():
        shutil.rmtree(final)
    temporary.replace(final)
