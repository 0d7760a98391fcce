"""The `smoke` preset on a reduced grid, end to end: benchmark flow → MLflow → report.

2 models × 2 datasets (synthetic 2D images, synthetic SCCM-like volumes) × plain/amplified × 2 seeds at 32 px,
one step of one epoch, in a temporary data root and SQLite MLflow store, with one Ray instance for
the session. Then the report: every cell, the paper's values, statistics, figures and HTML. A second
benchmark has a cell whose model option is invalid when the network is built: `stsnet report` shows
it failed with its error.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from stsnet.cli import main

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
DATASETS = ("synthetic-2d", "synthetic-sccm")
MODELS = ("sts-net", "u-net")
AMPLIFICATIONS = ("none", "method4")
SEEDS = [1, 2]
TINY = {
    "training": {"epochs": 1, "batch_size": 2, "max_steps_per_epoch": 1, "mixed_precision": False},
    "scaling": {"num_workers": 1, "use_gpu": False, "max_failures": 0, "launcher": "in-process"},
}


def reduced_smoke(root: Path) -> dict[str, Any]:
    """The smoke preset's parameters, cut to the reduced grid at tiny size under `root`."""
    parameters = yaml.safe_load((REPO / "deployments" / "presets" / "smoke.yaml").read_text())["parameters"]
    by_name = {d["name"]: d for d in parameters["datasets"]}
    datasets = [
        {**by_name["synthetic-2d"], "size": 32, "synthetic_count": 12},
        {**by_name["synthetic-sccm"], "size": 32, "synthetic_count": 6, "synthetic_lesion_scale": 40},
    ]
    return {
        **parameters,
        **TINY,
        "datasets": datasets,
        "models": list(MODELS),
        "seeds": SEEDS,
        "data_root": str(root),
    }


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One data root (stores, checkpoints, task cache, SQLite MLflow) for the module's benchmarks."""
    root = tmp_path_factory.mktemp("smoke-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("STSNET_HOME", str(root))
        patch.delenv("MLFLOW_TRACKING_URI", raising=False)
        yield root


@pytest.fixture(scope="module")
def smoke(home: Path, prefect_api: None, ray_local: None) -> dict[str, Any]:
    from flows.benchmark import benchmark

    return benchmark(**reduced_smoke(home))


def _rows(report: dict, key: str) -> list[dict[str, str]]:
    with open(Path(report["output_dir"]) / "tables" / f"{key}.csv") as handle:
        return list(csv.DictReader(handle))


def test_every_cell_ran_and_is_in_the_report(smoke: dict[str, Any], home: Path) -> None:
    assert [row["status"] for row in smoke["cells"]] == ["ok"] * 16
    report = smoke["report"]
    assert (report["cells"], report["runs"], report["failed_cells"]) == (8, 16, [])
    assert Path(report["output_dir"]) == home / "reports" / smoke["benchmark_id"]
    for dataset in DATASETS:
        rows = _rows(report, f"table-{dataset}")
        assert {(r["model"], r["amplification"]) for r in rows} == {
            (m, a) for m in MODELS for a in AMPLIFICATIONS
        }
        assert all(r["runs"] == "2" and r["failed"] == "0" and r["mdice"] != "" for r in rows)


def test_paper_values_are_read_beside_ours(smoke: dict[str, Any]) -> None:
    table1 = {(r["model"], r["amplification"]): r for r in _rows(smoke["report"], "table-synthetic-sccm")}
    amplified = table1[("sts-net", "method4")]
    assert float(amplified["mdice_paper"]) == 82.13
    assert float(amplified["mdice_diff"]) == pytest.approx(float(amplified["mdice"]) - 82.13, abs=0.01)
    assert float(table1[("u-net", "none")]["jaccard_paper"]) == 37.59
    assert float(table1[("sts-net", "none")]["precision_paper"]) == 49.33
    synthetic = _rows(smoke["report"], "table-synthetic-2d")
    assert all(r["mdice_paper"] == "" and r["mdice"] != "" for r in synthetic)


def test_statistics_are_computed(smoke: dict[str, Any]) -> None:
    for dataset in DATASETS:
        intervals = _rows(smoke["report"], f"ci-{dataset}")
        assert len(intervals) == 4
        assert all(float(r["mdice_low"]) <= float(r["mdice_high"]) for r in intervals)
        tests = _rows(smoke["report"], f"tests-{dataset}")
        assert "sts-net: method4 vs plain" in {r["comparison"] for r in tests}
        assert all(0.0 <= float(r["p_value"]) <= 1.0 for r in tests if r["p_value"])
        assert {r["bucket"] for r in _rows(smoke["report"], f"size-{dataset}")} <= {"<0.1%", "0.1-1%", ">1%"}


def test_figures_and_html_are_written(smoke: dict[str, Any]) -> None:
    report = smoke["report"]
    assert report["figure_problems"] == []
    assert {Path(p).name for p in report["figures"]} == {
        f"{kind}-{d}.png" for kind in ("comparison", "curves") for d in DATASETS
    }
    assert all(Path(p).stat().st_size > 0 for p in report["figures"])
    page = Path(report["html"]).read_text()
    assert "Table 1" in page and "synthetic-2d" in page and page.count("data:image/png;base64,") == 4


def test_report_shows_a_failed_cell_with_its_error(
    smoke: dict[str, Any], home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from flows.benchmark import benchmark

    parameters = reduced_smoke(home)
    parameters.update(
        datasets=parameters["datasets"][:1],
        models=["u-net"],
        model_options={"u-net": {"no_such_option": 1}},
        amplified=[False],
        seeds=[1],
        complexity=False,
    )
    result = benchmark(**parameters)
    [row] = result["cells"]
    assert row["status"].startswith("failed") and "no_such_option" in row["status"]
    capsys.readouterr()
    argv = ["report", "--benchmark-id", result["benchmark_id"], "--no-complexity", "--output", str(tmp_path)]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "1 cells, 1 runs" in printed
    assert "FAILED synthetic-2d/u-net/none: " in printed and "no_such_option" in printed
    [table] = _rows({"output_dir": tmp_path}, "table-synthetic-2d")
    assert table["failed"] == "1" and table["mdice"] == "" and "no_such_option" in table["error"]
