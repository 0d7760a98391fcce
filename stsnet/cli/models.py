"""List every registered model with its parameters and FLOPs beside the paper's Table 1.

FLOPs are printed as FlopCounterMode counts them and in the paper's convention (2× that).
"""

from __future__ import annotations

import argparse

from stsnet.cli.output import format_table, print_json
from stsnet.models.complexity import measure
from stsnet.models.registry import list_models, model_info
from stsnet.paper import paper_table


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--size", type=int, default=480, help="input side for the FLOP count (paper: 480)")
    parser.add_argument("--names", nargs="*", help="only these models (default: all)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def model_rows(size: int, names: list[str] | None = None) -> list[dict]:
    """One row per model: measured and published complexity, and their relative differences."""
    published = {row["model"]: row for row in paper_table(1) if row["amplified"] == "false"}
    rows = []
    for name in names or list_models():
        info = model_info(name)
        counted = measure(name, size=size)
        paper = published.get(info.paper_name or "", {})
        rows.append(
            {
                "model": name,
                "paper_name": info.paper_name,
                "params_m": counted.params_m,
                "flops_g": counted.flops_g,
                "paper_convention_flops_g": counted.paper_flops_g,
                "paper_params_m": paper.get("params_m"),
                "paper_flops_g": paper.get("flops_g"),
                "params_diff_pct": _relative(counted.params_m, paper.get("params_m")),
                "flops_diff_pct": _relative(counted.paper_flops_g, paper.get("flops_g"))
                if size == 480
                else None,
                "note": info.note,
            }
        )
    return rows


def _relative(ours: float, theirs: float | None) -> float | None:
    return None if not theirs else 100.0 * (ours - theirs) / theirs


def run(args: argparse.Namespace) -> int:
    if args.size < 32 or args.size % 8:
        raise ValueError(f"--size must be a multiple of 8 and at least 32, got {args.size}")
    rows = model_rows(args.size, args.names)
    if args.json:
        print_json({"size": args.size, "flops_convention": "paper = 2 x FlopCounterMode", "models": rows})
        return 0
    headers = ["model", "params M", "paper M", "Δ%", "GFLOPs (FC)", "paper-conv", "paper G", "Δ%"]
    table = [
        [
            r["model"],
            r["params_m"],
            r["paper_params_m"],
            r["params_diff_pct"],
            r["flops_g"],
            r["paper_convention_flops_g"],
            r["paper_flops_g"],
            r["flops_diff_pct"],
        ]
        for r in rows
    ]
    print(f"Models at 1×3×{args.size}×{args.size}; paper-convention FLOPs = 2 × FlopCounterMode")
    print(format_table(headers, table))
    for r in rows:
        if r["note"]:
            print(f"note: {r['model']}: {r['note']}")
    return 0
