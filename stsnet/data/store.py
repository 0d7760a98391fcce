"""The prepared-dataset store: immutable, content-addressed, written atomically, memory-mappable.

A store is a folder `<data root>/prepared/<dataset>-<fingerprint>/` where the fingerprint hashes
the raw inputs and every setting that shaped the samples. It holds, per split S in train/val/test:
`S.images.npy` (N×3×side×side uint8) and `S.masks.npy` (N×side×side uint8); `manifest.jsonl`
(one row per sample, see `ManifestRow`); `references/CASE.nii.gz` (each volume's labels on its
original grid, for `reassemble_volume` and 3D evaluation); and `info.json`, written last.

Locally the store is built under a temporary name and renamed into place; on S3, which has no
rename, `info.json` is uploaded after everything else and marks a complete store. Any error
removes what was written.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import shutil
import tempfile
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypedDict

import numpy as np
import torch

from stsnet.config.data import AmplificationSettings, DatasetSettings
from stsnet.data.amplify import Thresholds, plan_amplification, resolve_thresholds, run_operations
from stsnet.data.convert import ConvertedCase, convert_case
from stsnet.data.raw import materialise, raw_fingerprint
from stsnet.data.sources import get_source
from stsnet.data.split import SPLITS, assign_splits
from stsnet.metrics import lesion_size_bucket
from stsnet.paths import data_root, local_cache_root
from stsnet.storage import download, exists, filesystem, is_remote, join, upload_folder

FORMAT_VERSION = 1
INFO_FILE = "info.json"
MANIFEST_FILE = "manifest.jsonl"
CHANNELS = 3


class ManifestRow(TypedDict):
    """One sample: `index` is its row in the split's arrays; `slice` is None for 2D images.

    Provenance: `operation` is "original" or the amplification that made it, `source` the train
    row it was made from (None for originals).
    """

    split: str
    index: int
    case: str
    group: str
    slice: int | None
    lesion_pixels: int
    size_bucket: str
    operation: str
    source: int | None


@dataclass(frozen=True)
class PreparedDataset:
    """An opened store; `path` is local (a cached copy for s3:// stores), so arrays memory-map."""

    location: str
    path: Path
    info: dict[str, Any]

    def arrays(self, split: str) -> tuple[np.ndarray, np.ndarray]:
        """(images N×3×H×W, masks N×H×W) of `split`, memory-mapped read-only."""
        if split not in SPLITS:
            raise ValueError(f"unknown split {split!r}; expected one of {', '.join(SPLITS)}")
        return (
            np.load(self.path / f"{split}.images.npy", mmap_mode="r"),
            np.load(self.path / f"{split}.masks.npy", mmap_mode="r"),
        )

    def manifest(self, split: str | None = None) -> list[ManifestRow]:
        """The manifest rows, of one split or all, in array order."""
        with open(self.path / MANIFEST_FILE) as handle:
            rows = [json.loads(line) for line in handle]
        return [r for r in rows if split is None or r["split"] == split]

    def reference(self, case_id: str):
        """The original label volume of a 3D case (shape, affine, header of the raw NIfTI)."""
        import nibabel as nib

        path = self.path / "references" / f"{case_id}.nii.gz"
        if not path.exists():
            raise FileNotFoundError(f"{path}: no reference volume (is {case_id!r} a 3D case of this store?)")
        return nib.load(path)


@dataclass
class Preparation:
    """What `prepare_dataset` did: the store, whether it already existed, and its summary."""

    dataset: PreparedDataset
    reused: bool
    summary: dict[str, Any] = field(default_factory=dict)


def store_fingerprint(
    dataset: DatasetSettings, amplification: AmplificationSettings, raw: str, code_version: str = ""
) -> str:
    """The digest naming a store: raw inputs, every setting, the store format (and the code, if given)."""
    payload = {
        "format": FORMAT_VERSION,
        "raw": raw,
        "dataset": dataset.model_dump(mode="json"),
        "amplification": amplification.model_dump(mode="json"),
    }
    if code_version:
        payload["code"] = code_version
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def prepare_dataset(
    dataset: DatasetSettings,
    amplification: AmplificationSettings | None = None,
    root: str | os.PathLike[str] | None = None,
    workers: int | None = None,
    raw_root: Path | None = None,
    raw: str | None = None,
    code_version: str = "",
) -> Preparation:
    """Read, convert, split and amplify `dataset` into a store under `root` (or reuse an identical one).

    `raw_root`/`raw` give an already materialised raw folder and its fingerprint (see
    `stsnet.data.stages.ingest`); `code_version` names the code that builds the store.
    """
    amplification = amplification or AmplificationSettings()
    fingerprint = store_fingerprint(dataset, amplification, raw or raw_fingerprint(dataset), code_version)
    location = join(data_root(root), "prepared", f"{dataset.name}-{fingerprint[:16]}")
    if exists(join(location, INFO_FILE)):
        opened = open_prepared(location)
        return Preparation(opened, True, opened.info["summary"])
    scratch_parent = Path(local_cache_root(root))
    scratch_parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=scratch_parent, prefix="prepare-") as scratch:
        build = _build_folder(location, Path(scratch))
        try:
            info = _build(dataset, amplification, fingerprint, Path(scratch), build, workers, raw_root)
            _publish(build, location)
        except BaseException:
            shutil.rmtree(build, ignore_errors=True)
            if is_remote(location) and filesystem(location).exists(location):
                filesystem(location).rm(location, recursive=True)
            raise
    return Preparation(open_prepared(location), False, info["summary"])


