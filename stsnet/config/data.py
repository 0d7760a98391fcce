"""Settings of dataset preparation and of the amplification blocks; defaults are the paper's."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SourceName = Literal["sccm2022", "buid-s", "isic2017", "lungs-ct", "folder", "synthetic-2d", "synthetic-sccm"]
AmplificationMethod = Literal["none", "method1", "method2", "method3", "method4"]

# Input side used in the paper: 480 for SCCM-2022 (and volumes in general), 512 for the 2D datasets.
PAPER_SIZES: dict[str, int] = {"sccm2022": 480, "synthetic-sccm": 480}
PAPER_SIZE_2D = 512


class DatasetSettings(BaseModel):
    """Which dataset to read, from where, and how to turn it into 2D/2.5D training samples."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: SourceName = Field("synthetic-2d", description="Dataset source (see `stsnet prepare --help`).")
    source: str | None = Field(
        None, description="Raw data: local folder, .zip, or s3:// prefix; unused by synthetic sources."
    )
    size: int | None = Field(
        None,
        ge=32,
        le=2048,
        multiple_of=8,
        description="Image side in pixels; None = paper (480 3D, 512 2D).",
    )
    test_fraction: float = Field(
        0.1, ge=0.0, lt=1.0, description="Cases held out for test when the source has no official split."
    )
    val_fraction: float = Field(
        0.1, ge=0.0, lt=1.0, description="Training cases (by case) set aside to pick the best checkpoint."
    )
    seed: int = Field(2021, ge=0, description="Seed of the case splits (paper: 2021).")
    conversion: Literal["stack3", "sum_tiled"] = Field(
        "stack3",
        description="3D→2.5D: 'stack3' = slice + neighbours as channels (paper); 'sum_tiled' = released.",
    )
    multiclass: bool = Field(
        False,
        description="Keep label values (volumes, and 2D masks of class indices 0..255); off binarises "
        "(any non-zero).",
    )
    max_lesion_fraction: float = Field(
        0.055, gt=0.0, le=1.0, description="BUID-S: keep BUSI images whose lesion covers less than this."
    )
    keep_normal: bool = Field(False, description="BUID-S: keep BUSI 'normal' images (empty masks).")
    image_glob: str = Field("images/*.png", description="Lungs CT: images relative to the source root.")
    mask_glob: str = Field("masks/*.png", description="Lungs CT: masks, matched to images by file stem.")
    synthetic_count: int = Field(64, ge=2, le=100_000, description="Synthetic sources: number of cases.")
    synthetic_lesion_scale: float = Field(
        1.0,
        ge=1.0,
        le=1000.0,
        description="Synthetic volumes: lesion volume multiplier (1 = SCCM-2022's 0.002-0.03 %; larger "
        "lesions let a short CPU demo show learning).",
    )

    @property
    def resolved_size(self) -> int:
        """The configured size, or the paper's for this dataset."""
        return self.size or PAPER_SIZES.get(self.name, PAPER_SIZE_2D)

    @model_validator(mode="after")
    def _source_given(self) -> DatasetSettings:
        if self.source is None and not self.name.startswith("synthetic"):
            raise ValueError(f"dataset {self.name!r} needs `source` (a folder, .zip or s3:// prefix)")
        return self


class AmplificationSettings(BaseModel):
    """The paper's amplification blocks (Table 7), applied to the training split only."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    method: AmplificationMethod = Field("method4", description="Table 7 method; 'none' turns it off.")
    thresholds: Literal["auto", "fixed"] = Field(
        "auto", description="'auto': N1, N2 from training statistics (Eq. 1-2); 'fixed': n1/n2 below."
    )
    n1: int | None = Field(
        None, ge=1, description="Fixed N1 in pixels (paper: 2025 SCCM-2022, 2000 ISIC2017, 576 Lungs CT)."
    )
    n2: int | None = Field(None, ge=1, description="Fixed N2 in pixels; None = ceil(sqrt(N1/2))² (Eq. 2).")
    copies: int | None = Field(
        6, ge=2, description="Images a qualifying image becomes, itself included (paper: 6); None = all ops."
    )
    border: int = Field(50, ge=1, le=200, description="Crop border in pixels at 480 px, scaled with size.")
    second_round_scales: tuple[float, ...] = Field(
        (0.5, 1.5), description="Method 3/4: border scales of the second crop round below N2."
    )
    centre_half_size: tuple[int, int] = Field(
        (150, 160), description="Method 4: half-size range of the centre window at 480 px (released code)."
    )
    seed: int = Field(2021, ge=0, description="Seed of the random choices (crop sides, centre windows).")

    @model_validator(mode="after")
    def _fixed_needs_n1(self) -> AmplificationSettings:
        if self.thresholds == "fixed" and self.n1 is None:
            raise ValueError("amplification thresholds 'fixed' need n1 (e.g. 2025 for SCCM-2022)")
        if self.centre_half_size[0] > self.centre_half_size[1]:
            raise ValueError(f"centre_half_size {self.centre_half_size} must be (low, high)")
        return self
