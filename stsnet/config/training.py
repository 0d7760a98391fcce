"""Settings of the training loop; defaults are the paper's "Implementation details"."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class TrainingSettings(BaseModel):
    """Optimiser, schedule, loss and numerics of one training run."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    epochs: int = Field(100, ge=1, le=10_000, description="Training epochs (paper: 100).")
    batch_size: int = Field(4, ge=1, le=1024, description="Images per step and worker (paper: 4).")
    lr: float = Field(1e-4, gt=0, le=1.0, description="AdamW learning rate (paper: 1e-4).")
    weight_decay: float = Field(1e-2, ge=0, le=1.0, description="AdamW weight decay (torch default).")
    loss: str = Field("ce", description="Loss name: 'ce' (paper), 'dice_ce', or a baseline's original loss.")
    seed: int = Field(2021, ge=0, description="Seed of weights, sampling and augmentation (paper: 2021).")
    mixed_precision: bool = Field(
        True, description="bf16/fp16 autocast where the hardware supports it; off gives plain fp32."
    )
    channels_last: bool = Field(True, description="Channels-last memory format (faster convolutions).")
    max_steps_per_epoch: int | None = Field(
        None, ge=1, description="Cap on steps per epoch, for smoke runs; None trains on every batch."
    )
    selection_metric: Literal["mdice", "miou", "jaccard", "recall", "precision"] = Field(
        "mdice", description="Validation metric (paper protocol) that picks the best checkpoint."
    )
    loader_workers: int = Field(0, ge=0, le=64, description="DataLoader worker processes per trainer.")

    @field_validator("loss")
    @classmethod
    def _known_loss(cls, name: str) -> str:
        from stsnet.losses import list_losses

        if name not in list_losses():
            raise ValueError(f"unknown loss {name!r}; known losses: {', '.join(list_losses())}")
        return name
