"""`stsnet demo`: the quick, single-process mode (no Prefect, Ray or MLflow) of `make demo`.

Trains STS-Net on synthetic 2D images and prints the metrics table of STS-Net and of the
all-background prediction on the held-out split.
"""

from __future__ import annotations

import argparse
import io
import sys

from stsnet.cli.output import format_table, print_json
from stsnet.demo import DemoSettings, run_demo
from stsnet.metrics import PAPER_METRICS
from stsnet.paths import data_root


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    output_dir = data_root() / "demo"
    summary = run_demo(DemoSettings(), output_dir, log=sys.stderr if args.json else sys.stdout)
    if args.json:
        print_json(summary)
        return 0
    rows = [
        ["STS-Net", *(summary["sts_net"][m] for m in PAPER_METRICS)],
        ["all background", *(summary["all_background"][m] for m in PAPER_METRICS)],
    ]
    out = io.StringIO()
    print(f"\nHeld-out synthetic split: {summary['test_images']} images (paper protocol, %)", file=out)
    print(format_table(["prediction", "mDice", "mIoU", "Jaccard", "Recall", "Precision"], rows), file=out)
    sizes = [[b, v["images"], v["mdice"], v["jaccard"]] for b, v in summary["by_size"].items()]
    print("\nSTS-Net by lesion size (share of the image):", file=out)
    print(format_table(["bucket", "images", "mDice", "Jaccard"], sizes), file=out)
    print(f"\nModel (config + weights): {summary['model_file']}", file=out)
    print(f"Finished in {summary['seconds']:.0f} s", file=out)
    print(out.getvalue())
    return 0
