"""Cache policies and result storage shared by the tasks.

A task's cache key is its inputs (upstream results carry their fingerprints), its own source
(`TASK_SOURCE`), and a digest of the `stsnet` source files it runs (`StsnetCode`): Prefect sees only
the task's text, so without the digest a change inside `stsnet` would be served from a stale cache.
Results are persisted under `<data root>/prefect-results` (local or s3://), so the cache survives a
restart and is shared by every machine that sees the data root.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prefect.cache_policies import INPUTS, TASK_SOURCE, CachePolicy
from prefect.context import TaskRunContext
from prefect.filesystems import RemoteFileSystem

from stsnet.data.raw import raw_fingerprint
from stsnet.data.stages import PACKAGE_ROOT, source_digest
from stsnet.paths import data_root
from stsnet.storage import is_remote, join

# The package whose files are hashed; tests point it at a copy to simulate a code change.
SOURCE_ROOT: dict[str, Path] = {"stsnet": PACKAGE_ROOT}

# What each task runs, as globs relative to the `stsnet` package.
INGEST_CODE = ("data/raw.py", "data/archive.py", "data/sources/*.py", "storage.py")
CONVERT_CODE = (
    "data/convert.py",
    "data/slices.py",
    "data/split.py",
    "data/store.py",
    "data/resample.py",
    "data/io.py",
    "data/case.py",
    "data/sources/*.py",
)
AMPLIFY_CODE = ("data/amplify.py", "data/resample.py", "data/store.py", "data/stages.py")
TRAIN_CODE = ("train/*.py", "models/**/*.py", "losses.py", "data/dataset.py", "config/*.py")
EVALUATE_CODE = ("evaluate.py", "evaluate/**/*.py", "metrics.py", "inference.py")
REGISTER_CODE = ("tracking.py", "tracking/**/*.py")
PREDICT_CODE = ("predict.py", "predict/**/*.py", "inference.py")


def code_version(patterns: tuple[str, ...]) -> str:
    """The digest of the `stsnet` files matching `patterns` under the current source root."""
    return source_digest(patterns, SOURCE_ROOT["stsnet"])


@dataclass
class StsnetCode(CachePolicy):
    """Adds the digest of the `stsnet` source files a task depends on to its cache key."""

    patterns: tuple[str, ...] = field(default_factory=tuple)

    def compute_key(
        self,
        task_ctx: TaskRunContext,
        inputs: dict[str, Any],
        flow_parameters: dict[str, Any],
        **kwargs: Any,
    ) -> str | None:
        return code_version(self.patterns)


@dataclass
class RawFiles(CachePolicy):
    """Adds the fingerprint of the raw dataset files (content, or S3 ETags) to the cache key."""

    def compute_key(
        self,
        task_ctx: TaskRunContext,
        inputs: dict[str, Any],
        flow_parameters: dict[str, Any],
        **kwargs: Any,
    ) -> str | None:
        return raw_fingerprint(inputs["dataset"])


def code_policy(patterns: tuple[str, ...]) -> CachePolicy:
    """Inputs + the task's text + the `stsnet` code it runs."""
    return INPUTS + TASK_SOURCE + StsnetCode(patterns=patterns)


def results_location(root: str | os.PathLike[str] | None = None) -> str:
    """Where task results (and so the cache) live: `<data root>/prefect-results`."""
    location = join(data_root(root), "prefect-results")
    return location if is_remote(location) else os.path.abspath(location)


def result_storage(root: str | os.PathLike[str] | None = None) -> Path | RemoteFileSystem:
    """Where tasks persist results: a local path, or a saved file-system block for s3:// roots.

    Prefect accepts an unsaved location only as a `Path`; a remote one becomes a `RemoteFileSystem`
    block saved under a name derived from the location (credentials come from the environment).
    """
    location = results_location(root)
    if not is_remote(location):
        return Path(location)
    block = RemoteFileSystem(basepath=location)
    name = "stsnet-results-" + hashlib.sha256(location.encode()).hexdigest()[:12]
    block.save(name, overwrite=True)
    return block
