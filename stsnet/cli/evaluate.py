"""Evaluate a checkpoint on a prepared dataset's test split and log the result to MLflow.

Writes summary.json, the predicted masks and the figure to the output folder, logs the test
metrics and those files as an MLflow run of the dataset's experiment, and prints where it is.
"""

from __future__ import annotations

import argparse
import os

from stsnet.cli.output import format_table, print_json
from stsnet.cli.train import print_run
from stsnet.evaluate import FIGURE_FILE, SUMMARY_FILE, evaluate
from stsnet.metrics import PAPER_METRICS
from stsnet.paths import data_root
from stsnet.storage import is_remote, join
from stsnet.tracking import log_training_run, run_location


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--checkpoint", required=True, help="checkpoint or model file (local or s3://)")
    parser.add_argument("--store", required=True, help="prepared dataset folder (local or s3://)")
    parser.add_argument("--output", help="output folder (default: <data root>/evaluations/<checkpoint name>)")
    parser.add_argument("--no-tracking", action="store_true", help="do not log an MLflow run")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    output = args.output or join(data_root(), "evaluations", _checkpoint_name(args.checkpoint))
    output = output if is_remote(output) else os.path.abspath(output)
    summary = evaluate(args.checkpoint, args.store, output)
    location = None
    if not args.no_tracking and not is_remote(output):
        run_id = log_training_run(
            f"stsnet-{summary['dataset']}",
            {"checkpoint": args.checkpoint, "store": summary["store"]},
            [],
            summary,
            {
                f"evaluation/{SUMMARY_FILE}": join(output, SUMMARY_FILE),
                f"evaluation/{FIGURE_FILE}": join(output, FIGURE_FILE),
            },
            {"stsnet.dataset": summary["dataset"], "stsnet.kind": "evaluation"},
        )
        location = run_location(run_id)
    if args.json:
        print_json(
            {**{k: v for k, v in summary.items() if k != "per_image"}, "output": output, "mlflow": location}
        )
        return 0
    images, evaluated = summary["images"], summary["images_evaluated"]
    print(f"test split of {summary['store']}: {images} images, {evaluated} evaluated")
    print(
        format_table(
            ["mDice", "mIoU", "Jaccard", "Recall", "Precision"],
            [[summary["paper"][m] for m in PAPER_METRICS]],
        )
    )
    sizes = [[b, v["images"], v["mdice"], v["jaccard"]] for b, v in summary["by_size"].items()]
    print(format_table(["bucket", "images", "mDice", "Jaccard"], sizes))
    print(f"pooled Dice {summary['pooled_dice']:.2f}; outputs in {output}")
    if location is not None:
        print_run(location)
    return 0


def _checkpoint_name(checkpoint: str) -> str:
    parts = checkpoint.rstrip("/").replace("\\", "/").split("/")
    return "-".join(p for p in parts[-3:-1] if p) or "checkpoint"
