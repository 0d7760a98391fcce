"""The store's preparation as three separate, individually cacheable stages: ingest → convert → amplify.

`prepare_dataset` does all three in one call. An orchestrator that caches each step on its own
(changing the amplification must not convert the volumes again) calls these instead:

- `ingest`: the raw dataset as a local folder, and the fingerprint of its files;
- `convert_slices`: that folder → a store without amplification (2.5D slices for volumes);
- `amplify`: a converted store → a new store whose training split holds the amplified copies.

Each stage returns a small, JSON-able `StageOutput` whose fingerprint names its result; the next
stage's fingerprint hashes it, so a change anywhere upstream renames everything downstream. An
optional `code_version` (a digest of the code a stage runs, see `source_digest`) enters the
fingerprints too, so results made by different code never share a name.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict

from stsnet.config.data import AmplificationSettings, DatasetSettings
from stsnet.data.amplify import lesion_centre, plan_amplification, resolve_thresholds
from stsnet.data.raw import materialise, raw_fingerprint
from stsnet.data.split import SPLITS
from stsnet.data.store import (
    FORMAT_VERSION,
    INFO_FILE,
    MANIFEST_FILE,
    ManifestRow,
    PreparedDataset,
    _amplify,
    _build_folder,
    _publish,
    _rename_into_place,
    allocate_split,
    open_prepared,
    prepare_dataset,
    worker_pool,
)
from stsnet.metrics import lesion_size_bucket
from stsnet.paths import data_root, local_cache_root
from stsnet.storage import exists, is_remote, join

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
NO_AMPLIFICATION = AmplificationSettings(method="none")


class StageOutput(BaseModel):
    """Where a stage's result lives and the fingerprint that names it."""

    model_config = ConfigDict(frozen=True)

    location: str
    fingerprint: str

    def present(self) -> bool:
        """Whether the result is still there (a raw folder, or a complete store)."""
        if self.location.startswith("raw:"):
            return Path(self.location.removeprefix("raw:")).is_dir()
        return exists(join(self.location, INFO_FILE))


def source_digest(patterns: Iterable[str], package_root: Path | None = None) -> str:
    """SHA-256 of the `stsnet` source files matching any of `patterns` (globs relative to the package)."""
    root = package_root or PACKAGE_ROOT
    files = sorted(
        {p for pattern in patterns for p in root.glob(pattern) if p.is_file() and p.suffix == ".py"}
    )
    if not files:
        raise FileNotFoundError(f"{root}: no source file matches any of {', '.join(patterns)}")
    digest = hashlib.sha256()
    for file in files:
        digest.update(f"{file.relative_to(root)}\0".encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


def ingest(dataset: DatasetSettings, root: str | os.PathLike[str] | None = None) -> StageOutput:
    """The raw dataset as a local folder (downloaded, extracted or generated once) and its fingerprint.

    A local folder source is used where it is; archives, s3:// sources and generated data land in
    `<local cache>/raw/<dataset>-<fingerprint>/`, written under a temporary name and renamed.
    """
    fingerprint = raw_fingerprint(dataset)
    if fingerprint == "generated":
        fingerprint = _digest({"generated": dataset.model_dump(mode="json")})
    source = Path(str(dataset.source)) if dataset.source else None
    if source is not None and not is_remote(str(source)) and source.is_dir():
        return StageOutput(location=f"raw:{materialise(dataset, source.parent)}", fingerprint=fingerprint)
    final = Path(local_cache_root(root)) / "raw" / f"{dataset.name}-{fingerprint[:16]}"
    if not (final / ".complete").exists():
        final.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=final.parent, prefix=".ingest-") as scratch:
            partial = Path(scratch) / "data"
            partial.mkdir()
            unpacked = materialise(dataset, partial)
            (unpacked / ".complete").write_text(fingerprint)
            if final.exists():
                shutil.rmtree(final)
            _rename_into_place(unpacked, final)
    return StageOutput(location=f"raw:{final}", fingerprint=fingerprint)


def convert_slices(
    dataset: DatasetSettings,
    raw: StageOutput,
    root: str | os.PathLike[str] | None = None,
    code_version: str = "",
    workers: int | None = None,
) -> StageOutput:
    """The ingested cases converted into a store (2.5D slices for volumes), without amplification."""
    prepared = prepare_dataset(
        dataset,
        NO_AMPLIFICATION,
        root=root,
        workers=workers,
        raw_root=Path(raw.location.removeprefix("raw:")),
        raw=raw.fingerprint,
        code_version=code_version,
    )
    return StageOutput(location=prepared.dataset.location, fingerprint=prepared.dataset.info["fingerprint"])


