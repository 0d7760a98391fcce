"""One registry of models: name -> builder.

Builders register themselves with `@register_model("name")`; the model modules are imported
explicitly by `stsnet.models` (no registration by side effect of some unrelated import).
A saved model is its registry name and build config plus a state_dict, rebuilt in code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

ModelBuilder = Callable[..., nn.Module]

_BUILDERS: dict[str, ModelBuilder] = {}
_INFO: dict[str, ModelInfo] = {}


@dataclass(frozen=True)
class ModelInfo:
    """What the reports need to know of a registered model beside its builder."""

    name: str
    paper_name: str | None = None
    note: str | None = None


def register_model(
    name: str, paper_name: str | None = None, note: str | None = None
) -> Callable[[ModelBuilder], ModelBuilder]:
    """Register `builder` under `name`; a second builder under the same name is an error.

    Args:
        name: registry name (lower case, as typed on the command line).
        paper_name: the model's row name in the paper's tables, if it has one.
        note: a known discrepancy with the paper, printed by `stsnet models`.
    """

    def decorate(builder: ModelBuilder) -> ModelBuilder:
        if name in _BUILDERS:
            raise ValueError(f"model name {name!r} is already registered by {_BUILDERS[name].__module__}")
        _BUILDERS[name] = builder
        _INFO[name] = ModelInfo(name, paper_name, note)
        return builder

    return decorate


def model_info(name: str) -> ModelInfo:
    """Paper name and notes of the registered model `name`."""
    return _INFO[check_model_name(name)]


def list_models() -> list[str]:
    """Every registered model name, sorted."""
    _load_builtin_models()
    return sorted(_BUILDERS)


def check_model_name(name: str) -> str:
    """Return `name` if registered, else raise a ValueError listing the known names."""
    _load_builtin_models()
    if name not in _BUILDERS:
        known = ", ".join(sorted(_BUILDERS))
        raise ValueError(f"unknown model {name!r}; known models: {known}")
    return name


def create_model(name: str, **config: Any) -> nn.Module:
    """Build the registered model `name` with `config`; the config is kept on the module.

    The config (with the name) is stored as `model.stsnet_config`, so that `save_model` can write
    config + weights and `load_model_file` can rebuild the identical network in code.
    """
    check_model_name(name)
    model = _BUILDERS[name](**config)
    model.stsnet_config = {"name": name, **config}
    return model


def save_model(model: nn.Module, path: str | Path) -> None:
    """Write the model's build config and its weights (no pickled module) to `path`."""
    config = getattr(model, "stsnet_config", None)
    if config is None:
        raise ValueError("model was not built by stsnet.create_model: its config is unknown")
    payload = {"config": config, "state_dict": unwrap_model(model).state_dict()}
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(payload, tmp)
    tmp.replace(path)


def load_model_file(path: str | Path, map_location: str | torch.device = "cpu") -> nn.Module:
    """Rebuild a model saved by `save_model`; weights are loaded with `weights_only=True`."""
    payload = torch.load(path, map_location=map_location, weights_only=True)
    return model_from_payload(payload, source=str(path))


def model_from_payload(payload: dict[str, Any], source: str = "checkpoint") -> nn.Module:
    """Rebuild a model from `{"config": ..., "state_dict": ...}`, naming `source` on a mismatch."""
    if not isinstance(payload, dict) or "config" not in payload or "state_dict" not in payload:
        raise ValueError(f"{source}: not an stsnet model file (expected keys 'config' and 'state_dict')")
    config = dict(payload["config"])
    model = create_model(config.pop("name"), **config)
    try:
        model.load_state_dict(payload["state_dict"])
    except RuntimeError as error:
        raise ValueError(
            f"{source}: weights do not fit the {model.stsnet_config['name']!r} model: {error}"
        ) from None
    return model


def unwrap_model(model: nn.Module) -> nn.Module:
    """The module inside a DDP / torch.compile wrapper, else the model itself."""
    inner = getattr(model, "module", None)
    if isinstance(inner, nn.Module):
        return unwrap_model(inner)
    return getattr(model, "_orig_mod", model)


def _load_builtin_models() -> None:
    """Import the packaged model modules once, so their builders are registered."""
    import stsnet.models.catalog  # noqa: F401
