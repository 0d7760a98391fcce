"""Write a benchmark's report: the paper's tables beside ours, statistics, figures, report.html.

Reads the runs tagged with the benchmark id from MLflow ($MLFLOW_TRACKING_URI, else the SQLite
store under the data root), writes under <data root>/reports/<id>/ and logs it as a `report` run.
"""

from __future__ import annotations

import argparse

from stsnet.cli.output import print_json
from stsnet.report import write_report


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--benchmark-id", required=True, help="the stsnet.benchmark_id tag of the runs")
    parser.add_argument(
        "--experiment", action="append", help="MLflow experiment name, repeatable (default: every stsnet-*)"
    )
    parser.add_argument("--output", help="output folder (default: <data root>/reports/<id>/)")
    parser.add_argument("--tracking-uri", help="MLflow tracking URI (default: $MLFLOW_TRACKING_URI)")
    parser.add_argument("--no-complexity", action="store_true", help="skip Params/FLOPs of Table 1")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    summary = write_report(
        args.benchmark_id,
        experiments=args.experiment,
        output_dir=args.output,
        tracking_uri=args.tracking_uri,
        complexity=not args.no_complexity,
    )
    if args.json:
        print_json(summary)
        return 0
    print(f"report of benchmark {summary['benchmark_id']}: {summary['cells']} cells, {summary['runs']} runs")
    print(f"html: {summary['html']}")
    print(f"markdown: {summary['markdown']}")
    print(f"MLflow run: {summary['report_run_id']}")
    for cell in summary["failed_cells"]:
        print(f"FAILED {cell['dataset']}/{cell['model']}/{cell['amplification']}: {cell['error']}")
    for problem in summary["figure_problems"]:
        print(f"figure: {problem}")
    return 0
