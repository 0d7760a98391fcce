"""Train a model on a dataset with Ray Train, evaluate it, log the run to MLflow and register it.

Prepares the dataset first (reusing an identical store), trains with a checkpoint every epoch
(`--run-name` of an interrupted run resumes it), evaluates the best checkpoint on the test split,
and prints the test metrics, the MLflow run and the registered model version with its alias.
"""

from __future__ import annotations

import argparse
import typing

from pydantic import ValidationError

from stsnet.cli.output import format_table, print_json
from stsnet.config.data import AmplificationMethod, AmplificationSettings, DatasetSettings
from stsnet.config.model import ModelSettings
from stsnet.config.scaling import ScalingSettings
from stsnet.config.training import TrainingSettings
from stsnet.data.sources import list_sources
from stsnet.metrics import PAPER_METRICS
from stsnet.train.job import training_job


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dataset", required=True, choices=list_sources(), help="dataset source")
    parser.add_argument("--model", default="sts-net", help="registered model name (see `stsnet models`)")
    parser.add_argument("--source", help="raw data: folder, .zip or s3:// prefix (not for synthetic sources)")
    parser.add_argument("--size", type=int, help="image side, a multiple of 8 (paper: 480 3D, 512 2D)")
    parser.add_argument("--synthetic-count", type=int, help="synthetic sources: number of cases")
    parser.add_argument(
        "--amplify", default="method4", choices=typing.get_args(AmplificationMethod), help="amplification"
    )
    parser.add_argument("--workers", type=int, default=1, help="Ray Train workers (DDP replicas)")
    parser.add_argument(
        "--gpu", action=argparse.BooleanOptionalAction, help="one GPU per worker (default: auto)"
    )
    parser.add_argument("--epochs", type=int, help="training epochs (paper: 100)")
    parser.add_argument("--batch-size", type=int, help="images per step and worker (paper: 4)")
    parser.add_argument("--lr", type=float, help="AdamW learning rate (paper: 1e-4)")
    parser.add_argument("--max-steps", type=int, help="cap on steps per epoch (smoke runs)")
    parser.add_argument("--no-mixed-precision", action="store_true", help="plain fp32")
    parser.add_argument("--run-name", help="run to create or resume (default: a new timestamped name)")
    parser.add_argument(
        "--storage", help="checkpoints: local folder or s3:// (default: <data root>/ray_results)"
    )
    parser.add_argument(
        "--register-as", help="registry name (default: stsnet-<dataset>, baselines <model>-<dataset>)"
    )
    parser.add_argument("--in-process", action="store_true", help="train in this process, without Ray")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    training_fields = {
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "lr": args.lr,
        "max_steps_per_epoch": args.max_steps,
        "mixed_precision": False if args.no_mixed_precision else None,
    }
    try:
        dataset = DatasetSettings(
            name=args.dataset,
            source=args.source,
            size=args.size,
            **({"synthetic_count": args.synthetic_count} if args.synthetic_count else {}),
        )
        model = ModelSettings(name=args.model)
        training = TrainingSettings(**{k: v for k, v in training_fields.items() if v is not None})
        scaling = ScalingSettings(
            num_workers=args.workers,
            use_gpu=args.gpu,
            storage_path=args.storage,
            launcher="in-process" if args.in_process else "ray",
        )
    except ValidationError as error:
        fields = (f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in error.errors())
        raise ValueError("; ".join(fields)) from None
    summary = training_job(
        dataset,
        AmplificationSettings(method=args.amplify),
        model,
        training,
        scaling,
        run_name=args.run_name,
        register_as=args.register_as,
    )
    if args.json:
        print_json(summary)
        return 0
    print(f"\nrun {summary['run_name']}: {summary['training']['epochs_done']} epochs")
    print(f"best checkpoint: {summary['training']['best_checkpoint']}")
    print(f"\ntest split (paper protocol, %); pooled Dice {summary['pooled_dice']:.2f}")
    print(
        format_table(
            ["mDice", "mIoU", "Jaccard", "Recall", "Precision"], [[summary["test"][m] for m in PAPER_METRICS]]
        )
    )
    print(f"evaluation: {summary['evaluation']}")
    print_run(summary["mlflow"])
    registered = summary["registered"]
    print(f"registered: {registered['name']} version {registered['version']} as @{registered['alias']}")
    print(f"  load it with: stsnet predict --model {registered['uri']} --input ... --output ...")
    return 0


def print_run(location: dict[str, str]) -> None:
    """The MLflow run's address, for the text output of train and evaluate."""
    run, experiment = location["run_id"], location["experiment_id"]
    print(f"MLflow run {run} (experiment {experiment}) at {location['tracking_uri']}")
    if "url" in location:
        print(f"  {location['url']}")
