"""Statistics against values recomputed by hand or from scipy's documented example."""

from __future__ import annotations

import math

import numpy as np
import pytest

from stsnet.report.statistics import bootstrap_ci, mean_std, paired_test


def test_mean_std_uses_the_sample_deviation() -> None:
    spread = mean_std([70.0, 72.0, 77.0])
    assert spread.mean == pytest.approx(73.0)
    assert spread.std == pytest.approx(math.sqrt((9 + 1 + 16) / 2))
    assert mean_std([5.0]).std == 0.0


def _percentile(sorted_values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default), written out."""
    position = (len(sorted_values) - 1) * q
    lower = math.floor(position)
    upper = min(lower + 1, len(sorted_values) - 1)
    return sorted_values[lower] + (position - lower) * (sorted_values[upper] - sorted_values[lower])


def test_bootstrap_ci_recomputed_from_first_principles() -> None:
    values = [10.0, 20.0, 30.0, 40.0, 100.0]
    interval = bootstrap_ci(values, level=0.9, resamples=7, seed=3)
    draws = np.random.default_rng(3).integers(0, 5, size=(7, 5))
    means = sorted(sum(values[i] for i in row) / 5 for row in draws.tolist())
    assert interval.low == pytest.approx(_percentile(means, 0.05))
    assert interval.high == pytest.approx(_percentile(means, 0.95))
    assert interval.level == 0.9


def test_bootstrap_ci_brackets_the_mean_and_is_reproducible() -> None:
    values = np.linspace(0, 100, 41)
    first, second = bootstrap_ci(values), bootstrap_ci(values)
    assert first == second
    assert first.low < 50.0 < first.high


def test_paired_test_on_scipys_documented_example() -> None:
    # scipy.stats.wilcoxon docs (Wilcoxon 1945): the negative differences -48 and -67 have
    # ranks 10 and 14 among |d|, so W = 24; the exact two-sided p-value is 0.041259765625.
    d = [6, 8, 14, 16, 23, 24, 28, 29, 41, -48, 49, 56, 60, -67, 75]
    result = paired_test(d, [0] * len(d))
    assert result is not None
    assert result.statistic == 24.0
    assert result.p_value == pytest.approx(0.041259765625)
    assert result.n == 15
    assert result.mean_difference == pytest.approx(sum(d) / 15)


def test_paired_test_refuses_unequal_lengths_and_reports_ties() -> None:
    with pytest.raises(ValueError, match="equal lengths"):
        paired_test([1.0, 2.0], [1.0])
    assert paired_test([1.0, 2.0], [1.0, 2.0]) is None
