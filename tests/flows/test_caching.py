"""Caching: a rerun computes nothing; a change recomputes exactly what is downstream of it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from prefect import flow

from flows.pipeline import Runner, pipeline
from stsnet.config import AmplificationSettings, DatasetSettings
from stsnet.data import stages
from tasks import amplify, caching, convert_slices, ingest
from tests.data.helpers import write_nnunet
from tests.fixtures.prefect import TINY_PARAMETERS

DATA_TASKS = ("ingest", "convert_slices", "amplify")


@flow
def prepare(dataset: DatasetSettings, amplification: AmplificationSettings, root: str) -> dict:
    run = Runner(root)
    raw = run(ingest, dataset=dataset, root=root)
    converted = run(convert_slices, dataset=dataset, raw=raw, root=root)
    store = run(amplify, converted=converted, amplification=amplification, root=root)
    return {"outcomes": run.outcomes, "store": store}


@pytest.fixture
def raw_volumes(tmp_path: Path) -> Path:
    return write_nnunet(tmp_path / "raw", cases=4)


@pytest.fixture
def code_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The hashed `stsnet` sources point at a copy, which a test may edit."""
    copy = tmp_path / "stsnet-copy"
    shutil.copytree(caching.SOURCE_ROOT["stsnet"], copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setitem(caching.SOURCE_ROOT, "stsnet", copy)
    return copy


def test_data_tasks_rerun_exactly_downstream_of_a_change(prefect_api, tmp_path, raw_volumes, code_copy):
    root = str(tmp_path / "root")
    dataset = DatasetSettings(name="sccm2022", source=str(raw_volumes), size=32, test_fraction=0.25)
    method4 = AmplificationSettings(method="method4")

    first = prepare(dataset, method4, root)
    assert first["outcomes"] == dict.fromkeys(DATA_TASKS, "Completed")
    assert prepare(dataset, method4, root)["outcomes"] == dict.fromkeys(DATA_TASKS, "Cached")

    method1 = prepare(dataset, AmplificationSettings(method="method1"), root)
    assert method1["outcomes"] == {"ingest": "Cached", "convert_slices": "Cached", "amplify": "Completed"}

    amplify_py = code_copy / "data" / "amplify.py"
    amplify_py.write_text(amplify_py.read_text() + "\n# a change in the amplification code\n")
    changed_code = prepare(dataset, method4, root)
    assert changed_code["outcomes"] == {
        "ingest": "Cached",
        "convert_slices": "Cached",
        "amplify": "Completed",
    }
    assert changed_code["store"].fingerprint != first["store"].fingerprint

    stages.remove(changed_code["store"])
    assert prepare(dataset, method4, root)["outcomes"]["amplify"] == "Recomputed"

    case = next((raw_volumes / "imagesTr").iterdir())
    write_nnunet(raw_volumes, cases=1, seed=7)
    shutil.copyfile(raw_volumes / "imagesTr" / "case_007.nii.gz", case)
    for extra in raw_volumes.rglob("case_007.nii.gz"):
        extra.unlink()
    assert prepare(dataset, method4, root)["outcomes"] == dict.fromkeys(DATA_TASKS, "Completed")


@pytest.mark.slow
def test_pipeline_reruns_train_evaluate_register_after_a_training_change(prefect_api, ray_local, stsnet_home):
    first = pipeline(**TINY_PARAMETERS)
    assert set(first.tasks.values()) == {"Completed"}
    again = pipeline(**TINY_PARAMETERS)
    assert set(again.tasks.values()) == {"Cached"}

    changed = {**TINY_PARAMETERS, "training": {**TINY_PARAMETERS["training"], "lr": 0.01}}
    rerun = pipeline(**changed)
    assert rerun.tasks == {
        "ingest": "Cached",
        "convert_slices": "Cached",
        "amplify": "Cached",
        "train": "Completed",
        "evaluate": "Completed",
        "register": "Completed",
    }

    shutil.rmtree(Path(rerun.store))
    checkpoints = Path(stsnet_home) / "ray_results" / rerun.run_name
    shutil.rmtree(checkpoints)
    recovered = pipeline(**changed)
    assert recovered.tasks["amplify"] == "Recomputed"
    assert recovered.tasks["train"] == "Recomputed"
