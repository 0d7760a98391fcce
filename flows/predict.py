"""The `predict` flow: a registered model segments a folder, a NIfTI file or an s3:// prefix."""

from __future__ import annotations

from typing import Any

from prefect import flow
from pydantic import PositiveInt

from tasks.prediction import segment


@flow(name="predict", log_prints=True, validate_parameters=True)
def predict(
    inputs: str,
    model_uri: str = "models:/stsnet-synthetic-sccm@champion",
    output: str | None = None,
    batch_size: PositiveInt = 8,
) -> dict[str, Any]:
    """Segment `inputs` with the registered model and write the masks.

    Args:
        inputs: A folder, a NIfTI or image file, or an s3:// prefix.
        model_uri: MLflow model URI, e.g. `models:/<name>@champion` or `models:/<name>/3`.
        output: Where the masks go; default `<inputs>_masks` beside the inputs.
        batch_size: Slices or images per forward pass.
    """
    destination = output or f"{inputs.rstrip('/')}_masks"
    result = segment(model_uri, inputs, destination, batch_size)
    print(f"masks of {inputs} written to {destination}")
    return result
