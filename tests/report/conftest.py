"""A synthetic benchmark in a temporary SQLite MLflow store, as the benchmark flow leaves it.

2 models × 2 datasets × plain/amplified × 2 seeds and two ablation runs, each with test metrics,
learning curves, `evaluation/summary.json` from `summarize` and its predicted masks as PNG; a fake
prepared store holds the test images and ground truth. One cell (buid-s, u-net, method4) failed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from mlflow.tracking import MlflowClient
from PIL import Image

from stsnet.metrics import PAPER_METRICS, summarize
from stsnet.report import ERROR_TAG

BENCHMARK_ID = "bench-test"
DATASETS = ("sccm2022", "buid-s")
MODELS = ("sts-net", "u-net")
AMPLIFICATIONS = ("none", "method4")
SEEDS = (1, 2)
ABLATION_RUNS = (("sccm2022", "sts-net-none", "none", 1), ("sccm2022", "sts-net", "method2", 1))
FAILED_CELL = ("buid-s", "u-net", "method4")
FAILED_ERROR = "RuntimeError: CUDA out of memory at epoch 3"
SIDE = 32
IMAGES = 10


@dataclass(frozen=True)
class Benchmark:
    uri: str
    root: Path
    runs: dict[tuple[str, str, str, int], dict]


def _store(folder: Path, rng: np.random.Generator) -> np.ndarray:
    """A prepared-store stand-in: test images and masks with lesions of 0 to 14 pixels a side."""
    folder.mkdir(parents=True)
    masks = np.zeros((IMAGES, SIDE, SIDE), dtype=np.uint8)
    for i in range(1, IMAGES):
        half = i // 1.5 + 1
        y, x = rng.integers(8, SIDE - 8, size=2)
        masks[i, max(0, int(y - half)) : int(y + half), max(0, int(x - half)) : int(x + half)] = 1
    images = rng.integers(0, 80, size=(IMAGES, 3, SIDE, SIDE), dtype=np.uint8)
    images += (masks[:, None] * 150).astype(np.uint8)
    np.save(folder / "test.images.npy", images)
    np.save(folder / "test.masks.npy", masks)
    (folder / "info.json").write_text(json.dumps({"format": 1}))
    return masks


def _prediction(truth: np.ndarray, rng: np.random.Generator, quality: float) -> np.ndarray:
    """The truth with a fraction of its pixels dropped and a few false positives: better with quality."""
    keep = rng.random(truth.shape) < quality
    noise = rng.random(truth.shape) < (1 - quality) * 0.01
    return ((truth.astype(bool) & keep) | noise).astype(np.uint8)


def _log_run(client: MlflowClient, experiment_id: str, key, truth, rng, store: Path, scratch: Path) -> dict:
    dataset, model, amplification, seed = key
    tags = {
        "stsnet.dataset": dataset,
        "stsnet.model": model,
        "stsnet.amplification": amplification,
        "stsnet.seed": str(seed),
        "stsnet.benchmark_id": BENCHMARK_ID,
    }
    run = client.create_run(experiment_id, tags=tags, run_name=f"{model}-{amplification}-{seed}")
    run_id = run.info.run_id
    client.log_param(run_id, "store", str(store))
    if (dataset, model, amplification) == FAILED_CELL:
        client.set_tag(run_id, ERROR_TAG, FAILED_ERROR)
        client.set_terminated(run_id, "FAILED")
        return {}
    quality = 0.55 + 0.2 * (model == "sts-net") + 0.15 * (amplification != "none") + 0.02 * seed
    pred = _prediction(truth, rng, quality)
    summary = summarize(pred, truth)
    for epoch in range(3):
        client.log_metric(run_id, "train_loss", 1.0 / (epoch + 1) + 0.1 * seed, step=epoch)
        client.log_metric(run_id, "val_mdice", 50 + 10 * epoch * quality, step=epoch)
    for metric in PAPER_METRICS:
        client.log_metric(run_id, f"test_{metric}", summary["paper"][metric])
    folder = scratch / run_id / "evaluation"
    (folder / "masks").mkdir(parents=True)
    (folder / "summary.json").write_text(json.dumps(summary))
    for index, mask in enumerate(pred):
        Image.fromarray(mask * 255).save(folder / "masks" / f"{index:05d}.png")
    client.log_artifacts(run_id, str(folder), "evaluation")
    client.set_terminated(run_id)
    return summary


@pytest.fixture(scope="session")
def benchmark(tmp_path_factory: pytest.TempPathFactory) -> Benchmark:
    root = tmp_path_factory.mktemp("benchmark")
    uri = f"sqlite:///{root / 'mlflow.db'}"
    client = MlflowClient(tracking_uri=uri)
    rng = np.random.default_rng(0)
    runs = {}
    for dataset in DATASETS:
        store = root / "prepared" / dataset
        truth = _store(store, rng)
        experiment_id = client.create_experiment(
            f"stsnet-{dataset}", artifact_location=(root / "artifacts" / dataset).as_uri()
        )
        for model in MODELS:
            for amplification in AMPLIFICATIONS:
                for seed in SEEDS:
                    key = (dataset, model, amplification, seed)
                    runs[key] = _log_run(client, experiment_id, key, truth, rng, store, root / "scratch")
        for key in (k for k in ABLATION_RUNS if k[0] == dataset):
            runs[key] = _log_run(client, experiment_id, key, truth, rng, store, root / "scratch")
    return Benchmark(uri, root, runs)
