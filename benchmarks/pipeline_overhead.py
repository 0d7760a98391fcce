"""Orchestration overhead of the `pipeline` flow on the demo's workload.

Prints, from one run: the flow's wall time against the sum of its stages called directly (the same
`stsnet` calls, no Prefect), as a ratio (target <= 1.3x) and in seconds; then a cached rerun of the
flow against its first run (target <= 0.1x). Each measurement uses a fresh data root.
Run: `python -m benchmarks.pipeline_overhead`.
"""

from __future__ import annotations

import flows.quiet  # noqa: F401 - first: quiet environment before the libraries load

# isort: split
import os
import tempfile
import time

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


def direct(root: str) -> float:
    """The pipeline's stages as plain `stsnet` calls; returns their total seconds."""
    from stsnet import tracking
    from stsnet.evaluate import evaluate
    from stsnet.train.launcher import train

    p = DEMO_PARAMETERS
    dataset, amplification = DatasetSettings(**p["dataset"]), AmplificationSettings(**p["amplification"])
    started = time.perf_counter()
    raw = stages.ingest(dataset, root)
    store = stages.amplify(stages.convert_slices(dataset, raw, root), amplification, root)
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


def flow_run(root: str) -> float:
    started = time.perf_counter()
    pipeline(**DEMO_PARAMETERS, data_root=root)
    return time.perf_counter() - started


def main() -> None:
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        os.environ["STSNET_HOME"] = a
        stages_s = direct(a)
        os.environ["STSNET_HOME"] = b
        first_s = flow_run(b)
        cached_s = flow_run(b)
    print(f"stages called directly : {stages_s:8.1f} s")
    print(f"pipeline flow          : {first_s:8.1f} s  ratio {first_s / stages_s:.2f}x (target <= 1.3x)")
    print(f"orchestration overhead : {first_s - stages_s:8.1f} s")
    print(f"cached rerun           : {cached_s:8.1f} s  ratio {cached_s / first_s:.3f}x (target <= 0.1x)")


if __name__ == "__main__":
    main()
