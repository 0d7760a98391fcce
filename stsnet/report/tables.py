"""The paper's Tables 1–9 with our numbers beside the published ones, and the size-bucket tables.

Tables 1–4 are the per-dataset comparisons (every model, plain and amplified); Tables 5–9 the
ablations on STS-Net, which the paper ran on SCCM-2022 and we build for every dataset that has
ablation runs. `ABLATION_ROWS` maps each published row to the registry model and amplification
that reproduce it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from stsnet.metrics import PAPER_METRICS
from stsnet.models.registry import model_info
from stsnet.paper import paper_table
from stsnet.report.cells import REPORTED_BUCKETS, Cell
from stsnet.report.table import Table, mark_best, number

METRIC_NAMES = {
    "mdice": "mDice",
    "miou": "mIoU",
    "jaccard": "Jaccard",
    "recall": "Recall",
    "precision": "Precision",
}
DATASET_TABLES = {"sccm2022": 1, "synthetic-sccm": 1, "buid-s": 2, "isic2017": 3, "lungs-ct": 4}
PLAIN = "none"
STANDARD_AMPLIFICATION = "method4"
ComplexityFn = Callable[[str], tuple[float, float]]
_MAIN_ROWS = {("sts-net", PLAIN), ("sts-net", STANDARD_AMPLIFICATION)}


@dataclass(frozen=True)
class AblationTable:
    number: int
    title: str
    label_columns: tuple[str, ...]
    rows: tuple[tuple[tuple[str, ...], str, str], ...]


def _variants(pairs: Sequence[tuple[str, str]], amplification: str = STANDARD_AMPLIFICATION):
    return tuple(((label,), model, amplification) for label, model in pairs)


ABLATION_ROWS = (
    AblationTable(
        5,
        "Table 5 — encoders (STS-Net decoder and ESCA, amplified)",
        ("encoder",),
        _variants(
            [
                ("MobileNetV2", "sts-net-mobilenetv2"),
                ("EfficientNet-b0", "sts-net-efficientnet-b0"),
                ("DPN68", "sts-net-dpn68"),
                ("ResNet50", "sts-net-resnet50"),
                ("ResNeXt50-32x4d", "sts-net"),
            ],
        ),
    ),
    AblationTable(
        6,
        "Table 6 — decoders (ResNeXt50 encoder with ESCA, amplified)",
        ("decoder",),
        _variants(
            [
                ("DeepLabV3+", "sts-net-deeplabv3plus"),
                ("U-Net", "sts-net-unet"),
                ("PAN", "sts-net-pan"),
                ("UNet++", "sts-net-unetplusplus"),
                ("DeepLabV3", "sts-net"),
            ],
        ),
    ),
    AblationTable(
        7,
        "Table 7 — amplification methods (STS-Net)",
        ("amplification",),
        (
            (("Baseline",), "sts-net", PLAIN),
            (("Method 1",), "sts-net", "method1"),
            (("Method 2",), "sts-net", "method2"),
            (("Method 3",), "sts-net", "method3"),
            (("Method 4",), "sts-net", "method4"),
        ),
    ),
    AblationTable(
        8,
        "Table 8 — components (backbone = STS-Net without attention)",
        ("backbone", "amplification", "esca"),
        (
            (("true", "false", "false"), "sts-net-none", PLAIN),
            (("true", "true", "false"), "sts-net-none", STANDARD_AMPLIFICATION),
            (("true", "false", "true"), "sts-net", PLAIN),
            (("true", "true", "true"), "sts-net", STANDARD_AMPLIFICATION),
        ),
    ),
    AblationTable(
        9,
        "Table 9 — attention modules (amplified)",
        ("attention",),
        _variants(
            [
                ("CBAM", "sts-net-cbam"),
                ("SE", "sts-net-se"),
                ("None", "sts-net-none"),
                ("GCT", "sts-net-gct"),
                ("SRM", "sts-net-srm"),
                ("ESCA", "sts-net"),
                ("ECA", "sts-net-eca"),
            ],
        ),
    ),
)


def dataset_table(dataset: str, cells: Sequence[Cell], complexity: ComplexityFn | None = None) -> Table:
    """Tables 1–4: every model of `dataset`, plain and amplified, beside the paper's row.

    The paper's amplified rows ('*') used Method 4; a run with another method has no published row.
    """
    number_ = DATASET_TABLES.get(dataset)
    published = {(r["model"], r["amplified"]): r for r in paper_table(number_)} if number_ else {}
    with_complexity = number_ == 1 and complexity is not None
    ours = [c for c in cells if c.dataset == dataset]
    rows = []
    for cell in sorted(ours, key=lambda c: (c.model, c.amplification != PLAIN, c.amplification)):
        paper_name = model_info(cell.model).paper_name or ""
        published_as = {PLAIN: "false", STANDARD_AMPLIFICATION: "true"}.get(cell.amplification)
        paper = published.get((paper_name, published_as))
        extra = {}
        if with_complexity and cell.amplification == PLAIN:
            params, flops = complexity(cell.model)
            extra = {
                "params_m": (params, paper and paper.get("params_m")),
                "flops_g": (flops, paper and paper.get("flops_g")),
            }
        rows.append(((cell.model, cell.amplification), cell, paper, extra))
    title = f"Table {number_} — {dataset}" if number_ else f"{dataset} (no published table)"
    note = "Params (M) and FLOPs (G, paper convention) at 480×480." if with_complexity else ""
    return _comparison(f"table-{dataset}", title, ("model", "amplification"), PAPER_METRICS, rows, note)


def ablation_tables(dataset: str, cells: Sequence[Cell]) -> list[Table]:
    """Tables 5–9 for `dataset`, each only when one of its distinctive rows was run there.

    The plain and standard-amplified STS-Net rows sit in every ablation table and in Tables 1–4;
    an ablation table appears when a row beside them (a variant or another method) was run.
    """
    by_key = {(c.model, c.amplification): c for c in cells if c.dataset == dataset}
    tables = []
    for spec in ABLATION_ROWS:
        if not any((model, amp) in by_key for _, model, amp in spec.rows if (model, amp) not in _MAIN_ROWS):
            continue
        published = paper_table(spec.number)
        metrics = tuple(m for m in PAPER_METRICS if m in published[0])
        rows = []
        for labels, model, amp in spec.rows:
            paper = next(
                (r for r in published if tuple(str(r[k]) for k in spec.label_columns) == labels), None
            )
            rows.append((labels, by_key.get((model, amp)), paper, {}))
        note = f"Paper values from SCCM-2022; ours on {dataset}. Rows map to registry models: " + ", ".join(
            f"{'/'.join(labels)} = {model} ({amp})" for labels, model, amp in spec.rows
        )
        tables.append(
            _comparison(
                f"table{spec.number}-{dataset}",
                f"{spec.title} — {dataset}",
                spec.label_columns,
                metrics,
                rows,
                note,
            )
        )
    return tables


def _comparison(
    key: str, title: str, labels: Sequence[str], metrics: Sequence[str], rows, note: str
) -> Table:
    extras = list(dict.fromkeys(k for *_, extra in rows for k in extra))
    headers = [*labels, "runs"]
    for metric in metrics:
        headers += [METRIC_NAMES[metric], "paper", "Δ"]
    for name in extras:
        headers += [{"params_m": "Params (M)", "flops_g": "FLOPs (G)"}[name], "paper"]
    table = Table(key, title, headers, note=note)
    ours_values, paper_values = [], []
    for label_values, cell, paper, extra in rows:
        row, record = list(label_values), dict(zip(labels, label_values, strict=True))
        row.append(_runs_text(cell))
        record.update(runs=len(cell.runs) if cell else 0, failed=len(cell.failed) if cell else 0)
        record["error"] = cell.errors if cell else ""
        ours_row, paper_row = [], []
        for metric in metrics:
            spread = cell.spread.get(metric) if cell else None
            published = paper.get(metric) if paper else None
            diff = spread.mean - published if spread and published is not None else None
            row += [_ours_text(cell, spread), number(published), _signed(diff)]
            record.update(
                {
                    metric: spread.mean if spread else None,
                    f"{metric}_std": spread.std if spread else None,
                    f"{metric}_paper": published,
                    f"{metric}_diff": diff,
                }
            )
            ours_row.append(spread.mean if spread else None)
            paper_row.append(published)
        for name in extras:
            value, published = extra.get(name, (None, None))
            row += [number(value), number(published)]
            record.update({name: value, f"{name}_paper": published})
        table.rows.append(row)
        table.records.append(record)
        ours_values.append(ours_row)
        paper_values.append(paper_row)
    first = len(labels) + 1
    mark_best(table, [first + 3 * k for k in range(len(metrics))], ours_values)
    mark_best(table, [first + 3 * k + 1 for k in range(len(metrics))], paper_values)
    return table


def _runs_text(cell: Cell | None) -> str:
    if cell is None:
        return "not run"
    ok = f"{len(cell.succeeded)}/{len(cell.runs)} seeds"
    return f"FAILED ({len(cell.failed)}/{len(cell.runs)}): {cell.errors}" if cell.failed else ok


def _ours_text(cell: Cell | None, spread) -> str:
    if cell is None:
        return "not run"
    if spread is None:
        return "FAILED" if cell.failed else "-"
    return f"{spread.mean:.2f} ± {spread.std:.2f}" if spread.n > 1 else f"{spread.mean:.2f}"


def _signed(value: float | None) -> str:
    return "-" if value is None else f"{value:+.2f}"


def size_table(dataset: str, cells: Sequence[Cell]) -> Table:
    """Every paper metric by lesion-size bucket (share of the image), mean ± std over seeds."""
    headers = ["model", "amplification", "lesion size", "images", *(METRIC_NAMES[m] for m in PAPER_METRICS)]
    table = Table(f"size-{dataset}", f"By lesion size — {dataset}", headers)
    for cell in (c for c in cells if c.dataset == dataset):
        for bucket in REPORTED_BUCKETS:
            count = sum(1 for b in cell.buckets if b == bucket)
            spreads = cell.by_size.get(bucket, {})
            if cell.failed and not cell.succeeded:
                texts = ["FAILED"] * len(PAPER_METRICS)
            else:
                texts = [_ours_text(cell, spreads.get(m)) for m in PAPER_METRICS]
            table.rows.append([cell.model, cell.amplification, bucket, str(count), *texts])
            table.records.append(
                {
                    "model": cell.model,
                    "amplification": cell.amplification,
                    "bucket": bucket,
                    "images": count,
                    "error": cell.errors,
                    **{m: spreads[m].mean if m in spreads else None for m in PAPER_METRICS},
                    **{f"{m}_std": spreads[m].std if m in spreads else None for m in PAPER_METRICS},
                }
            )
    return table
