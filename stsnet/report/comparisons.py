"""Which differences are real: bootstrap CIs per cell and paired tests between cells.

Two families of paired tests per dataset, over the test images both cells keep:
amplified vs plain for every model, and STS-Net vs the best baseline (highest mean mDice among
the models that are not STS-Net variants) for plain and for amplified training.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from stsnet.metrics import PAPER_METRICS
from stsnet.report.cells import Cell
from stsnet.report.statistics import PairedTest, paired_test
from stsnet.report.table import Table, number
from stsnet.report.tables import METRIC_NAMES, PLAIN

INTERVAL_METRICS = ("mdice", "miou", "jaccard")
TESTED_METRICS = ("mdice", "jaccard")
STS_NET = "sts-net"
SIGNIFICANCE = 0.05


def interval_table(dataset: str, cells: Sequence[Cell]) -> Table:
    """Bootstrap 95 % CI of each headline metric over test images (seed-averaged per image)."""
    headers = [
        "model",
        "amplification",
        "seeds",
        "images",
        *(f"{METRIC_NAMES[m]} 95 % CI" for m in INTERVAL_METRICS),
    ]
    table = Table(f"ci-{dataset}", f"Bootstrap 95 % CIs over test images — {dataset}", headers)
    for cell in (c for c in cells if c.dataset == dataset):
        images = 0 if cell.per_image is None else int((~np.isnan(cell.per_image[:, 0])).sum())
        row = [cell.model, cell.amplification, f"{len(cell.succeeded)}/{len(cell.runs)}", str(images)]
        record = {
            "model": cell.model,
            "amplification": cell.amplification,
            "images": images,
            "error": cell.errors,
        }
        for metric in INTERVAL_METRICS:
            interval = cell.intervals.get(metric)
            if interval is None:
                row.append("FAILED" if cell.failed and not cell.succeeded else "-")
            else:
                row.append(f"[{interval.low:.2f}, {interval.high:.2f}]")
            record[f"{metric}_low"] = interval.low if interval else None
            record[f"{metric}_high"] = interval.high if interval else None
        table.rows.append(row)
        table.records.append(record)
    return table


def paired_table(dataset: str, cells: Sequence[Cell]) -> Table:
    """Wilcoxon signed-rank tests: amplified vs plain, and STS-Net vs the best baseline."""
    headers = ["comparison", "metric", "images", "mean Δ", "W", "p", f"p < {SIGNIFICANCE}"]
    table = Table(
        f"tests-{dataset}",
        f"Paired tests over test images — {dataset}",
        headers,
        note="Two-sided Wilcoxon signed-rank test on per-image values (seed-averaged), images kept by both.",
    )
    for label, a, b in _pairs([c for c in cells if c.dataset == dataset]):
        for metric in TESTED_METRICS:
            result = _test(a, b, metric)
            row = [label, METRIC_NAMES[metric]]
            if isinstance(result, str):
                row += [result, "-", "-", "-", "-"]
                record = {"comparison": label, "metric": metric, "error": result}
            else:
                row += [
                    str(result.n),
                    f"{result.mean_difference:+.2f}",
                    number(result.statistic, 1),
                    f"{result.p_value:.3g}",
                    "yes" if result.p_value < SIGNIFICANCE else "no",
                ]
                record = {
                    "comparison": label,
                    "metric": metric,
                    "images": result.n,
                    "mean_difference": result.mean_difference,
                    "statistic": result.statistic,
                    "p_value": result.p_value,
                }
            table.rows.append(row)
            table.records.append(record)
    return table


def _pairs(cells: list[Cell]) -> list[tuple[str, Cell, Cell]]:
    by_key = {(c.model, c.amplification): c for c in cells}
    pairs = []
    for (model, amplification), cell in sorted(by_key.items()):
        plain = by_key.get((model, PLAIN))
        if amplification != PLAIN and plain is not None:
            pairs.append((f"{model}: {amplification} vs plain", cell, plain))
    for amplification in sorted({c.amplification for c in cells}):
        ours = by_key.get((STS_NET, amplification))
        baselines = [c for c in cells if c.amplification == amplification and not c.model.startswith(STS_NET)]
        scored = [c for c in baselines if "mdice" in c.spread]
        if ours is not None and scored:
            best = max(scored, key=lambda c: c.spread["mdice"].mean)
            pairs.append((f"{STS_NET} vs best baseline {best.model} ({amplification})", ours, best))
    return pairs


def _test(a: Cell, b: Cell, metric: str) -> PairedTest | str:
    if a.per_image is None or b.per_image is None:
        failed = [c for c in (a, b) if c.per_image is None]
        return "no per-image values: " + ", ".join(
            f"{c.model}/{c.amplification} {c.errors or 'no summary'}" for c in failed
        )
    if a.per_image.shape != b.per_image.shape:
        return f"different test sets ({a.per_image.shape[0]} vs {b.per_image.shape[0]} images)"
    index = PAPER_METRICS.index(metric)
    x, y = a.per_image[:, index], b.per_image[:, index]
    both = ~np.isnan(x) & ~np.isnan(y)
    result = paired_test(x[both], y[both])
    return result if result is not None else "all pairs equal"
