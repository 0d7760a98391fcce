"""Resizing images (linear) and labels (nearest) with Pillow, optionally from a crop box.

Pillow's C resamplers are fork-safe and fast on uint8, and `box=` crops and resizes in one pass,
which is what the amplification crops need. Arrays are channel-first (C×H×W), as stored.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

Box = tuple[float, float, float, float]  # left, top, right, bottom in pixels


def resize_image(image: np.ndarray, side: int, box: Box | None = None) -> np.ndarray:
    """A C×H×W uint8 (or H×W float32) image resized linearly to side×side, from `box` if given."""
    if image.ndim == 2:
        return np.asarray(Image.fromarray(image).resize((side, side), Image.Resampling.BILINEAR, box=box))
    if image.shape[0] == 3:
        rgb = Image.fromarray(np.ascontiguousarray(image.transpose(1, 2, 0)), "RGB")
        return np.asarray(rgb.resize((side, side), Image.Resampling.BILINEAR, box=box)).transpose(2, 0, 1)
    return np.stack([resize_image(channel, side, box) for channel in image])


def resize_labels(labels: np.ndarray, side: int | tuple[int, int], box: Box | None = None) -> np.ndarray:
    """An H×W uint8 label map resized by nearest neighbour to `side` (square, or (H, W))."""
    height, width = (side, side) if isinstance(side, int) else side
    return np.asarray(Image.fromarray(labels).resize((width, height), Image.Resampling.NEAREST, box=box))
