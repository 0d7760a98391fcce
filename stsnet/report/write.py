"""Build a benchmark's report: tables, statistics, figures, HTML; written locally and to MLflow."""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path

from mlflow.tracking import MlflowClient

from stsnet import tracking
from stsnet.models.complexity import measure
from stsnet.paths import data_root, local_cache_root
from stsnet.report.cells import build_cells
from stsnet.report.collect import BENCHMARK_TAG, collect_runs
from stsnet.report.comparisons import interval_table, paired_table
from stsnet.report.figures import comparison_figure, learning_curves
from stsnet.report.html import render_html
from stsnet.report.tables import ablation_tables, dataset_table, size_table

REPORT_EXPERIMENT = "stsnet-reports"
REPORT_TAG = "stsnet.report"
EXPERIMENT_PREFIX = "stsnet-"
COMPLEXITY_SIZE = 480


def default_output_dir(benchmark_id: str, root: str | None = None) -> Path:
    """`<data root>/reports/<id>/` (a local copy under the cache when the data root is s3://)."""
    location = data_root(root)
    base = local_cache_root(root) if location.startswith("s3://") else location
    return Path(base) / "reports" / benchmark_id


@cache
def _complexity(model: str) -> tuple[float, float]:
    counted = measure(model, size=COMPLEXITY_SIZE)
    return counted.params_m, counted.paper_flops_g


def write_report(
    benchmark_id: str,
    experiments: list[str] | None = None,
    output_dir: str | os.PathLike[str] | None = None,
    tracking_uri: str | None = None,
    complexity: bool = True,
) -> dict:
    """Write every table, figure and `report.html` of `benchmark_id`, and log them as a `report` run.

    Args:
        experiments: MLflow experiment names; default every `stsnet-<dataset>` experiment.
        complexity: measure Params/FLOPs for Table 1 (a few seconds per model).

    Returns:
        Paths written (`headline_tables`: each dataset's Table 1–4 in Markdown), the number of
        cells and runs, the failed cells with their errors, and the figures not drawn (with why).
    """
    uri = tracking_uri or tracking.tracking_uri()
    client = tracking.client(uri)
    names = experiments or [
        e.name
        for e in client.search_experiments()
        if e.name.startswith(EXPERIMENT_PREFIX) and e.name != REPORT_EXPERIMENT
    ]
    records = collect_runs(client, benchmark_id, names)
    if not records:
        raise ValueError(
            f"no run tagged {BENCHMARK_TAG}={benchmark_id!r} in {', '.join(names) or 'no experiment'} "
            f"at {uri}"
        )
    cells = build_cells(records)
    out = Path(output_dir) if output_dir else default_output_dir(benchmark_id)
    (out / "tables").mkdir(parents=True, exist_ok=True)
    (out / "figures").mkdir(exist_ok=True)
    sections, tables_written, headline, figures_written, problems_all = [], [], [], [], []
    for dataset in sorted({c.dataset for c in cells}):
        tables = [
            dataset_table(dataset, cells, _complexity if complexity else None),
            *ablation_tables(dataset, cells),
            size_table(dataset, cells),
            interval_table(dataset, cells),
            paired_table(dataset, cells),
        ]
        for table in tables:
            for suffix, text in (("md", table.markdown()), ("csv", table.csv())):
                path = out / "tables" / f"{table.key}.{suffix}"
                path.write_text(text)
                tables_written.append(str(path))
        headline.append(str(out / "tables" / f"{tables[0].key}.md"))
        figures, problems = [], []
        try:
            figures.append(
                comparison_figure(client, dataset, cells, out / "figures" / f"comparison-{dataset}.png")
            )
        except (ValueError, FileNotFoundError) as error:
            problems.append(f"visual comparison not drawn: {error}")
        figures.append(learning_curves(dataset, cells, out / "figures" / f"curves-{dataset}.png"))
        figures_written += [str(f) for f in figures]
        problems_all += [f"{dataset}: {p}" for p in problems]
        sections.append((dataset, tables, figures, problems))
    failed = [
        {"dataset": c.dataset, "model": c.model, "amplification": c.amplification, "error": c.errors}
        for c in cells
        if c.failed
    ]
    facts = [
        f"benchmark id: {benchmark_id}",
        f"experiments: {', '.join(names)}",
        f"{len(cells)} cells, {len(records)} runs, {len(failed)} cells with failed runs",
        "ours: mean ± std over seeds; paper: its single published run; Δ = ours − paper; best in bold",
    ]
    (out / "report.md").write_text(
        "\n".join(
            [f"# Benchmark {benchmark_id}", *facts, ""]
            + [t.markdown() for _, ts, _, _ in sections for t in ts]
        )
    )
    (out / "report.html").write_text(render_html(f"STS-Net benchmark {benchmark_id}", facts, sections))
    summary = {
        "benchmark_id": benchmark_id,
        "tracking_uri": uri,
        "output_dir": str(out),
        "html": str(out / "report.html"),
        "markdown": str(out / "report.md"),
        "tables": tables_written,
        "headline_tables": headline,
        "figures": figures_written,
        "cells": len(cells),
        "runs": len(records),
        "failed_cells": failed,
        "figure_problems": problems_all,
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    summary["report_run_id"] = _log_report(client, uri, benchmark_id, out)
    return summary


def _log_report(client: MlflowClient, uri: str, benchmark_id: str, folder: Path) -> str:
    run = client.create_run(
        tracking.experiment_id(REPORT_EXPERIMENT, uri),
        run_name=f"report-{benchmark_id}",
        tags={BENCHMARK_TAG: benchmark_id, REPORT_TAG: "true"},
    )
    client.log_artifacts(run.info.run_id, str(folder))
    client.set_terminated(run.info.run_id)
    return run.info.run_id
