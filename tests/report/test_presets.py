"""The deployment presets hold valid settings: every dataset, model and training field is accepted."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
import yaml

from stsnet.config import AmplificationSettings, DatasetSettings, ScalingSettings, TrainingSettings
from stsnet.models.registry import list_models, model_info

PRESETS = Path(__file__).resolve().parents[2] / "deployments" / "presets"
SHARED_DATA = PRESETS.parents[1] / ".." / "shared" / "data"


@pytest.mark.parametrize("name", ["paper", "smoke"])
def test_preset_settings_validate(name: str) -> None:
    parameters = yaml.safe_load((PRESETS / f"{name}.yaml").read_text())["parameters"]
    for dataset in parameters["datasets"]:
        DatasetSettings(**dataset)
    AmplificationSettings(**parameters["amplification"])
    assert parameters["amplified"] == [False, True]
    TrainingSettings(**parameters["training"])
    ScalingSettings(**parameters["scaling"])
    assert set(parameters["models"]) <= set(list_models())
    paper_rows = {model_info(m).paper_name for m in parameters["models"]}
    assert len(paper_rows) == 14, "the paper compares 14 networks"


@pytest.mark.skipif(
    not SHARED_DATA.is_dir(), reason="../shared/data samples not present beside this checkout"
)
def test_smoke_preset_reads_the_shared_samples() -> None:
    parameters = yaml.safe_load((PRESETS / "smoke.yaml").read_text())["parameters"]
    root = PRESETS.parents[1]
    for dataset in parameters["datasets"]:
        if dataset.get("source"):
            assert (root / dataset["source"]).exists(), dataset["source"]


@pytest.mark.parametrize("name", ["paper", "smoke"])
def test_preset_parameters_are_the_benchmark_flows(name: str) -> None:
    from flows.benchmark import benchmark

    preset = yaml.safe_load((PRESETS / f"{name}.yaml").read_text())
    assert preset["flow"] == "benchmark"
    assert set(preset["parameters"]) <= set(inspect.signature(benchmark.fn).parameters)
