"""Training checkpoints on local disk or S3: one folder per epoch with the payload and its progress.

A checkpoint folder holds `checkpoint.pt` (the `fit` payload plus the data it was trained on; loadable
with `weights_only=True`) and `progress.json` (epochs done, best metric, history, replica digests),
so a caller can read how far a run got without loading hundreds of megabytes of optimiser state.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from pathlib import Path
from typing import Any

import torch

from stsnet.storage import filesystem, is_remote

CHECKPOINT_FILE = "checkpoint.pt"
PROGRESS_FILE = "progress.json"


def write_checkpoint(folder: Path, payload: dict[str, Any], progress: dict[str, Any]) -> None:
    """Write the payload and its progress summary into the local folder `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    torch.save(payload, folder / CHECKPOINT_FILE)
    (folder / PROGRESS_FILE).write_text(json.dumps(progress, indent=2))


def load_checkpoint(uri: str | os.PathLike[str]) -> dict[str, Any]:
    """The payload of a checkpoint file (local or s3://), loaded with `weights_only=True`.

    `uri` may name the checkpoint folder or the `checkpoint.pt` file inside it.
    """
    uri = os.fspath(uri)
    fs = filesystem(uri)
    if fs.isdir(uri):
        uri = uri.rstrip("/") + "/" + CHECKPOINT_FILE
    if not fs.exists(uri):
        raise FileNotFoundError(f"{uri}: no such checkpoint")
    if is_remote(uri):
        with fs.open(uri, "rb") as handle:
            data: Any = io.BytesIO(handle.read())
    else:
        data = uri
    try:
        payload = torch.load(data, map_location="cpu", weights_only=True)
    except Exception as error:
        raise ValueError(
            f"{uri}: not a readable stsnet checkpoint ({type(error).__name__}: {error})"
        ) from None
    if not isinstance(payload, dict) or "config" not in payload or "state_dict" not in payload:
        raise ValueError(f"{uri}: not an stsnet checkpoint (expected keys 'config' and 'state_dict')")
    return payload


def read_progress(folder: str) -> dict[str, Any]:
    """The `progress.json` of a checkpoint folder (local or s3://)."""
    path = folder.rstrip("/") + "/" + PROGRESS_FILE
    with filesystem(path).open(path) as handle:
        return json.load(handle)


def parameter_digest(model: torch.nn.Module) -> str:
    """A digest of the trainable parameters: equal on every DDP replica that stayed in step.

    Buffers (BatchNorm statistics) are left out: DDP broadcasts them from rank 0 before each forward,
    so after the last step they differ between replicas by design.
    """
    digest = hashlib.sha256()
    for name, parameter in sorted(model.named_parameters()):
        digest.update(name.encode())
        digest.update(parameter.detach().float().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()[:16]