def open_prepared(
    location: str | os.PathLike[str], root: str | os.PathLike[str] | None = None
) -> PreparedDataset:
    """Open a complete store; an s3:// store is copied once to the local cache to be memory-mapped."""
    location = os.fspath(location)
    if not exists(join(location, INFO_FILE)):
        raise FileNotFoundError(f"{location}: not a complete prepared dataset (no {INFO_FILE})")
    path = Path(location)
    if is_remote(location):
        path = Path(local_cache_root(root)) / "stores" / location.rstrip("/").rsplit("/", 1)[-1]
        if not (path / INFO_FILE).exists():
            partial = path.with_name(f".{path.name}-{uuid.uuid4().hex}")
            download(location, partial)
            _rename_into_place(partial, path)
    info = json.loads((path / INFO_FILE).read_text())
    return PreparedDataset(location, path, info)


def _build_folder(location: str, scratch: Path) -> Path:
    """Where the store is assembled: beside its final place (local), or in the scratch folder (S3)."""
    if is_remote(location):
        return scratch / "store"
    final = Path(location)
    final.parent.mkdir(parents=True, exist_ok=True)
    return final.with_name(f".{final.name}-{uuid.uuid4().hex}")


def _publish(build: Path, location: str) -> None:
    if is_remote(location):
        upload_folder(build, location, last=INFO_FILE)
        shutil.rmtree(build)
    else:
        _rename_into_place(build, Path(location))


def _rename_into_place(built: Path, final: Path) -> None:
    """Atomic rename; when another process won the race, its identical store is kept."""
    try:
        os.rename(built, final)
    except OSError:
        if not (final / INFO_FILE).exists():
            raise
        shutil.rmtree(built)


