"""Orchestration overhead of the `pipeline` flow on the demo's workload.

Prints, from one run: the flow's wall time against the sum of its stages called directly (the same
`stsnet` calls, no Prefect), as a ratio (target <= 1.3x) and in seconds; then a cached rerun of the
flow against its first run (target <= 0.1x). Each measurement uses a fresh data root.
Run: `python -m benchmarks.pipeline_overhead` (`--quick`: a 32 px, 2-step workload, where fixed costs
such as starting Ray dominate, for a check in minutes).
"""

from __future__ import annotations

import flows.quiet  # noqa: F401 - first: quiet environment before the libraries load

# isort: split
import argparse
import os
import tempfile
import time
from typing import Any

from deployments.presets import DEMO_PARAMETERS
from flows.pipeline import pipeline
from stsnet.config import (
    AmplificationSettings,
    DatasetSettings,
    ModelSettings,
    ScalingSettings,
    TrainingSettings,
)
from stsnet.data import stages

QUICK_PARAMETERS: dict[str, Any] = {
    **DEMO_PARAMETERS,
    "dataset": {"name": "synthetic-sccm", "size": 32, "synthetic_count": 3},
    "training": {"epochs": 1, "batch_size": 2, "max_steps_per_epoch": 2},
}


def direct(p: dict[str, Any], root: str) -> float:
    """The pipeline's stages as plain `stsnet` calls; returns their total seconds."""
    from stsnet import tracking
    from stsnet.evaluate import evaluate
    from stsnet.train.launcher import train
    from tasks.training import local_ray

    dataset, amplification = DatasetSettings(**p["dataset"]), AmplificationSettings(**p["amplification"])
    started = time.perf_counter()
    raw = stages.ingest(dataset, root)
    store = stages.amplify(stages.convert_slices(dataset, raw, root), amplification, root)
    with local_ray():
        result = train(
            store.location,
            ModelSettings(**p["model"]),
            TrainingSettings(**p["training"]),
            ScalingSettings(**p.get("scaling", {}), storage_path=os.path.join(root, "ray_results")),
            "direct",
        )
    summary = evaluate(result.best_checkpoint, store.location, os.path.join(root, "evaluation"))
    run_id = tracking.log_training_run("overhead", {}, result.history, summary, {}, {})
    tracking.register_model(run_id, result.best_checkpoint, "overhead-direct")
    return time.perf_counter() - started


def flow_run(p: dict[str, Any], root: str) -> float:
    started = time.perf_counter()
    pipeline(**p, data_root=root)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tiny workload instead of the demo's")
    p = QUICK_PARAMETERS if parser.parse_args().quick else DEMO_PARAMETERS
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        os.environ["STSNET_HOME"] = a
        stages_s = direct(p, a)
        os.environ["STSNET_HOME"] = b
        first_s = flow_run(p, b)
        cached_s = flow_run(p, b)
    print(f"stages called directly : {stages_s:8.1f} s")
    print(f"pipeline flow          : {first_s:8.1f} s  ratio {first_s / stages_s:.2f}x (target <= 1.3x)")
    print(f"orchestration overhead : {first_s - stages_s:8.1f} s")
    print(f"cached rerun           : {cached_s:8.1f} s  ratio {cached_s / first_s:.3f}x (target <= 0.1x)")


if __name__ == "__main__":
    main()
