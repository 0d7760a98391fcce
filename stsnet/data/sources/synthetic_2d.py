"""Synthetic 2D small-target images (the embedded default), written in the `folder` layout first."""

from __future__ import annotations

from pathlib import Path

from stsnet.config.data import DatasetSettings
from stsnet.data.sources import folder
from stsnet.data.sources.base import CaseRef
from stsnet.data.sources.synthetic import Synthetic2DSpec, write_synthetic_2d


def generate(root: Path, settings: DatasetSettings) -> None:
    """Write the images at the configured size, so preparing them resamples nothing."""
    side = settings.resolved_size
    write_synthetic_2d(
        root, Synthetic2DSpec(count=settings.synthetic_count, size=(side, side), seed=settings.seed)
    )


def list_cases(root: Path, settings: DatasetSettings) -> list[CaseRef]:
    return folder.list_cases(root, settings)
