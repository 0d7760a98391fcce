"""The data contract between dataset sources and everything downstream."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Case:
    """One validated sample of a dataset source.

    2D cases: `image` is H×W×C float32 in [0, 1] (C = 3 for RGB and 2.5D, 1 for grey), `mask` is
    H×W uint8 with 0 = background. 3D cases: `image` (in the file's numeric type) and `mask` are
    in nibabel's voxel order X×Y×Z (Z = axial slices) and `affine` is the 4×4 voxel-to-world
    matrix of the NIfTI.
    """

    case_id: str
    image: np.ndarray
    mask: np.ndarray
    affine: np.ndarray | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def is_volume(self) -> bool:
        return self.affine is not None
