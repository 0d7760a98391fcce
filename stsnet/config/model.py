"""Settings of the network to build."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

AttentionName = Literal["esca", "eca", "se", "cbam", "gct", "srm", "none"]


class ModelSettings(BaseModel):
    """Which registered model to build and how; the paper's STS-Net by default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field("sts-net", description="Registered model name (see `stsnet models`).")
    in_chans: int = Field(3, ge=1, le=64, description="Input channels (3 for 2.5D slices and RGB).")
    classes: int = Field(2, ge=1, le=256, description="Output classes (background + lesion = 2).")
    options: dict[str, Any] = Field(
        default_factory=dict,
        description="Model-specific options, e.g. {'attention': 'eca', 'esca_kernel': 'adaptive'}.",
    )

    @field_validator("name")
    @classmethod
    def _known_name(cls, name: str) -> str:
        from stsnet.models.registry import check_model_name

        return check_model_name(name)

    def build_kwargs(self) -> dict[str, Any]:
        """The keyword arguments `stsnet.create_model` receives."""
        return {"in_chans": self.in_chans, "classes": self.classes, **self.options}
