"""The paper's amplification blocks: extra training copies of images with small lesions.

Thresholds (Eq. 1-2): over the training images, A = images with a lesion, S = total lesion pixels;
N1 = ceil(sqrt(S/A))², N2 = ceil(sqrt(N1/2))²; or fixed N1 (N2 then from Eq. 2 unless given).

Operations on an image whose lesion area a (pixels, > 0) qualifies:
- standard round (4): horizontal flip, vertical flip, a border crop resized back, a flip + crop.
  The crop removes `border` px (50 at 480, scaled with the side) from top and bottom, left and
  right, or all four edges, the choice drawn per image; images resize linearly, labels by nearest.
- second round: an all-edges crop at each of `second_round_scales` × border.
- centre: a window centred on the lesion's bounding box, half-size drawn from `centre_half_size`
  (at 480 px, scaled), clipped at the image border, resized back to the full side.
Methods (Table 7): 1 = standard for a < N1; 2 = standard for a < N2; 3 = standard for a < N1 and
the second round for a < N2; 4 = method 3 plus the centre for a < N2. `copies` caps the images one
image becomes (itself included), taking standard, then centre, then second-round operations: the
default 6 with method 4 is the paper's "itself, four standard, one centre".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from stsnet.config.data import AmplificationSettings
from stsnet.data.resample import Box, resize_image, resize_labels

REFERENCE_SIDE = 480
CROP_SIDES = ("tb", "lr", "all")


@dataclass(frozen=True)
class Thresholds:
    n1: int
    n2: int


@dataclass(frozen=True)
class Operation:
    """One amplified image: made from training row `source` by `flip` (h/v/None) then crop `box`."""

    source: int
    name: str
    flip: str | None = None
    box: Box | None = None


def n2_from_n1(n1: int) -> int:
    """Eq. 2: N2 = ceil(sqrt(N1 / 2))²."""
    return math.ceil(math.sqrt(n1 / 2)) ** 2


def thresholds_from_statistics(lesion_pixels: Sequence[int] | np.ndarray) -> Thresholds:
    """Eq. 1-2 over the training images' lesion areas (pixels)."""
    areas = np.asarray(lesion_pixels, dtype=np.int64)
    with_lesion = int((areas > 0).sum())
    if with_lesion == 0:
        raise ValueError("no training image has a lesion: amplification thresholds (Eq. 1) are undefined")
    n1 = math.ceil(math.sqrt(int(areas.sum()) / with_lesion)) ** 2
    return Thresholds(n1, n2_from_n1(n1))


def resolve_thresholds(settings: AmplificationSettings, lesion_pixels: np.ndarray) -> Thresholds:
    if settings.thresholds == "fixed":
        return Thresholds(settings.n1, settings.n2 or n2_from_n1(settings.n1))
    return thresholds_from_statistics(lesion_pixels)


def crop_box(side: int, border: float, sides: str) -> Box:
    """The box left after removing `border` px (rounded to whole pixels) from the named edges."""
    top = round(border) if sides in ("tb", "all") else 0
    left = round(border) if sides in ("lr", "all") else 0
    return (left, top, side - left, side - top)


