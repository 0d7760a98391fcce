"""Local paths and `s3://` URIs behind one small interface (fsspec/s3fs).

The S3 endpoint is taken from `AWS_ENDPOINT_URL_S3` or `AWS_ENDPOINT_URL` when set (MinIO, moto),
credentials from the usual AWS environment variables; nothing here logs them.
"""

from __future__ import annotations

import os
import posixpath
from pathlib import Path

import fsspec


def is_remote(uri: str | os.PathLike[str]) -> bool:
    return os.fspath(uri).startswith("s3://")


def filesystem(uri: str | os.PathLike[str]) -> fsspec.AbstractFileSystem:
    """The filesystem that serves `uri`: s3fs for `s3://`, the local one otherwise."""
    if not is_remote(uri):
        return fsspec.filesystem("file")
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    client_kwargs = {"endpoint_url": endpoint} if endpoint else {}
    # skip_instance_cache: each call sees the endpoint and credentials of the current environment.
    return fsspec.filesystem("s3", client_kwargs=client_kwargs, skip_instance_cache=True)


def join(uri: str | os.PathLike[str], *parts: str) -> str:
    """`uri`/`parts`, with `/` for remote URIs and the OS separator for local paths."""
    uri = os.fspath(uri)
    return posixpath.join(uri, *parts) if is_remote(uri) else os.path.join(uri, *parts)


def exists(uri: str | os.PathLike[str]) -> bool:
    return filesystem(uri).exists(os.fspath(uri))


def download(uri: str, destination: Path) -> Path:
    """Copy a remote file or prefix to `destination` (a folder for a prefix); returns the local path."""
    fs = filesystem(uri)
    if fs.isdir(uri):
        destination.mkdir(parents=True, exist_ok=True)
        fs.get(uri.rstrip("/") + "/", str(destination), recursive=True)
    else:
        destination.parent.mkdir(parents=True, exist_ok=True)
        fs.get(uri, str(destination))
    return destination


def upload_folder(folder: Path, uri: str, last: str | None = None) -> None:
    """Upload every file of `folder` under `uri`; the file named `last` goes up after all the others.

    S3 has no atomic rename, so readers treat `last` (a completion marker) as the sign of a whole
    upload.
    """
    fs = filesystem(uri)
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    ordered = [p for p in files if p.name != last] + [p for p in files if p.name == last]
    for path in ordered:
        fs.put_file(str(path), posixpath.join(uri, path.relative_to(folder).as_posix()))
