"""The deployment file, the presets and the infrastructure manifests parse and agree."""

from __future__ import annotations

import importlib
import ipaddress
import json
from pathlib import Path

import yaml

from deployments.presets import DATASET_PRESETS, DEMO_PARAMETERS
from flows.pipeline import pipeline
from stsnet.config import AmplificationSettings, DatasetSettings, TrainingSettings

REPO = Path(__file__).resolve().parents[2]


def deployments() -> list[dict]:
    return yaml.safe_load((REPO / "prefect.yaml").read_text())["deployments"]


def test_every_deployment_has_an_importable_flow_on_the_shared_pool():
    for deployment in deployments():
        path, name = deployment["entrypoint"].split(":")
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        assert hasattr(getattr(module, name), "deploy"), deployment["entrypoint"]
        assert deployment["work_pool"]["name"] == "stsnet-local"


def test_dataset_pipelines_carry_the_paper_presets():
    pipelines = {d["name"]: d for d in deployments() if d["entrypoint"] == "flows/pipeline.py:pipeline"}
    for name, preset in DATASET_PRESETS.items():
        assert pipelines[name]["parameters"] == preset, name
    assert pipelines["demo"]["parameters"] == DEMO_PARAMETERS
    for parameters in [*DATASET_PRESETS.values(), DEMO_PARAMETERS]:
        DatasetSettings(**parameters["dataset"])
        AmplificationSettings(**parameters["amplification"])
        TrainingSettings(**parameters["training"])
        pipeline.validate_parameters(parameters)


def test_weekly_benchmark_is_inactive_by_default():
    (full,) = [d for d in deployments() if d["name"] == "full-rerun"]
    assert full["schedules"] == [{"cron": "0 3 * * 1", "timezone": "UTC", "active": False}]


def test_cluster_manifests_parse():
    documents = [
        doc
        for name in ("raycluster.yaml", "mlflow.yaml")
        for doc in yaml.safe_load_all((REPO / "infra" / "cluster" / name).read_text())
    ]
    kinds = {doc["kind"] for doc in documents}
    assert {"RayCluster", "Deployment", "StatefulSet", "Service"} <= kinds
    (ray,) = [d for d in documents if d["kind"] == "RayCluster"]
    gpu = ray["spec"]["workerGroupSpecs"][0]["template"]["spec"]["containers"][0]["resources"]["limits"]
    assert gpu["nvidia.com/gpu"] == "1"
    pool = json.loads((REPO / "infra" / "cluster" / "prefect-work-pool.json").read_text())
    assert pool["job_configuration"]["job_manifest"]["kind"] == "Job"


def test_local_stack_binds_loopback_only():
    script = (REPO / "infra" / "local" / "stack-up").read_text()
    every_interface = str(ipaddress.IPv4Address(0))  # the unspecified address
    assert every_interface not in script
    assert script.count("127.0.0.1") >= 4