def lesion_centre(mask: np.ndarray) -> tuple[float, float]:
    """The (row, column) centre of the bounding box of `mask`'s non-zero pixels; NaNs for an empty mask."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return (float("nan"), float("nan"))
    return ((rows[0] + rows[-1] + 1) / 2, (cols[0] + cols[-1] + 1) / 2)


def centre_box(centre: tuple[float, float], half: float, side: int) -> Box:
    """A window of half-size `half` around `centre` (row, column), clipped at the image border."""
    row, col = centre
    return (
        max(round(col - half), 0),
        max(round(row - half), 0),
        min(round(col + half), side),
        min(round(row + half), side),
    )


def plan_amplification(
    lesion_pixels: np.ndarray,
    centres: np.ndarray,
    side: int,
    settings: AmplificationSettings,
    thresholds: Thresholds,
) -> list[Operation]:
    """Every operation to run on the training images, in a seeded, reproducible order.

    `lesion_pixels` and `centres` (N×2, see `lesion_centre`) describe the training rows, so the
    plan is made without reading any image.
    """
    if settings.method == "none":
        return []
    scale = side / REFERENCE_SIDE
    border = settings.border * scale
    rng = np.random.default_rng(settings.seed)
    limit = (settings.copies - 1) if settings.copies is not None else None
    operations: list[Operation] = []
    for index in np.flatnonzero(lesion_pixels > 0).tolist():
        area = int(lesion_pixels[index])
        standard_below = thresholds.n2 if settings.method == "method2" else thresholds.n1
        standard, centre, second = [], [], []
        if area < standard_below:
            sides = CROP_SIDES[int(rng.integers(len(CROP_SIDES)))]
            flip = ("h", "v")[int(rng.integers(2))]
            box = crop_box(side, border, sides)
            standard = [
                Operation(index, "hflip", flip="h"),
                Operation(index, "vflip", flip="v"),
                Operation(index, f"crop_{sides}", box=box),
                Operation(index, f"{flip}flip+crop_{sides}", flip=flip, box=box),
            ]
        if settings.method in ("method3", "method4") and area < thresholds.n2:
            second = [
                Operation(index, f"crop_all_x{s:g}", box=crop_box(side, border * s, "all"))
                for s in settings.second_round_scales
            ]
        if settings.method == "method4" and area < thresholds.n2:
            half = float(rng.integers(settings.centre_half_size[0], settings.centre_half_size[1] + 1)) * scale
            centre = [Operation(index, "centre", box=centre_box(tuple(centres[index]), half, side))]
        operations += (standard + centre + second)[:limit]
    return operations


def mirrored_box(box: Box, flip: str, side: int) -> Box:
    """The box that, cropped before a flip, gives what `box` crops after it."""
    left, top, right, bottom = box
    if flip == "h":
        return (side - right, top, side - left, bottom)
    return (left, side - bottom, right, side - top)


def flipped(array: np.ndarray, flip: str | None) -> np.ndarray:
    """A view of `array` (…×H×W) flipped horizontally ("h"), vertically ("v"), or not at all."""
    if flip == "h":
        return array[..., ::-1]
    if flip == "v":
        return array[..., ::-1, :]
    return array


def pre_flip_box(operation: Operation, side: int) -> Box | None:
    """The box `operation` crops before its flip (the mirror of the box it names after the flip)."""
    if operation.box is None or operation.flip is None:
        return operation.box
    return mirrored_box(operation.box, operation.flip, side)


def cropped(image: np.ndarray, mask: np.ndarray, box: Box) -> tuple[np.ndarray, np.ndarray]:
    """The C×H×W image and H×W mask cropped to `box` and resized back to their side."""
    side = image.shape[-1]
    return resize_image(image, side, box), resize_labels(np.ascontiguousarray(mask), side, box)


def apply_operation(
    image: np.ndarray,
    mask: np.ndarray,
    operation: Operation,
    crop: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The C×H×W image and H×W mask transformed alike by `operation` (flips come back as views).

    A flip after a crop is computed as the mirrored crop before the flip: the same pixels, and the
    flip stays a view that is copied once, into its destination. `crop` passes in the result of
    `cropped` for this operation's `pre_flip_box` when it is already known.
    """
    if operation.box is not None:
        image, mask = crop or cropped(image, mask, pre_flip_box(operation, image.shape[-1]))
    return flipped(image, operation.flip), flipped(mask, operation.flip)


def run_operations(
    images: np.ndarray, masks: np.ndarray, operations: Sequence[Operation], first_row: int
) -> None:
    """Write the result of `operations[i]` into row `first_row + i` of `images`/`masks` (memory-maps).

    Crop boxes are symmetric, so a flip + crop crops the same box as the crop planned just before
    it: that resampling is done once and reused.
    """
    side = images.shape[-1]
    last: tuple[tuple[int, Box], tuple[np.ndarray, np.ndarray]] | None = None
    for offset, operation in enumerate(operations):
        image, mask = images[operation.source], masks[operation.source]
        crop = None
        if operation.box is not None:
            key = (operation.source, pre_flip_box(operation, side))
            if last is None or last[0] != key:
                last = (key, cropped(image, mask, key[1]))
            crop = last[1]
        row = first_row + offset
        images[row], masks[row] = apply_operation(image, mask, operation, crop)
