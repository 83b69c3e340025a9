"""Story: a script asks over HTTP for the interval keeping free IgE under a target, or for a
label-style dosing grid, and gets the binding model's answer — or a 4xx naming the field."""

from __future__ import annotations

import csv
import io
from typing import Any

import numpy as np
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.main import app
from optimizer.free_ige.dosing_grid import dosing_grid
from optimizer.free_ige.target import FreeIgEProblem, recommend_free_ige

client = TestClient(app)

ISSUE_EXAMPLE: dict[str, Any] = {
    "target": {"kind": "free_ige", "max_ng_per_ml": 25},
    "patient": {"weight_kg": 70, "baseline_ige_iu_per_ml": 300},
}


def test_issue_example_answers_with_the_binding_model_and_is_audited() -> None:
    r = client.post("/v1/recommendations", json=ISSUE_EXAMPLE)
    assert r.status_code == 200, r.text
    body = r.json()
    direct = recommend_free_ige(FreeIgEProblem(weight_kg=70, baseline_ige_iu_per_ml=300))
    assert body["target_kind"] == "free_ige" and body["status"] == "optimal"
    assert (body["interval_days"], body["dose_mg"]) == (direct.interval_days, direct.dose_mg)
    fi = body["free_ige"]
    assert fi["max_free_ige_ng_per_ml"] == pytest.approx(direct.max_free_ige_ng_per_ml)
    assert fi["max_free_ige_ng_per_ml"] <= 25 and fi["margin_ng_per_ml"] >= 0
    assert fi["baseline_ige_ng_per_ml"] == pytest.approx(300 * 2.42)
    assert fi["parameter_set"] == "hayashi2007" and "Hayashi" in fi["citation"]
    assert body["max_score"] is None and body["threshold_score"] is None
    assert body["model"]["kd_nm"] > 0 and body["model"]["weight_kg"] == 70
    assert any("judgement" in a for a in body["assumptions"])
    stored = client.get(f"/v1/recommendations/{body['id']}")
    assert stored.status_code == 200
    assert stored.json()["response"]["free_ige"]["target_ng_per_ml"] == 25


def test_ng_per_ml_baseline_is_the_same_question_as_iu_per_ml() -> None:
    a = client.post("/v1/recommendations", json=ISSUE_EXAMPLE).json()
    b = client.post("/v1/recommendations", json={
        "target": {"kind": "free_ige"},
        "patient": {"weight_kg": 70, "baseline_ige_ng_per_ml": 726}}).json()
    assert (a["interval_days"], a["dose_mg"]) == (b["interval_days"], b["dose_mg"])
    assert a["free_ige"]["max_free_ige_ng_per_ml"] == pytest.approx(
        b["free_ige"]["max_free_ige_ng_per_ml"], rel=1e-9)


