"""Prepare a dataset: read it, convert 3D to 2.5D, split, amplify, and store it content-addressed.

Prints the cases and samples per split, the lesion-size distribution, how many images the
amplification blocks added, what was skipped and why, and where the store is. An identical earlier
preparation is reused, not rebuilt.
"""

from __future__ import annotations

import argparse
import typing

from pydantic import ValidationError

from stsnet.cli.output import format_table, print_json
from stsnet.config.data import AmplificationMethod, AmplificationSettings, DatasetSettings
from stsnet.data.sources import list_sources
from stsnet.data.split import SPLITS
from stsnet.data.store import prepare_dataset


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dataset", required=True, choices=list_sources(), help="dataset source")
    parser.add_argument("--source", help="raw data: folder, .zip or s3:// prefix (not for synthetic sources)")
    parser.add_argument(
        "--size", type=int, help="image side, a multiple of 8 (paper: 480 for 3D, 512 for 2D)"
    )
    parser.add_argument(
        "--amplify", default="method4", choices=typing.get_args(AmplificationMethod), help="amplification"
    )
    parser.add_argument("--data-root", help="where stores live (default: $STSNET_HOME or ./.stsnet)")
    parser.add_argument("--workers", type=int, help="worker processes (default: all cores)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    try:
        dataset = DatasetSettings(name=args.dataset, source=args.source, size=args.size)
    except ValidationError as error:
        fields = (f"{'.'.join(map(str, e['loc'])) or 'dataset'}: {e['msg']}" for e in error.errors())
        raise ValueError("; ".join(fields)) from None
    result = prepare_dataset(
        dataset, AmplificationSettings(method=args.amplify), args.data_root, args.workers
    )
    summary = {**result.summary, "store": result.dataset.location, "reused": result.reused}
    if args.json:
        print_json(summary)
        return 0
    buckets = sorted({b for split in SPLITS for b in summary["size_buckets"][split]})
    rows = [
        [
            split,
            summary["cases"][split],
            summary["samples"][split],
            *(summary["size_buckets"][split].get(b, 0) for b in buckets),
        ]
        for split in SPLITS
    ]
    print(format_table(["split", "cases", "samples", *buckets], rows))
    added, thresholds = summary["amplification"]["added"], summary["amplification"]["thresholds"]
    print(f"amplification ({args.amplify}): +{added} training images, thresholds {thresholds}")
    for skipped in summary["skipped"]:
        print(f"skipped {skipped['case']}: {skipped['reason']}")
    print(f"store: {summary['store']}{' (reused)' if result.reused else ''}")
    return 0
