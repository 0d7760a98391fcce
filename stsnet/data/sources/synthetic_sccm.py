"""Synthetic SCCM-2022-like T2 volumes, written in the Decathlon/nnU-Net layout first."""

from __future__ import annotations

from pathlib import Path

from stsnet.config.data import DatasetSettings
from stsnet.data.sources import sccm2022
from stsnet.data.sources.base import CaseRef
from stsnet.data.sources.synthetic import SyntheticVolumeSpec, write_synthetic_volumes


def volume_spec(settings: DatasetSettings) -> SyntheticVolumeSpec:
    """The generator's spec for `settings`: count, seed and the lesion-size multiplier."""
    low, high = SyntheticVolumeSpec.volume_fraction
    scale = settings.synthetic_lesion_scale
    return SyntheticVolumeSpec(
        count=settings.synthetic_count, seed=settings.seed, volume_fraction=(low * scale, high * scale)
    )


def generate(root: Path, settings: DatasetSettings) -> None:
    write_synthetic_volumes(root, volume_spec(settings))


def list_cases(root: Path, settings: DatasetSettings) -> list[CaseRef]:
    return sccm2022.list_cases(root, settings)
