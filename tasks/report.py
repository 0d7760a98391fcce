"""The report task: a benchmark's tables, statistics and figures, published as Prefect artifacts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import task
from prefect.artifacts import create_link_artifact, create_markdown_artifact

from stsnet.report.write import default_output_dir, write_report


# Not cached: the report reads whatever the tracking server holds for the benchmark now.
@task(name="report", retries=1, retry_delay_seconds=10)
def report(
    benchmark_id: str, experiments: list[str], root: str | None = None, complexity: bool = True
) -> dict[str, Any]:
    """Write the report of `benchmark_id` under `<root>/reports/<id>/` and log it to MLflow; publish
    the headline tables (Tables 1–4) as Markdown and a link to `report.html`, which the UI can open."""
    summary = write_report(
        benchmark_id,
        experiments=experiments,
        output_dir=default_output_dir(benchmark_id, root),
        complexity=complexity,
    )
    key = "".join(c if c.isalnum() else "-" for c in benchmark_id.lower())[:90]
    failed = [
        f"- FAILED {c['dataset']}/{c['model']}/{c['amplification']}: {c['error']}"
        for c in summary["failed_cells"]
    ]
    lines = [
        f"## Benchmark {benchmark_id}",
        f"{summary['cells']} cells, {summary['runs']} runs; full report: `{summary['html']}`",
        *failed,
        "",
        *(Path(path).read_text() for path in summary["headline_tables"]),
    ]
    create_markdown_artifact(key=f"report-{key}", markdown="\n".join(lines), description="Tables 1–4")
    create_link_artifact(
        key=f"report-html-{key}",
        link=Path(summary["html"]).absolute().as_uri(),
        link_text="report.html",
        description=f"The full report of {benchmark_id} (MLflow run {summary['report_run_id']})",
    )
    return summary
