"""Statistics that go beyond the paper's single runs: spread over seeds, CIs and paired tests.

The paired test is the Wilcoxon signed-rank test (scipy, two-sided), over the test images that
both runs keep under the paper's protocol: per-image metrics are not normal (many zeros on missed
small lesions, a ceiling near 100), so a rank test is the safe default. The bootstrap CI is the
percentile method over test images with a fixed seed, so a report is reproducible.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 2021


@dataclass(frozen=True)
class Spread:
    """Mean and sample standard deviation (ddof=1; 0 for one value) over seeds."""

    mean: float
    std: float
    n: int


@dataclass(frozen=True)
class Interval:
    """A percentile bootstrap confidence interval of the mean."""

    low: float
    high: float
    level: float


@dataclass(frozen=True)
class PairedTest:
    """Wilcoxon signed-rank test of `a - b` over paired test images."""

    mean_difference: float
    statistic: float
    p_value: float
    n: int


def mean_std(values: Sequence[float]) -> Spread:
    """Mean ± standard deviation of a cell's seeds."""
    array = np.asarray(values, dtype=float)
    if array.size == 0:
        raise ValueError("mean_std needs at least one value")
    std = float(array.std(ddof=1)) if array.size > 1 else 0.0
    return Spread(float(array.mean()), std, int(array.size))


def bootstrap_ci(
    values: Sequence[float],
    level: float = 0.95,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> Interval:
    """Percentile bootstrap CI of the mean of per-image `values`.

    Each resample draws len(values) indices with replacement from `numpy.random.default_rng(seed)`
    (one `integers` call for all resamples), so the interval can be recomputed by hand.
    """
    array = np.asarray(values, dtype=float)
    if array.size == 0:
        raise ValueError("bootstrap_ci needs at least one value")
    rng = np.random.default_rng(seed)
    indices = rng.integers(0, array.size, size=(resamples, array.size))
    means = array[indices].mean(axis=1)
    tail = 100.0 * (1.0 - level) / 2.0
    low, high = np.percentile(means, [tail, 100.0 - tail])
    return Interval(float(low), float(high), level)


def paired_test(a: Sequence[float], b: Sequence[float]) -> PairedTest | None:
    """Two-sided Wilcoxon signed-rank test of paired per-image values; None when all pairs tie."""
    a_array, b_array = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a_array.shape != b_array.shape:
        raise ValueError(f"paired_test needs equal lengths, got {a_array.size} and {b_array.size}")
    differences = a_array - b_array
    if differences.size == 0 or not np.any(differences):
        return None
    result = stats.wilcoxon(a_array, b_array, alternative="two-sided")
    return PairedTest(
        float(differences.mean()), float(result.statistic), float(result.pvalue), differences.size
    )
