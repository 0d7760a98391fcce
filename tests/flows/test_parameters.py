"""Bad parameters fail fast, naming the field, before any task runs."""

from __future__ import annotations

import re

import pytest

from flows.pipeline import pipeline
from stsnet.data import stages


@pytest.fixture
def no_task_runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    monkeypatch.setattr(stages, "ingest", lambda *a, **k: calls.append("ingest"))
    return calls


@pytest.mark.parametrize(
    ("parameters", "field"),
    [
        ({"dataset": {"name": "no-such-dataset"}}, "dataset.name"),
        ({"model": {"name": "no-such-model"}}, "model.name"),
        ({"training": {"epochs": -1}}, "training.epochs"),
        ({"dataset": {"name": "synthetic-sccm", "size": 100}}, "dataset.size"),
        ({"amplification": {"method": "method9"}}, "amplification.method"),
    ],
)
def test_invalid_values_are_refused_naming_the_field(prefect_api, no_task_runs, parameters, field):
    from prefect.exceptions import ParameterTypeError

    with pytest.raises(ParameterTypeError, match=re.escape(f"{field}:")):
        pipeline(**parameters)
    assert no_task_runs == []


def test_missing_source_is_refused_naming_the_field(prefect_api, no_task_runs, tmp_path):
    with pytest.raises(ValueError, match=r"dataset\.source"):
        pipeline(dataset={"name": "sccm2022", "source": str(tmp_path / "missing")})
    assert no_task_runs == []


def test_form_offers_choices_for_dataset_model_and_amplification():
    schema = pipeline.parameters.model_dump()
    definitions = schema["definitions"]
    assert "synthetic-sccm" in definitions["DatasetSettings"]["properties"]["name"]["enum"]
    assert "sts-net" in definitions["ModelChoice"]["properties"]["name"]["enum"]
    assert "method4" in definitions["AmplificationSettings"]["properties"]["method"]["enum"]
