"""End to end with real services on 127.0.0.1: a Prefect server, `prefect deploy` from prefect.yaml,
a process worker, a run triggered through the API as the UI's form does, then the registered model
pulled from MLflow by alias segments a new volume."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest

from stsnet.config import AmplificationSettings, DatasetSettings, TrainingSettings
from tests.fixtures.prefect import REPO, start, stop

pytestmark = pytest.mark.slow

POOL = "stsnet-local"
RUN_SECONDS = 420


def api(env: dict[str, str], method: str, path: str, body: dict | None = None) -> dict:
    """One call to the server's REST API, the one the UI uses."""
    request = urllib.request.Request(
        env["PREFECT_API_URL"] + path,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method=method,
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def prefect(env: dict[str, str], *args: str) -> str:
    bin_dir = Path(sys.executable).parent
    done = subprocess.run(
        [str(bin_dir / "prefect"), "--no-prompt", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def form_parameters() -> dict:
    """What the run form submits: every field of each settings model, edited to a tiny run."""
    return {
        "dataset": DatasetSettings(name="synthetic-sccm", size=32, synthetic_count=3).model_dump(mode="json"),
        "amplification": AmplificationSettings(method="method4").model_dump(mode="json"),
        "model": {"name": "sts-net"},
        "training": TrainingSettings(
            epochs=1, batch_size=2, max_steps_per_epoch=1, mixed_precision=False
        ).model_dump(mode="json"),
    }


def wait_for_run(env: dict[str, str], run_id: str, worker: subprocess.Popen, log: Path) -> dict:
    deadline = time.monotonic() + RUN_SECONDS
    while time.monotonic() < deadline:
        run = api(env, "GET", f"/flow_runs/{run_id}")
        if run["state"]["type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
            return run
        assert worker.poll() is None, f"worker exited: {log.read_text()[-3000:]}"
        time.sleep(2)
    raise TimeoutError(f"flow run {run_id} not finished in {RUN_SECONDS} s: {log.read_text()[-3000:]}")


def test_deployed_pipeline_runs_on_a_worker_and_its_model_predicts(prefect_server, tmp_path, monkeypatch):
    home = tmp_path / "stsnet-home"
    tracking = f"sqlite:///{tmp_path / 'mlflow.db'}"
    env = {**prefect_server, "STSNET_HOME": str(home), "MLFLOW_TRACKING_URI": tracking}

    prefect(env, "work-pool", "create", POOL, "--type", "process", "--overwrite")
    prefect(env, "deploy", "--name", "demo")
    deployment = api(env, "GET", "/deployments/name/pipeline/demo")
    assert deployment["work_pool_name"] == POOL

    worker_log = tmp_path / "worker.log"
    bin_dir = Path(sys.executable).parent
    worker = start([str(bin_dir / "prefect"), "worker", "start", "--pool", POOL], env, worker_log)
    try:
        trigger = f"/deployments/{deployment['id']}/create_flow_run"
        run = api(env, "POST", trigger, {"parameters": form_parameters()})
        finished = wait_for_run(env, run["id"], worker, worker_log)
    finally:
        stop(worker)
    assert finished["state"]["type"] == "COMPLETED", worker_log.read_text()[-3000:]

    monkeypatch.setenv("MLFLOW_TRACKING_URI", tracking)
    monkeypatch.setenv("STSNET_HOME", str(home))
    from stsnet.data.sources.synthetic import SyntheticVolumeSpec, write_synthetic_volumes
    from stsnet.predict import load_model, segment

    model = load_model("models:/stsnet-synthetic-sccm@champion")
    spec = SyntheticVolumeSpec(count=1, seed=99, in_plane=(40, 48))
    scans = write_synthetic_volumes(tmp_path / "new", spec)
    scan = next((scans / "imagesTr").glob("*.nii.gz"))
    output = tmp_path / "mask.nii.gz"
    result = segment(model, str(scan), str(output), progress=None)
    assert result["kind"] == "volume"
    mask = nib.load(output)
    assert mask.shape == nib.load(scan).shape
    assert set(np.unique(np.asarray(mask.dataobj))) <= {0, 1}
