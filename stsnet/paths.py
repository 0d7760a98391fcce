"""Where the pipeline keeps its files: one data root, local or s3://."""

from __future__ import annotations

import os

DEFAULT_DATA_ROOT = ".stsnet"


def data_root(override: str | os.PathLike[str] | None = None) -> str:
    """The data root: `override`, else `$STSNET_HOME`, else `./.stsnet` (relative to the working dir).

    Returned as a string so that `s3://bucket/prefix` roots pass through unchanged.
    """
    if override:
        return os.fspath(override)
    return os.environ.get("STSNET_HOME") or DEFAULT_DATA_ROOT


def local_cache_root(override: str | os.PathLike[str] | None = None) -> str:
    """A local folder for copies of remote data: under the data root when it is local, else `./.stsnet`."""
    root = data_root(override)
    return os.path.join(DEFAULT_DATA_ROOT if root.startswith("s3://") else root, "cache")