def amplify(
    converted: StageOutput,
    amplification: AmplificationSettings,
    root: str | os.PathLike[str] | None = None,
    code_version: str = "",
    workers: int | None = None,
) -> StageOutput:
    """A new store: `converted` with the amplified copies of its small-target training images added.

    Method 'none' returns `converted` itself. Validation and test splits are copied unchanged.
    """
    if amplification.method == "none":
        return converted
    fingerprint = _digest(
        {
            "format": FORMAT_VERSION,
            "converted": converted.fingerprint,
            "amplification": amplification.model_dump(mode="json"),
            "code": code_version,
        }
    )
    source = open_prepared(converted.location, root)
    name = source.info["dataset"]["name"]
    location = join(data_root(root), "prepared", f"{name}-{fingerprint[:16]}")
    if exists(join(location, INFO_FILE)):
        return StageOutput(location=location, fingerprint=fingerprint)
    scratch_parent = Path(local_cache_root(root))
    scratch_parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=scratch_parent, prefix="amplify-") as scratch:
        build = _build_folder(location, Path(scratch))
        try:
            _amplified_store(source, amplification, fingerprint, build, workers)
            _publish(build, location)
        except BaseException:
            shutil.rmtree(build, ignore_errors=True)
            raise
    return StageOutput(location=location, fingerprint=fingerprint)


def _amplified_store(
    source: PreparedDataset,
    amplification: AmplificationSettings,
    fingerprint: str,
    build: Path,
    workers: int | None,
) -> None:
    build.mkdir(parents=True)
    side = int(source.info["side"])
    for split in SPLITS:
        if split != "train":
            for suffix in ("images", "masks"):
                shutil.copyfile(source.path / f"{split}.{suffix}.npy", build / f"{split}.{suffix}.npy")
    train_rows = source.manifest("train")
    images, masks = source.arrays("train")
    pixels = np.array([r["lesion_pixels"] for r in train_rows], dtype=np.int64)
    centres = np.array([lesion_centre(m) for m in masks], dtype=np.float64).reshape(-1, 2)
    thresholds = resolve_thresholds(amplification, pixels) if len(train_rows) else None
    operations = plan_amplification(pixels, centres, side, amplification, thresholds) if thresholds else []
    total = len(train_rows) + len(operations)
    out_images, out_masks = allocate_split(build, "train", total, side)
    out_images[: len(train_rows)] = images
    out_masks[: len(train_rows)] = masks
    out_images.flush()
    out_masks.flush()
    del out_images, out_masks
    with worker_pool(workers, max(len(operations) // 64, 1)) as pool:
        added = _amplify(build, list(train_rows), operations, pool)
    for row in added:
        row["size_bucket"] = lesion_size_bucket(row["lesion_pixels"] / (side * side))
    rows: list[ManifestRow] = train_rows + added + source.manifest("val") + source.manifest("test")
    references = source.path / "references"
    if references.is_dir():
        shutil.copytree(references, build / "references")
    summary = dict(source.info["summary"])
    summary["amplification"] = {
        "thresholds": asdict(thresholds) if thresholds else None,
        "added": len(operations),
    }
    info = {
        **source.info,
        "fingerprint": fingerprint,
        "amplification": amplification.model_dump(mode="json"),
        "converted_from": source.info["fingerprint"],
        "summary": summary,
    }
    with open(build / MANIFEST_FILE, "w") as handle:
        handle.writelines(json.dumps(row) + "\n" for row in rows)
    (build / INFO_FILE).write_text(json.dumps(info, indent=2))


def _digest(payload: object) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def remove(output: StageOutput) -> None:
    """Delete a stage's result (tests and clean-ups); a raw source folder given by the user is kept."""
    if output.location.startswith("raw:"):
        path = Path(output.location.removeprefix("raw:"))
        if (path / ".complete").exists():
            shutil.rmtree(path)
        return
    if is_remote(output.location):
        from stsnet.storage import filesystem

        filesystem(output.location).rm(output.location, recursive=True)
    else:
        shutil.rmtree(output.location, ignore_errors=True)


__all__ = ["StageOutput", "amplify", "convert_slices", "ingest", "remove", "source_digest"]
