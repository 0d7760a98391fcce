"""A report built from a synthetic benchmark: every cell, the paper's values, statistics, figures."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from mlflow.tracking import MlflowClient

from stsnet.cli import main
from stsnet.report import write_report
from tests.report.conftest import (
    ABLATION_RUNS,
    AMPLIFICATIONS,
    BENCHMARK_ID,
    DATASETS,
    FAILED_CELL,
    FAILED_ERROR,
    MODELS,
    SEEDS,
    Benchmark,
)


@pytest.fixture(scope="module")
def report(benchmark: Benchmark, tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("report")
    return write_report(BENCHMARK_ID, output_dir=out, tracking_uri=benchmark.uri)


def _rows(report: dict, key: str) -> list[dict]:
    with open(Path(report["output_dir"]) / "tables" / f"{key}.csv") as handle:
        return list(csv.DictReader(handle))


def test_every_cell_is_present_with_its_seeds(report: dict, benchmark: Benchmark) -> None:
    grid = len(DATASETS) * len(MODELS) * len(AMPLIFICATIONS)
    assert report["cells"] == grid + len(ABLATION_RUNS)
    assert report["runs"] == grid * len(SEEDS) + len(ABLATION_RUNS)
    for dataset in DATASETS:
        rows = _rows(report, f"table-{dataset}")
        assert {(r["model"], r["amplification"]) for r in rows} == {
            k[1:3] for k in benchmark.runs if k[0] == dataset
        }
        assert all(r["runs"] != "0" for r in rows)


def test_paper_values_are_read_beside_ours(report: dict, benchmark: Benchmark) -> None:
    table1 = {(r["model"], r["amplification"]): r for r in _rows(report, "table-sccm2022")}
    plain = table1[("sts-net", "none")]
    assert float(plain["mdice_paper"]) == 77.34
    assert float(plain["params_m_paper"]) == 39.10
    assert float(plain["params_m"]) == pytest.approx(39.1, abs=0.05)
    assert float(table1[("u-net", "method4")]["jaccard_paper"]) == 44.95
    assert table1[("sts-net", "method2")]["mdice_paper"] == ""
    ours = np.mean([benchmark.runs[("sccm2022", "sts-net", "none", s)]["paper"]["mdice"] for s in SEEDS])
    assert float(plain["mdice"]) == pytest.approx(ours)
    assert float(plain["mdice_diff"]) == pytest.approx(ours - 77.34)
    table2 = {(r["model"], r["amplification"]): r for r in _rows(report, "table-buid-s")}
    assert float(table2[("sts-net", "method4")]["precision_paper"]) == 75.92
    markdown = (Path(report["output_dir"]) / "tables" / "table-sccm2022.md").read_text()
    assert "**77.34**" not in markdown and "**82.13**" in markdown


def test_ablation_tables_map_rows_to_models(report: dict) -> None:
    table7 = {r["amplification"]: r for r in _rows(report, "table7-sccm2022")}
    assert float(table7["Baseline"]["mdice_paper"]) == 77.34
    assert table7["Method 2"]["mdice"] != "" and table7["Method 1"]["runs"] == "0"
    table8 = _rows(report, "table8-sccm2022")
    assert [r["mdice_paper"] for r in table8] == ["74.7", "75.84", "77.34", "82.13"]
    assert table8[0]["runs"] == "1" and table8[1]["runs"] == "0"
    tables = {Path(p).name for p in report["tables"]}
    assert "table7-sccm2022.csv" in tables and "table9-sccm2022.csv" not in tables
    assert not any(name.startswith("table7-buid-s") for name in tables)


def test_statistics_are_computed(report: dict) -> None:
    intervals = {(r["model"], r["amplification"]): r for r in _rows(report, "ci-sccm2022")}
    row = intervals[("sts-net", "method4")]
    assert float(row["mdice_low"]) <= float(row["mdice_high"])
    tests = _rows(report, "tests-sccm2022")
    labels = {r["comparison"] for r in tests}
    assert "sts-net: method4 vs plain" in labels
    assert "sts-net vs best baseline u-net (none)" in labels
    assert all(0.0 <= float(r["p_value"]) <= 1.0 for r in tests)
    sizes = _rows(report, "size-sccm2022")
    assert {r["bucket"] for r in sizes} == {"<0.1%", "0.1-1%", ">1%"}


def test_failed_cell_is_shown_failed_with_its_error(report: dict) -> None:
    dataset, model, amplification = FAILED_CELL
    [failed] = report["failed_cells"]
    assert (failed["dataset"], failed["model"], failed["amplification"]) == FAILED_CELL
    assert FAILED_ERROR in failed["error"]
    row = next(
        r
        for r in _rows(report, f"table-{dataset}")
        if (r["model"], r["amplification"]) == (model, amplification)
    )
    assert row["failed"] == "2" and FAILED_ERROR in row["error"] and row["mdice"] == ""
    markdown = (Path(report["output_dir"]) / "tables" / f"table-{dataset}.md").read_text()
    assert f"FAILED (2/2): seed 1: {FAILED_ERROR}" in markdown
    assert "FAILED" in Path(report["html"]).read_text()


def test_figures_html_and_mlflow_run_are_written(report: dict, benchmark: Benchmark) -> None:
    assert report["figure_problems"] == []
    names = {Path(p).name for p in report["figures"]}
    assert names == {f"{kind}-{d}.png" for kind in ("comparison", "curves") for d in DATASETS}
    page = Path(report["html"]).read_text()
    assert page.count("data:image/png;base64,") == 4 and "Table 1" in page
    client = MlflowClient(tracking_uri=benchmark.uri)
    artifacts = {a.path for a in client.list_artifacts(report["report_run_id"])}
    assert {"report.html", "tables", "figures"} <= artifacts
    # Beside the SQLite database, not in MLflow's default ./mlruns of the working directory.
    artifact_uri = client.get_run(report["report_run_id"]).info.artifact_uri
    assert artifact_uri.startswith((benchmark.root / "mlartifacts").as_uri())
    assert all(Path(p).is_relative_to(report["output_dir"]) for p in report["headline_tables"])


def test_cli_prints_the_report_as_json(benchmark: Benchmark, tmp_path: Path, capsys) -> None:
    argv = ["report", "--benchmark-id", BENCHMARK_ID, "--tracking-uri", benchmark.uri]
    argv += ["--experiment", "stsnet-buid-s", "--output", str(tmp_path), "--no-complexity", "--json"]
    assert main(argv) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["cells"] == len(MODELS) * len(AMPLIFICATIONS)
    assert [c["model"] for c in summary["failed_cells"]] == ["u-net"]


def test_cli_names_an_unknown_benchmark(benchmark: Benchmark, tmp_path: Path, capsys) -> None:
    argv = ["report", "--benchmark-id", "nope", "--tracking-uri", benchmark.uri, "--output", str(tmp_path)]
    assert main(argv) == 2
    assert "no run tagged stsnet.benchmark_id='nope'" in capsys.readouterr().err