def _build(
    dataset: DatasetSettings,
    amplification: AmplificationSettings,
    fingerprint: str,
    scratch: Path,
    build: Path,
    workers: int | None,
    raw_root: Path | None = None,
) -> dict[str, Any]:
    raw_root = raw_root or materialise(dataset, scratch)
    refs = get_source(dataset.name).list_cases(raw_root, dataset)
    parts = build / "parts"
    parts.mkdir(parents=True)
    with worker_pool(workers, len(refs)) as pool:
        converted = list(
            pool.map(convert_case, refs, [dataset] * len(refs), [parts] * len(refs), range(len(refs)))
        )
        kept = [c for c in converted if c.skipped is None]
        repeated = [name for name, n in Counter(c.case_id for c in kept).items() if n > 1]
        if repeated:
            raise ValueError(f"{dataset.source}: case names occur twice: {', '.join(repeated[:5])}")
        if not kept:
            raise ValueError(
                f"{dataset.source or dataset.name}: every case was skipped ({converted[0].skipped})"
            )
        splits = assign_splits(
            [c.group for c in kept],
            [c.split for c in kept],
            dataset.test_fraction,
            dataset.val_fraction,
            dataset.seed,
        )
        rows: list[ManifestRow] = []
        thresholds, added = None, 0
        for split in SPLITS:
            members = [c for c, s in zip(kept, splits, strict=True) if s == split]
            split_rows = _original_rows(members, split)
            operations = []
            if split == "train" and amplification.method != "none" and split_rows:
                pixels = np.array([r["lesion_pixels"] for r in split_rows], dtype=np.int64)
                centres = np.array([centre for c in members for centre in c.centres], dtype=np.float64)
                thresholds = resolve_thresholds(amplification, pixels)
                operations = plan_amplification(
                    pixels, centres, dataset.resolved_size, amplification, thresholds
                )
            _write_split(build, split, members, dataset.resolved_size, len(split_rows) + len(operations))
            split_rows += _amplify(build, split_rows, operations, pool)
            added += len(operations)
            rows += split_rows
    _move_references(parts, build / "references", kept)
    shutil.rmtree(parts)
    summary = _summary(converted, kept, splits, rows, thresholds, added, dataset)
    info = {
        "format": FORMAT_VERSION,
        "fingerprint": fingerprint,
        "dataset": dataset.model_dump(mode="json"),
        "amplification": amplification.model_dump(mode="json"),
        "side": dataset.resolved_size,
        "channels": CHANNELS,
        "summary": summary,
    }
    with open(build / MANIFEST_FILE, "w") as handle:
        handle.writelines(json.dumps(row) + "\n" for row in rows)
    (build / INFO_FILE).write_text(json.dumps(info, indent=2))
    return info


class _InlineExecutor(Executor):
    """Runs `map` in this process: one case or one worker needs no pool."""

    def map(self, fn: Callable, *iterables: Iterable, **_: Any):  # type: ignore[override]
        return map(fn, *iterables)


def worker_pool(workers: int | None, tasks: int) -> Executor:
    count = min(workers or os.cpu_count() or 1, tasks)
    if count <= 1:
        return _InlineExecutor()
    # fork: workers inherit the imported modules instead of importing torch again.
    context = multiprocessing.get_context("fork")
    return ProcessPoolExecutor(count, mp_context=context, initializer=_single_threaded_worker)


def _single_threaded_worker() -> None:
    """One torch thread per worker process, as in DataLoader workers: the pool already fills the cores,
    and a forked process must not enter the parent's OpenMP thread pool."""
    torch.set_num_threads(1)


def _original_rows(members: Sequence[ConvertedCase], split: str) -> list[ManifestRow]:
    rows: list[ManifestRow] = []
    for case in members:
        for slice_index, pixels in zip(case.slices, case.lesion_pixels, strict=True):
            rows.append(
                _row(split, len(rows), case.case_id, case.group, slice_index, pixels, "original", None)
            )
    return rows


def _row(split, index, case, group, slice_index, pixels, operation, source) -> ManifestRow:
    return ManifestRow(
        split=split,
        index=index,
        case=case,
        group=group,
        slice=slice_index,
        lesion_pixels=int(pixels),
        size_bucket="",
        operation=operation,
        source=source,
    )


