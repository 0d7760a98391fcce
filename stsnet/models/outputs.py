"""The one structure through which models return side outputs.

A model's `forward` returns either a plain logits tensor (B×classes×H×W, at input resolution) or a
`SegmentationOutput` when it has deep-supervision heads or other training-time outputs. The
training loop and the losses accept both; evaluation and prediction use `main_logits`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch


@dataclass
class SegmentationOutput:
    """Logits plus what a model's original loss needs.

    Attributes:
        logits: B×classes×H×W, the prediction used for evaluation.
        aux: side outputs (B×classes×H×W each) for deep supervision, weighted equally with logits
            by the deep-supervision losses.
        extras: model-specific tensors (e.g. AFMA attention maps, CentroidNet vectors), by name.
    """

    logits: torch.Tensor
    aux: list[torch.Tensor] = field(default_factory=list)
    extras: dict[str, torch.Tensor] = field(default_factory=dict)


ModelOutput = torch.Tensor | SegmentationOutput


def main_logits(output: ModelOutput) -> torch.Tensor:
    """The B×classes×H×W logits of any model output."""
    return output.logits if isinstance(output, SegmentationOutput) else output
