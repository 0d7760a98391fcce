"""Grid cells: a benchmark's runs grouped by dataset × model × amplification, seeds aggregated.

Per-image values are kept as an images × metrics array with NaN for an image the paper's
protocol leaves out (empty truth and empty prediction); seeds share the test split, so a cell's
per-image value is the mean over the seeds that keep the image.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from stsnet.metrics import PAPER_METRICS, SIZE_BUCKETS
from stsnet.report.collect import RunRecord
from stsnet.report.statistics import Interval, Spread, bootstrap_ci, mean_std

REPORTED_BUCKETS = tuple(b for b in SIZE_BUCKETS if b != "empty")


@dataclass
class Cell:
    """Every seed of one dataset × model × amplification."""

    dataset: str
    model: str
    amplification: str
    runs: list[RunRecord]
    spread: dict[str, Spread] = field(default_factory=dict)
    per_image: np.ndarray | None = None
    buckets: list[str] = field(default_factory=list)
    intervals: dict[str, Interval] = field(default_factory=dict)
    by_size: dict[str, dict[str, Spread]] = field(default_factory=dict)

    @property
    def succeeded(self) -> list[RunRecord]:
        return [r for r in self.runs if not r.failed]

    @property
    def failed(self) -> list[RunRecord]:
        return [r for r in self.runs if r.failed]

    @property
    def errors(self) -> str:
        """The failed seeds and their errors, one clause each."""
        return "; ".join(f"seed {r.seed}: {r.error}" for r in self.failed)


def build_cells(records: Sequence[RunRecord]) -> list[Cell]:
    """Group runs into cells and compute their spread, bootstrap CIs and size-bucket means."""
    groups: dict[tuple[str, str, str], list[RunRecord]] = defaultdict(list)
    for record in records:
        groups[(record.dataset, record.model, record.amplification)].append(record)
    cells = [Cell(*key, runs=sorted(runs, key=lambda r: r.seed)) for key, runs in sorted(groups.items())]
    for cell in cells:
        _aggregate(cell)
    return cells


def _aggregate(cell: Cell) -> None:
    runs = cell.succeeded
    for metric in PAPER_METRICS:
        values = [_test_value(r, metric) for r in runs]
        values = [v for v in values if v is not None]
        if values:
            cell.spread[metric] = mean_std(values)
    summaries = [r.summary for r in runs if r.summary and r.summary.get("per_image")]
    if summaries:
        cell.per_image, cell.buckets = _per_image(summaries, cell)
        for index, metric in enumerate(PAPER_METRICS):
            column = cell.per_image[:, index]
            kept = column[~np.isnan(column)]
            if kept.size:
                cell.intervals[metric] = bootstrap_ci(kept)
    for bucket in REPORTED_BUCKETS:
        means = {
            m: [s["by_size"][bucket][m] for s in summaries if _bucket_value(s, bucket, m)]
            for m in PAPER_METRICS
        }
        if any(means.values()):
            cell.by_size[bucket] = {m: mean_std(v) for m, v in means.items() if v}


def _test_value(record: RunRecord, metric: str) -> float | None:
    if metric in record.metrics:
        return record.metrics[metric]
    return (record.summary or {}).get("paper", {}).get(metric)


def _bucket_value(summary: dict, bucket: str, metric: str) -> bool:
    return summary.get("by_size", {}).get(bucket, {}).get(metric) is not None


def _per_image(summaries: list[dict], cell: Cell) -> tuple[np.ndarray, list[str]]:
    lengths = {len(s["per_image"]) for s in summaries}
    if len(lengths) != 1:
        raise ValueError(
            f"{cell.dataset}/{cell.model}/{cell.amplification}: seeds evaluated different test sets "
            f"({sorted(lengths)} images); per_image in evaluation/summary.json must cover the same split"
        )
    stacked = np.array(
        [
            [[row[m] if row["included"] else np.nan for m in PAPER_METRICS] for row in s["per_image"]]
            for s in summaries
        ],
        dtype=float,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        per_image = np.nanmean(stacked, axis=0)
    return per_image, [row["bucket"] for row in summaries[0]["per_image"]]
