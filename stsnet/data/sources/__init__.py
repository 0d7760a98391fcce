"""Dataset sources: one module each, registered here by name.

A source module has `list_cases(root, settings) -> list[CaseRef]` (pairing checked), and may have
`skip_reason(case, settings)` (a documented filter, e.g. BUID-S's lesion size) and
`generate(root, settings)` (synthetic sources write their raw files first).
"""

from __future__ import annotations

import importlib
from types import ModuleType

SOURCES: dict[str, str] = {
    "sccm2022": "stsnet.data.sources.sccm2022",
    "buid-s": "stsnet.data.sources.buid_s",
    "isic2017": "stsnet.data.sources.isic2017",
    "lungs-ct": "stsnet.data.sources.lungs_ct",
    "folder": "stsnet.data.sources.folder",
    "synthetic-2d": "stsnet.data.sources.synthetic_2d",
    "synthetic-sccm": "stsnet.data.sources.synthetic_sccm",
}


def list_sources() -> list[str]:
    return list(SOURCES)


def get_source(name: str) -> ModuleType:
    """The source module registered as `name`."""
    if name not in SOURCES:
        raise ValueError(f"unknown dataset source {name!r}; known: {', '.join(SOURCES)}")
    return importlib.import_module(SOURCES[name])
