"""Resizing images (linear) and labels (nearest), optionally from a crop box.

Single planes go through Pillow (its C resamplers are fast on 8-bit planes and take a box).
8-bit images with channels go through torch's 8-bit bilinear kernel with antialiasing, which gives
Pillow's results pixel for pixel: channel-first C×H×W at about twice Pillow's RGB speed (no
transposes), and channels-last stacks, the layout its vectorised path is written for, several
times faster again. Boxes are whole pixels (left, top, right, bottom).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

Box = tuple[int, int, int, int]  # left, top, right, bottom in pixels


def resize_image(image: np.ndarray, side: int, box: Box | None = None) -> np.ndarray:
    """A C×H×W uint8 image, or an H×W uint8/float32 plane, resized linearly to side×side (from `box`)."""
    if image.ndim == 2:
        return np.asarray(Image.fromarray(image).resize((side, side), Image.Resampling.BILINEAR, box=box))
    left, top, right, bottom = box or (0, 0, image.shape[2], image.shape[1])
    window = torch.from_numpy(np.asarray(image))[None, :, top:bottom, left:right]
    return _bilinear(window, side)[0].numpy()


def resize_channels_last(images: np.ndarray, side: int) -> np.ndarray:
    """N×H×W×C uint8 images resized linearly to N×side×side×C."""
    return _bilinear(torch.from_numpy(images).permute(0, 3, 1, 2), side).permute(0, 2, 3, 1).numpy()


def _bilinear(images: torch.Tensor, side: int) -> torch.Tensor:
    return F.interpolate(images, size=(side, side), mode="bilinear", align_corners=False, antialias=True)


def resize_labels(labels: np.ndarray, side: int | tuple[int, int], box: Box | None = None) -> np.ndarray:
    """An H×W uint8 label map resized by nearest neighbour to `side` (square, or (H, W))."""
    height, width = (side, side) if isinstance(side, int) else side
    return np.asarray(Image.fromarray(labels).resize((width, height), Image.Resampling.NEAREST, box=box))
