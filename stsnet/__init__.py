"""STS-Net: small-target segmentation in medical images, as a reproducible pipeline library.

The library knows nothing of Prefect; `flows/` and `tasks/` wrap it.
"""

from stsnet.models import create_model, list_models, load_model_file, save_model

__version__ = "0.1.0"

__all__ = ["create_model", "list_models", "load_model_file", "save_model"]
