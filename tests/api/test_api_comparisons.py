"""Story: a script posts schedules to compare and gets the table the issue promised, plots, or a
clear 4xx; an analyst runs the same comparison from a scenario file in a terminal."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from api.main import app
from optimizer.cli.compare import load_comparison
from optimizer.cli.main import app as cli_app
from optimizer.errors import ScenarioError
from optimizer.services.comparison import compare
from tests.conftest import REPO

client = TestClient(app)
runner = CliRunner()
REFERENCE = REPO / "scenarios" / "reference-case-compare.toml"
URTICARIA = REPO / "scenarios" / "urticaria-adult-compare.toml"

EXAMPLE: dict[str, Any] = {
    "patient": {"weight_kg": 30}, "pk": {}, "response": {"ec50_mg_per_l": 62.4},
    "threshold_score": 2, "schedules": ["300 mg q4w", "300 mg q5w"], "horizon_days": 364,
    "start": "steady_state",
    "prices": {"currency": "GBP", "syringe_price": {"75": 128.07, "150": 256.15},
               "visit_cost": 0},
}


def test_issue_example_gives_the_promised_row() -> None:
    r = client.post("/v1/comparisons", json=EXAMPLE)
    assert r.status_code == 200, r.text
    body = r.json()
    q4w = body["rows"][0]
    expected = {"schedule": "300 mg q4w", "interval_days": 28, "dose_mg": 300, "injections": 13,
                "syringes": {"150": 26}, "total_mg": 3900, "drug_cost": 6659.9,
                "visit_cost": 0, "total_cost": 6659.9, "days_above_threshold": 0,
                "fraction_controlled": 1.0}
    assert {k: q4w[k] for k in expected} == expected
    assert 0 <= q4w["max_score"] <= 2
    assert body["rows"][1]["injections"] == 11 and body["currency"] == "GBP"
    assert body["reference"] == "300 mg q4w" and body["horizon_days"] == 364
    assert q4w["share_controlled"] is None
    assert any("judgement" in a for a in body["assumptions"])


def test_population_adds_share_and_cost_per_controlled_patient_year() -> None:
    r = client.post("/v1/comparisons", json={**EXAMPLE, "population": {"n": 1000, "seed": 1}})
    assert r.status_code == 200, r.text
    rows = r.json()["rows"]
    for row in rows:
        assert 0 <= row["share_controlled"] <= 1
        assert row["cost_per_controlled_patient_year"] >= row["cost_per_patient_year"]
    again = client.post("/v1/comparisons", json={**EXAMPLE, "population": {"n": 1000,
                                                                           "seed": 1}})
    assert again.json()["rows"] == rows


@pytest.mark.parametrize(("change", "field"), [
    ({"schedules": ["300 mg q4w", "lots"]}, "schedules[1]"),
    ({"schedules": ["100 mg q4w"]}, "schedules[0]"),
    ({"schedules": []}, "schedules"),
    ({"horizon_days": 3651}, "horizon_days"),
    ({"population": {"n": 100_001}}, "population.n"),
    ({"population": {"n": 100_000}, "horizon_days": 3650}, "population.n"),
    ({"prices": {"visit_cost": -1}}, "prices.visit_cost"),
    ({"prices": {"syringe_price": {"150": -256.15}}}, "prices.syringe_price.150"),
    ({"prices": {"syringe_price": {"100": 1}}}, "prices.syringe_price.100[key]"),
    ({"prices": {"currency": "pounds"}}, "prices.currency"),
    ({"threshold_score": 9}, "threshold_score"),
    ({"start": "yesterday"}, "start"),
    ({"schedules": [{"name": "taper", "doses": [{"day": 0, "dose_mg": 300}]}]}, "schedules[0]"),
    ({"include_optimal": True, "optimal": {"dose_options_mg": [100]}},
     "optimal.dose_options_mg[0]"),
    ({"surprise": 1}, "surprise"),
])
def test_bad_input_gets_422_naming_the_field(change: dict[str, Any], field: str) -> None:
    r = client.post("/v1/comparisons", json={**EXAMPLE, **change})
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert any(d["field"] == field for d in detail), detail
    assert all({"field", "value", "allowed", "message"} <= set(d) for d in detail)


@pytest.mark.parametrize("kind", ["cost", "score"])
def test_plots_are_svg_with_one_entry_per_schedule(kind: str) -> None:
    r = client.post(f"/v1/comparisons/plot?kind={kind}", json=EXAMPLE)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("image/svg+xml")
    svg = r.text
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert "300 mg q4w" in svg and "300 mg q5w" in svg
    assert client.post("/v1/comparisons/plot?kind=pie", json=EXAMPLE).status_code == 422


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=10)


@settings(max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(patch=st.dictionaries(
    st.sampled_from(sorted(EXAMPLE) + ["population", "include_optimal", "x"]),
    json_values | st.lists(st.sampled_from(["300 mg q4w", "75 mg q1d", "2400 mg q365d",
                                            "150 mg q2w", "x"]), max_size=4),
    max_size=3))
def test_no_request_shape_yields_a_5xx(patch: dict[str, Any]) -> None:
    r = client.post("/v1/comparisons", json={**EXAMPLE, **patch})
    assert r.status_code < 500, r.text


def test_reference_scenario_in_a_terminal_prints_both_tables(tmp_path: Path) -> None:
    csv_path, plot_path = tmp_path / "rows.csv", tmp_path / "cost.svg"
    result = runner.invoke(cli_app, ["compare", str(REFERENCE), "--csv", str(csv_path),
                                     "--plot", str(plot_path)])
    assert result.exit_code == 0, result.output
    assert "300 mg q36d" in result.output and "virtual patients" in result.output
    with csv_path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["schedule"] for r in rows] == ["300 mg q4w", "300 mg q5w", "300 mg q6w",
                                             "300 mg q8w", "300 mg q36d"]
    assert rows[0]["syringes_150"] == "26" and rows[0]["injections"] == "13"
    assert plot_path.read_text(encoding="utf-8").count("300 mg q") >= 5


def test_compare_json_is_the_api_body_and_nothing_else() -> None:
    proc = subprocess.run([sys.executable, "-m", "optimizer.cli.main", "compare", str(URTICARIA),
                           "--json"], capture_output=True, text=True, check=True, cwd=REPO)
    body = json.loads(proc.stdout)
    expected = compare(load_comparison(URTICARIA)).model_dump(mode="json")
    assert body == expected
    q300, q150 = body["rows"]
    assert q300["days_above_threshold"] == 0 and q150["days_above_threshold"] > 0
    assert q150["drug_cost"] == pytest.approx(q300["drug_cost"] / 2)


@pytest.mark.parametrize(("text", "key"), [
    ('kind = "comparison"\nschedules = ["300 mg q4w"]\n[patient]\nweight_kg = -3\n',
     "patient.weight_kg"),
    ('kind = "recommendation"\nschedules = ["300 mg q4w"]\n[patient]\nweight_kg = 30\n', "kind"),
    ('kind = "comparison"\nschedules = ["300 mg q4w"]\nhorizon_days = 5000\n'
     '[patient]\nweight_kg = 30\n', "horizon_days"),
    ('kind = "comparison"\nschedules = ["300 mg q4w"]\nthreshold_score = 9\n'
     '[patient]\nweight_kg = 30\n', "threshold_score"),
])
def test_broken_scenario_names_file_and_key(tmp_path: Path, text: str, key: str) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_comparison(bad)
    assert err.value.field == key and err.value.path == str(bad)
    result = runner.invoke(cli_app, ["compare", str(bad)])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_unknown_schedule_text_in_a_file_is_a_clear_cli_error(tmp_path: Path) -> None:
    bad = tmp_path / "typo.toml"
    bad.write_text('kind = "comparison"\nschedules = ["300 mg every month"]\n'
                   '[patient]\nweight_kg = 30\n', encoding="utf-8")
    result = runner.invoke(cli_app, ["compare", str(bad)])
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert str(bad) in text and "schedules[0]" in text and "300 mg q4w" in text


def test_a_refused_schedule_is_named_once_without_the_union_members() -> None:
    r = client.post("/v1/comparisons", json={"patient": {"weight_kg": 30},
                                             "schedules": ["\uff13\uff10\uff10 mg q4w"]})
    assert r.status_code == 422, r.text
    (detail,) = r.json()["detail"]
    assert detail["field"] == "schedules[0]" and "digits 0-9" in detail["allowed"]


def test_a_schedule_object_names_its_own_keys() -> None:
    r = client.post("/v1/comparisons", json={"patient": {"weight_kg": 30},
                                             "schedules": [{"dose_mg": 300}]})
    assert r.status_code == 422, r.text
    fields = [d["field"] for d in r.json()["detail"]]
    assert "schedules[0].dose_mg" in fields
    assert not any("DoseListIn" in f or f.endswith(".str") for f in fields), fields
