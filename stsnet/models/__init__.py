"""Models: the registry, STS-Net, attention blocks and (later) the baselines."""

from stsnet.models.registry import (
    check_model_name,
    create_model,
    list_models,
    load_model_file,
    register_model,
    save_model,
)

__all__ = [
    "check_model_name",
    "create_model",
    "list_models",
    "load_model_file",
    "register_model",
    "save_model",
]
