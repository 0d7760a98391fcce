"""Extracting `.zip` downloads without path traversal.

Every member is checked before anything is written: an absolute path, a drive letter, a `..`
component or a symbolic link refuses the whole archive, naming the member.
"""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path, PurePosixPath


def check_member(archive: Path | str, name: str, mode: int) -> None:
    """Refuse a member that would land outside the extraction folder."""
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or (path.parts and ":" in path.parts[0]):
        raise ValueError(
            f"{archive}: unsafe path {name!r} in archive (absolute or '..'); refusing to extract"
        )
    if stat.S_ISLNK(mode):
        raise ValueError(f"{archive}: symbolic link {name!r} in archive; refusing to extract")


def extract_zip(archive: Path, destination: Path) -> Path:
    """Extract `archive` into `destination` after checking every member; returns `destination`."""
    try:
        with zipfile.ZipFile(archive) as bundle:
            members = bundle.infolist()
            for member in members:
                check_member(archive, member.filename, member.external_attr >> 16)
            destination.mkdir(parents=True, exist_ok=True)
            bundle.extractall(destination, members)
    except zipfile.BadZipFile as error:
        raise ValueError(f"{archive}: not a readable zip archive ({error})") from error
    return destination