def allocate_split(build: Path, split: str, total: int, side: int) -> tuple[np.ndarray, np.ndarray]:
    """The split's image and mask files for `total` rows, memory-mapped for writing."""
    images = np.lib.format.open_memmap(
        build / f"{split}.images.npy", mode="w+", dtype=np.uint8, shape=(total, CHANNELS, side, side)
    )
    masks = np.lib.format.open_memmap(
        build / f"{split}.masks.npy", mode="w+", dtype=np.uint8, shape=(total, side, side)
    )
    return images, masks


def _write_split(build: Path, split: str, members: Sequence[ConvertedCase], side: int, total: int) -> None:
    """Allocate the split's arrays for `total` rows and copy the converted cases into the first rows."""
    images, masks = allocate_split(build, split, total, side)
    row = 0
    for case in members:
        part_images = np.load(case.part + ".images.npy", mmap_mode="r")
        images[row : row + len(part_images)] = part_images
        masks[row : row + len(part_images)] = np.load(case.part + ".masks.npy", mmap_mode="r")
        row += len(part_images)
    images.flush()
    masks.flush()
    del images, masks


def _amplify(build: Path, rows: list[ManifestRow], operations: list, pool: Executor) -> list[ManifestRow]:
    """Run `operations` in chunks across the pool, into the rows after the originals; their manifest rows."""
    if not operations:
        return []
    first = len(rows)
    chunk = max(len(operations) // 8, 1)
    starts = list(range(0, len(operations), chunk))
    images_path, masks_path = str(build / "train.images.npy"), str(build / "train.masks.npy")
    list(
        pool.map(
            _amplify_chunk,
            [images_path] * len(starts),
            [masks_path] * len(starts),
            [operations[s : s + chunk] for s in starts],
            [first + s for s in starts],
        )
    )
    masks = np.load(masks_path, mmap_mode="r")
    pixels = (masks[first:] > 0).sum(axis=(1, 2))
    return [
        _row(
            "train",
            first + i,
            rows[op.source]["case"],
            rows[op.source]["group"],
            rows[op.source]["slice"],
            pixels[i],
            op.name,
            op.source,
        )
        for i, op in enumerate(operations)
    ]


def _amplify_chunk(images_path: str, masks_path: str, operations: list, first_row: int) -> None:
    images = np.load(images_path, mmap_mode="r+")
    masks = np.load(masks_path, mmap_mode="r+")
    run_operations(images, masks, operations, first_row)
    images.flush()
    masks.flush()


def _move_references(parts: Path, destination: Path, kept: Sequence[ConvertedCase]) -> None:
    for case in kept:
        reference = Path(case.part + ".reference.nii.gz")
        if reference.exists():
            destination.mkdir(exist_ok=True)
            os.replace(reference, destination / f"{case.case_id}.nii.gz")


def _summary(
    converted: Sequence[ConvertedCase],
    kept: Sequence[ConvertedCase],
    splits: Sequence[str],
    rows: list[ManifestRow],
    thresholds: Thresholds | None,
    added: int,
    dataset: DatasetSettings,
) -> dict[str, Any]:
    side = dataset.resolved_size
    for row in rows:
        row["size_bucket"] = lesion_size_bucket(row["lesion_pixels"] / (side * side))
    cases = Counter(splits)
    return {
        "dataset": dataset.name,
        "side": side,
        "volumes": any(c.volume for c in kept),
        "cases": {s: cases.get(s, 0) for s in SPLITS},
        "samples": {
            s: sum(1 for r in rows if r["split"] == s and r["operation"] == "original") for s in SPLITS
        },
        "size_buckets": {
            s: dict(
                Counter(r["size_bucket"] for r in rows if r["split"] == s and r["operation"] == "original")
            )
            for s in SPLITS
        },
        "amplification": {"thresholds": asdict(thresholds) if thresholds else None, "added": added},
        "skipped": [{"case": c.case_id, "reason": c.skipped} for c in converted if c.skipped],
    }