def test_a_target_no_dose_reaches_is_an_answer_with_the_closest_option() -> None:
    r = client.post("/v1/recommendations", json={
        "target": {"kind": "free_ige", "max_ng_per_ml": 1},
        "patient": {"weight_kg": 150, "baseline_ige_iu_per_ml": 1500},
        "dose_options_mg": [75, 150]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "infeasible" and body["interval_days"] is None
    closest = body["free_ige"]["closest_option"]
    assert closest["dose_mg"] == 150 and closest["interval_days"] == 14
    assert closest["max_free_ige_ng_per_ml"] > 1


@pytest.mark.parametrize(("body", "field", "words"), [
    ({"target": {"kind": "free_ige"}, "patient": {"weight_kg": 70}},
     "patient.baseline_ige_iu_per_ml", "IU/mL"),
    ({"target": {"kind": "free_ige"}, "patient": {"weight_kg": 70, "baseline_ige": 300}},
     "patient.baseline_ige", "baseline_ige_iu_per_ml"),
    ({"target": {"kind": "free_ige", "max": 25},
      "patient": {"weight_kg": 70, "baseline_ige_iu_per_ml": 300}},
     "target.max", "max_ng_per_ml"),
    ({"target": {"kind": "free_ige"}, "patient": {"weight": 70}}, "patient.weight", "weight_kg"),
    ({"target": {"kind": "free_ige"},
      "patient": {"weight_kg": 70, "baseline_ige_iu_per_ml": 300,
                  "baseline_ige_ng_per_ml": 726}},
     "patient.baseline_ige_ng_per_ml", "once"),
    ({"target": {"kind": "free_ige"},
      "patient": {"weight_kg": 70, "baseline_ige_iu_per_ml": 3000}},
     "patient.baseline_ige_iu_per_ml", "allow_extrapolation"),
    ({"target": {"kind": "free_ige"},
      "patient": {"weight_kg": 10, "baseline_ige_iu_per_ml": 300}},
     "patient.weight_kg", "allow_extrapolation"),
    ({"target": {"kind": "free_ige", "max_ng_per_ml": 0},
      "patient": {"weight_kg": 70, "baseline_ige_iu_per_ml": 300}},
     "target.max_ng_per_ml", "0.1"),
    ({"target": {"kind": "free_ige", "parameter_set": "smith2020"},
      "patient": {"weight_kg": 70, "baseline_ige_iu_per_ml": 300}},
     "target.parameter_set", "hayashi2007"),
    ({"target": {"kind": "free_ige"}, "min_probability": 0.9,
      "patient": {"weight_kg": 70, "baseline_ige_iu_per_ml": 300}},
     "min_probability", "free_ige"),
    ({"target": {"kind": "ige"}, "patient": {"weight_kg": 70}}, "target", "free_ige"),
    ({"target": {"kind": "free_ige", "allow_extrapolation": True},
      "patient": {"weight_kg": 70, "baseline_ige_iu_per_ml": 5e-324}},
     "patient.baseline_ige_iu_per_ml", "0.1"),
])
def test_bad_free_ige_questions_get_a_422_naming_the_field(body: dict[str, Any], field: str,
                                                           words: str) -> None:
    r = client.post("/v1/recommendations", json=body)
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert detail[0]["field"] == field
    assert words in detail[0]["allowed"]
    assert field in detail[0]["message"]


def test_extrapolation_is_answered_with_warnings_when_asked_for() -> None:
    r = client.post("/v1/recommendations", json={
        "target": {"kind": "free_ige", "allow_extrapolation": True},
        "patient": {"weight_kg": 30, "baseline_ige_iu_per_ml": 11}})
    assert r.status_code == 200, r.text
    warnings = " ".join(w["message"] for w in r.json()["warnings"])
    codes = {w["code"] for w in r.json()["warnings"]}
    assert codes >= {"outside_label_table", "weak_free_ige_target"}
    assert "extrapolates" in warnings and "dosing tables" in warnings
    assert "little suppression" in warnings  # 25 ng/mL vs an untreated 27 ng/mL


@settings(max_examples=25)
@given(weight=st.one_of(st.floats(-1e3, 1e4), st.just(float("nan"))),
       ige=st.floats(-10, 2e4), target=st.floats(-5, 2e3),
       extrapolate=st.booleans(), param=st.sampled_from(["hayashi2007", "lowe2009", "x"]))
def test_random_free_ige_bodies_never_get_a_5xx(weight: float, ige: float, target: float,
                                                 extrapolate: bool, param: str) -> None:
    body = {"target": {"kind": "free_ige", "max_ng_per_ml": target, "parameter_set": param,
                       "allow_extrapolation": extrapolate},
            "patient": {"weight_kg": weight, "baseline_ige_iu_per_ml": ige},
            "dose_options_mg": [150, 300], "interval_options_days": {"min": 14, "max": 28,
                                                                     "step": 14}}
    r = client.post("/v1/recommendations",
                    content=__import__("json").dumps(body, allow_nan=True),
                    headers={"content-type": "application/json"})
    assert r.status_code in (200, 422), r.text
    if r.status_code == 422:
        assert r.json()["detail"][0]["field"]


def test_ige_table_route_equals_the_domain_grid_in_json_and_csv() -> None:
    body = {"weights_kg": [20, 70, 150], "ige_iu_per_ml": [30, 300, 1000],
            "target": {"kind": "free_ige", "max_ng_per_ml": 14}}
    r = client.post("/v1/ige-table", json=body)
    assert r.status_code == 200, r.text
    got = {(c["weight_kg"], c["baseline_ige_iu_per_ml"]): c for c in r.json()["cells"]}
    grid = dosing_grid([20, 70, 150], [30, 300, 1000], target_ng_per_ml=14)
    assert len(got) == len(grid.cells) == 9
    for cell in grid.cells:
        c = got[(cell.weight_kg, cell.baseline_ige_iu_per_ml)]
        assert (c["dose_mg"], c["interval_days"], c["status"]) == (
            cell.dose_mg, cell.interval_days, cell.status)
    r = client.post("/v1/ige-table?format=csv", json=body)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 9 and rows[0].keys() >= {"weight_kg", "dose_mg", "interval_days"}


@pytest.mark.parametrize(("body", "field"), [
    ({"weights_kg": [70, 20]}, "weights_kg"),
    ({"weights": [70]}, "weights"),
    ({"ige_iu_per_ml": [0]}, "ige_iu_per_ml[0]"),
    ({"weights_kg": [70], "ige_iu_per_ml": [30, 5000]}, "ige_iu_per_ml[1]"),
    ({"interval_options_days": [0]}, "interval_options_days[0]"),
    ({"weights_kg": list(range(21, 71)), "ige_iu_per_ml": list(range(31, 51)),
      "dose_options_mg": [75.0 * k for k in range(1, 33)]}, "weights_kg"),
])
def test_bad_grid_requests_get_a_422_naming_the_field(body: dict[str, Any], field: str) -> None:
    r = client.post("/v1/ige-table", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["field"] == field


def test_surrogate_check_route_equals_the_domain_report() -> None:
    from optimizer.free_ige.surrogate_check import surrogate_check
    from optimizer.free_ige.surrogate_fit import fit_surrogate

    body = {"patients": [{"weight_kg": 30, "baseline_ige_iu_per_ml": 300},
                         {"weight_kg": 70, "baseline_ige_iu_per_ml": 100}],
            "horizon_days": 182, "fit": True}
    r = client.post("/v1/surrogate-check", json=body)
    assert r.status_code == 200, r.text
    out = r.json()
    direct = surrogate_check([(30, 300), (70, 100)], horizon_days=182)
    assert out["max_relative_difference"] == pytest.approx(direct.max_relative_difference)
    assert [p["auc_ratio"] for p in out["patients"]] == pytest.approx(
        [p.auc_ratio for p in direct.patients])
    fit = fit_surrogate(70, 100, horizon_days=182).fit
    assert out["fits"][1]["fit"]["half_life_days"] == pytest.approx(fit.half_life_days)
    assert any("judgement" in a for a in out["assumptions"])


@pytest.mark.parametrize(("body", "field"), [
    ({"patients": [{"weight_kg": 0, "baseline_ige_iu_per_ml": 30}]}, "patients[0].weight_kg"),
    ({"patients": [{"weight_kg": 70, "ige": 30}]}, "patients[0].ige"),
    ({"horizon_days": 7}, "horizon_days"),
    ({"patients": [{"weight_kg": 70, "baseline_ige_iu_per_ml": 30}] * 51}, "patients"),
    ({"parameter_set": "x"}, "parameter_set"),
    ({"patients": [{"weight_kg": 70, "baseline_ige_iu_per_ml": 30}] * 50,
      "horizon_days": 3650}, "horizon_days"),
])
def test_bad_surrogate_checks_get_a_422_naming_the_field(body: dict[str, Any],
                                                         field: str) -> None:
    r = client.post("/v1/surrogate-check", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["field"] == field


def test_a_stored_free_ige_answer_plots_free_ige_against_the_target() -> None:
    from optimizer.plots.free_ige import free_ige_steady_state

    body = client.post("/v1/recommendations", json=ISSUE_EXAMPLE).json()
    r = client.get(f"/v1/recommendations/{body['id']}/plot")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    assert "free IgE" in r.text and "target 25 ng/mL" in r.text
    days, free, _ = free_ige_steady_state(
        FreeIgEProblem(weight_kg=70, baseline_ige_iu_per_ml=300), 375, 28)
    # the plotted cycle is the answer's: its highest value is the reported one (4x finer grid)
    assert days[-1] == 3 * 28
    assert free.max() == pytest.approx(body["free_ige"]["max_free_ige_ng_per_ml"], rel=1e-5)
    # ... and so is its worst moment: at a dose, reported as the cycle's last day
    assert days[int(np.argmax(free))] % 28 == pytest.approx(0.0)
    assert body["worst_day_in_cycle"] == 28.0
    wrong = client.get(f"/v1/recommendations/{body['id']}/plot?kind=concentration")
    assert wrong.status_code == 422 and wrong.json()["detail"][0]["field"] == "target.kind"


def test_the_printable_report_of_a_free_ige_answer_shows_its_figures_and_plot() -> None:
    body = client.post("/v1/recommendations", json=ISSUE_EXAMPLE).json()
    r = client.get(f"/v1/recommendations/{body['id']}/report")
    assert r.status_code == 200, r.text
    html = r.text
    assert "375 mg every 28 days" in html and "Highest free IgE" in html
    assert f"{body['free_ige']['max_free_ige_ng_per_ml']:.1f} ng/mL" in html
    assert "binding model" in html and "judgement" in html
    assert 'alt="Predicted free IgE' in html and "data:image/svg+xml;base64," in html


schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@schema.include(path_regex="^/v1/(ige-table|surrogate-check)$").parametrize()
@settings(max_examples=25, suppress_health_check=list(HealthCheck))
def test_openapi_schema_fuzz_of_the_binding_routes_never_5xx(case: Any) -> None:
    response = case.call()
    assert response.status_code < 500, response.text


def test_a_check_counted_from_just_after_the_first_dose_is_answered() -> None:
    """Found by the schema fuzz: from_day a hair above 0 put day 0 (0 / 0) in the window."""
    r = client.post("/v1/surrogate-check", json={"dose_mg": 1.0, "from_day": 1e-264,
                                                 "horizon_days": 56, "fit": True})
    assert r.status_code == 200, r.text
    out = r.json()
    assert all(0 < p["day_of_max_relative_difference"] <= 56 for p in out["patients"])
    assert all(f["fit"]["max_relative_difference_after"] >= 0 for f in out["fits"])
