"""The prediction task: a registered model segments new scans."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.tasks import exponential_backoff


@task(name="segment", retries=2, retry_delay_seconds=exponential_backoff(backoff_factor=5))
def segment(model_uri: str, input_path: str, output_path: str, batch_size: int = 8) -> dict[str, Any]:
    """Load `model_uri` (e.g. models:/sts-net@champion) and write masks of `input_path` to `output_path`."""
    from stsnet.predict import load_model
    from stsnet.predict import segment as run_segmentation

    return run_segmentation(load_model(model_uri), input_path, output_path, batch_size=batch_size)
