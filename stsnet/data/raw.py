"""Raw inputs: where a source's files come from (folder, .zip, s3:// prefix, generator) and their fingerprint.

The fingerprint is computed before anything is copied, so an unchanged dataset is recognised
without downloading it: local files by content (SHA-256), S3 objects by ETag and size.
"""

from __future__ import annotations

import hashlib
import posixpath
from pathlib import Path

from stsnet.config.data import DatasetSettings
from stsnet.data.archive import extract_zip
from stsnet.data.sources import get_source
from stsnet.data.sources.base import IGNORED_NAMES
from stsnet.storage import download, filesystem, is_remote

CHUNK = 1 << 22


def raw_fingerprint(settings: DatasetSettings) -> str:
    """A digest of the raw input files (names and contents); synthetic sources have none."""
    if hasattr(get_source(settings.name), "generate"):
        return "generated"
    uri = str(settings.source)
    digest = hashlib.sha256()
    if is_remote(uri):
        fs = filesystem(uri)
        if not fs.exists(uri):
            raise FileNotFoundError(f"{uri}: no such object or prefix")
        listing = fs.find(uri, detail=True) if fs.isdir(uri) else {uri: fs.info(uri)}
        for name, info in sorted(listing.items()):
            relative = posixpath.relpath(name, uri.removeprefix("s3://")) if len(listing) > 1 else ""
            digest.update(f"{relative}\0{info.get('size')}\0{info.get('ETag', '')}\n".encode())
        return digest.hexdigest()
    path = Path(uri)
    if not path.exists():
        raise FileNotFoundError(f"{path}: dataset source not found")
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for file in files:
        digest.update(f"{file.relative_to(path) if path.is_dir() else file.name}\0".encode())
        with open(file, "rb") as handle:
            while block := handle.read(CHUNK):
                digest.update(block)
    return digest.hexdigest()


def materialise(settings: DatasetSettings, workdir: Path) -> Path:
    """A local folder holding the raw dataset as its download unpacks, created under `workdir` if needed."""
    source = get_source(settings.name)
    if hasattr(source, "generate"):
        root = workdir / "generated"
        source.generate(root, settings)
        return root
    uri = str(settings.source)
    if is_remote(uri):
        local = download(uri, workdir / ("download.zip" if uri.endswith(".zip") else "download"))
    else:
        local = Path(uri)
    if local.is_file():
        if local.suffix.lower() != ".zip":
            raise ValueError(f"{uri}: a dataset source must be a folder, a .zip or an s3:// prefix")
        local = extract_zip(local, workdir / "extracted")
    return unwrap(local)


def unwrap(root: Path) -> Path:
    """Descend through a single wrapping folder (`Dataset_BUSI_with_GT/…`), as archives often have."""
    while True:
        entries = [p for p in root.iterdir() if p.name not in IGNORED_NAMES and not p.name.startswith(".")]
        if len(entries) != 1 or not entries[0].is_dir() or entries[0].name in _LAYOUT_FOLDERS:
            return root
        root = entries[0]


# Folders that are part of a layout themselves, never a wrapper to descend through.
_LAYOUT_FOLDERS = {"images", "masks", "imagesTr", "labelsTr", "benign", "malignant", "normal"}
