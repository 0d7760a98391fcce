"""Flow parameters: the `stsnet` settings models, with choices the Prefect UI shows as dropdowns.

`ModelSettings.name` is a free string checked against the model registry; here it becomes a
`Literal` of the registered names, so the run form offers a dropdown. Cross-field rules that a
form cannot check (does the source exist?) are in `check_parameters`, which every flow calls
before its first task.
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from stsnet.config import DatasetSettings, ModelSettings
from stsnet.models.registry import list_models
from stsnet.storage import exists

ModelName = Literal[tuple(list_models())]  # type: ignore[valid-type]


class ModelChoice(ModelSettings):
    """Which registered model to build and how; the paper's STS-Net by default."""

    model_config = ConfigDict(extra="forbid", frozen=True, from_attributes=True)

    name: ModelName = Field("sts-net", description="Registered model (see `stsnet models`).")  # type: ignore[valid-type]


def check_parameters(dataset: DatasetSettings) -> None:
    """Refuse what the form cannot: a dataset source that does not exist."""
    if dataset.source is not None and not dataset.name.startswith("synthetic") and not exists(dataset.source):
        raise ValueError(
            f"dataset.source: {dataset.source!r} does not exist (a folder, .zip or s3:// prefix expected)"
        )
