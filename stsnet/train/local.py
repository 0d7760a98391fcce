"""The single-process side of a worker: no DDP, checkpoints in `<storage>/<run name>/epoch-NNNN/`.

Mirrors what Ray Train does with a run folder, so tests and small jobs need no Ray: the same run
name resumes from its latest checkpoint, and only the best and the latest few checkpoints are kept.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any, TextIO

import torch
from torch.utils.data import DataLoader

from stsnet.storage import filesystem, is_remote, join, upload_folder
from stsnet.train.checkpoints import PROGRESS_FILE, load_checkpoint, write_checkpoint

INDEX_FILE = "checkpoints.json"


class LocalSession:
    """One process, rank 0 of 1; checkpoints go to `run_dir` (local or s3://)."""

    rank = 0
    world_size = 1

    def __init__(self, run_dir: str, keep: int = 2) -> None:
        self.run_dir, self.keep = run_dir, keep

    def progress_stream(self) -> TextIO:
        return sys.stdout

    def device(self) -> torch.device | None:
        return None

    def index(self) -> list[dict[str, Any]]:
        """Kept checkpoints in epoch order: {"dir", "epoch", "score"}."""
        path = join(self.run_dir, INDEX_FILE)
        fs = filesystem(path)
        if not fs.exists(path):
            return []
        with fs.open(path) as handle:
            return json.load(handle)

    def latest_payload(self) -> dict[str, Any] | None:
        kept = self.index()
        return load_checkpoint(join(self.run_dir, kept[-1]["dir"])) if kept else None

    def wrap_model(self, model: torch.nn.Module) -> torch.nn.Module:
        return model

    def wrap_loader(self, loader: DataLoader) -> DataLoader:
        return loader

    def all_digests(self, digest: str) -> list[str]:
        return [digest]

    def report(self, metrics: dict[str, Any], payload: dict[str, Any] | None, progress: dict) -> None:
        """Write the checkpoint, then the index naming it (the index is the commit point)."""
        assert payload is not None, "a single process is rank 0 and always has the payload"
        name = f"epoch-{metrics['epoch']:04d}"
        with tempfile.TemporaryDirectory(prefix="stsnet-ckpt-") as scratch:
            folder = Path(scratch) / name
            write_checkpoint(folder, payload, progress)
            self._publish(folder, join(self.run_dir, name))
        kept = [c for c in self.index() if c["dir"] != name]
        kept.append({"dir": name, "epoch": metrics["epoch"], "score": metrics["score"]})
        dropped = _to_drop(kept, self.keep)
        self._write_index([c for c in kept if c not in dropped])
        for entry in dropped:
            filesystem(self.run_dir).rm(join(self.run_dir, entry["dir"]), recursive=True)

    def _publish(self, folder: Path, destination: str) -> None:
        if is_remote(destination):
            upload_folder(folder, destination, last=PROGRESS_FILE)
            return
        target = Path(destination)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            shutil.rmtree(target)
        shutil.move(str(folder), target)

    def _write_index(self, kept: list[dict[str, Any]]) -> None:
        path = join(self.run_dir, INDEX_FILE)
        text = json.dumps(kept, indent=2)
        if is_remote(path):
            with filesystem(path).open(path, "w") as handle:
                handle.write(text)
            return
        tmp = Path(path + ".tmp")
        tmp.write_text(text)
        tmp.replace(path)


def _to_drop(kept: list[dict[str, Any]], keep: int) -> list[dict[str, Any]]:
    """Beyond `keep`, the lowest-scoring checkpoints go; the latest and the best always stay."""
    latest = kept[-1]
    ranked = sorted(kept, key=lambda c: c["score"], reverse=True)
    survivors = {latest["dir"], ranked[0]["dir"]}
    for entry in ranked:
        if len(survivors) >= keep:
            break
        survivors.add(entry["dir"])
    return [c for c in kept if c["dir"] not in survivors]
