"""Settings of where and on how many workers training runs (Ray Train)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class ScalingSettings(BaseModel):
    """How many Ray Train workers, on which devices, and where their checkpoints live."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    num_workers: int = Field(1, ge=1, le=1024, description="Data-parallel training workers (DDP replicas).")
    use_gpu: bool | None = Field(None, description="One GPU per worker; None = when the cluster has GPUs.")
    cpus_per_worker: float | None = Field(
        None,
        gt=0,
        le=256,
        description="CPUs reserved per worker; None = sized to the cluster (never more than it has).",
    )
    storage_path: str | None = Field(
        None, description="Run folders and checkpoints: local path or s3://; None = <data root>/ray_results."
    )
    max_failures: int = Field(
        3, ge=-1, le=1000, description="Worker-group restarts from the latest checkpoint; -1 = unlimited."
    )
    checkpoints_to_keep: int = Field(
        2, ge=1, le=100, description="Checkpoints kept (the best by validation and the latest always)."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "WARNING",
        description="Level of Ray Train's log lines and of the training workers' root logger "
        "(resource requests, checkpoint reports); the per-epoch progress lines show at any level.",
    )
    launcher: Literal["ray", "in-process"] = Field(
        "ray",
        description="Ray Train (default), or the same loop in the calling process: one worker, no Ray "
        "start-up (~25 s a run on a small CPU), for smoke grids.",
    )

    @model_validator(mode="after")
    def _in_process_is_one_worker(self) -> ScalingSettings:
        if self.launcher == "in-process" and self.num_workers != 1:
            raise ValueError(f"launcher 'in-process' runs one worker, not num_workers={self.num_workers}")
        return self
