"""Train / val / test assignment by patient group, seeded.

Rule: an official val or test split from the download wins. Without an official test split,
`test_fraction` of the other groups (official training ones included; rounded, at least one when
the fraction is > 0) goes to test; without an official validation split, `val_fraction` of the
groups left goes to val; the rest is train. Whole groups move
together, so no patient has slices on two sides.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

SPLITS = ("train", "val", "test")


def assign_splits(
    groups: Sequence[str],
    official: Sequence[str | None],
    test_fraction: float,
    val_fraction: float,
    seed: int,
) -> list[str]:
    """The split of each case, given its group and its official split (None when there is none)."""
    official_groups: dict[str, str] = {}
    for group, split in zip(groups, official, strict=True):
        if split in ("val", "test") and official_groups.setdefault(group, split) != split:
            raise ValueError(f"group {group!r} has cases in two official splits")
    rng = np.random.default_rng(seed)
    chosen = dict(official_groups)
    free = sorted(set(groups) - set(official_groups))
    for split, fraction in (("test", test_fraction), ("val", val_fraction)):
        if split in official_groups.values() or fraction <= 0 or len(free) < 2:
            continue
        count = min(max(round(fraction * len(free)), 1), len(free) - 1)
        picked = set(rng.permutation(np.array(free, dtype=object))[:count].tolist())
        chosen.update(dict.fromkeys(picked, split))
        free = [g for g in free if g not in picked]
    return [chosen.get(group, "train") for group in groups]
