"""Segment a NIfTI or NRRD volume or a folder of PNG/JPG images with a trained or registered model.

`--model` takes models:/NAME@ALIAS (e.g. models:/stsnet-sccm2022@champion), runs:/ID/model, or a
checkpoint file. A volume gives a mask volume with the input's affine and header; a folder gives
one mask PNG per image.
"""

from __future__ import annotations

import argparse

from stsnet.cli.output import print_json
from stsnet.predict import load_model, segment


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", required=True, help="models:/NAME@ALIAS, runs:/ID/model, or a checkpoint")
    parser.add_argument(
        "--input", required=True, help="NIfTI or NRRD volume, or a folder of images (or s3://)"
    )
    parser.add_argument("--output", required=True, help="mask volume (.nii.gz) or mask folder (or s3://)")
    parser.add_argument("--batch-size", type=int, default=8, help="slices or images per forward pass")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    summary = segment(load_model(args.model), args.input, args.output, args.batch_size)
    summary["model"] = args.model
    if args.json:
        print_json(summary)
        return 0
    if summary["kind"] == "volume":
        shape = "×".join(map(str, summary["shape"]))
        print(f"{args.input} ({shape}): {summary['lesion_voxels']} lesion voxels on the slices")
    else:
        print(f"{args.input}: {summary['images']} images, {summary['lesion_pixels']} lesion pixels")
    print(f"mask written to {args.output}")
    return 0
