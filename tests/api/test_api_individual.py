"""Story: a clinic posts a patient's history over HTTP (or runs the CLI on a scenario file) and
gets the fitted model, a probability of control, a dated plan and missed-dose advice; a bad
history gets a 422 that names the field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.main import app
from optimizer.cli.main import app as cli_app
from optimizer.schemas.recommendation import RecommendationPublic, RecommendationRequest
from optimizer.services.recommendation import recommend

client = TestClient(app)
REPO = Path(__file__).resolve().parents[2]

HISTORY: dict[str, Any] = {
    "patient": {"weight_kg": 30},
    "history": {"doses": [{"date": d, "dose_mg": 300} for d in
                          ("2020-01-06", "2020-02-03", "2020-03-02", "2020-03-30",
                           "2020-04-27")],
                "observations": [{"date": "2020-03-30", "score": 0},
                                 {"date": "2020-04-27", "symptomatic": False},
                                 {"date": "2020-05-18", "score": 1}]},
    "evaluation_date": "2020-05-18", "min_probability": 0.9, "samples": 100,
    "interval_options_days": {"min": 14, "max": 84, "step": 7},
    "plan": {"horizon_weeks": 16},
}


def test_history_request_returns_fit_probability_plan_and_advice() -> None:
    r = client.post("/v1/recommendations", json=HISTORY)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["fit"]["status"] == "fitted" and body["fit"]["observations"] == 3
    names = {p["name"] for p in body["fit"]["parameters"]}
    assert names == {"ec50_mg_per_l", "baseline_score", "clearance_factor", "hill"}
    assert body["probability_controlled"] >= 0.9
    assert body["interval_days"] % 7 == 0
    plan = body["plan"]
    assert plan["start_date"] == "2020-05-18" and len(plan["daily_scores"]) == 16 * 7 + 1
    assert all(isinstance(d["date"], str) for d in plan["doses"])
    assert body["missed_dose"]["last_dose_date"] == "2020-04-27"
    assert any("judgement" in a for a in body["assumptions"])
    RecommendationPublic.model_validate_json(json.dumps(body))   # round-trips as stored JSON


def test_plain_request_keeps_its_answer_and_reports_its_probability_of_control() -> None:
    """The typical patient's answer, and how often it controls patients drawn from the
    population's between-patient variability (about half: the typical patient sits at the
    middle of the population by construction)."""
    out = recommend(RecommendationRequest.model_validate({"patient": {"weight_kg": 30}}))
    assert (out.interval_days, out.dose_mg) == (36, 300)
    assert out.fit is None and out.plan is None
    assert out.probability_controlled is not None and 0.3 <= out.probability_controlled <= 0.7
    assert out.next_longer_probability is not None
    assert out.next_longer_probability <= out.probability_controlled
    assert any("population" in e and "%" in e for e in out.explanation)


def test_an_infeasible_population_answer_reports_the_probability_of_its_closest_option(
        ) -> None:
    out = recommend(RecommendationRequest.model_validate(
        {"patient": {"weight_kg": 30}, "dose_options_mg": [75],
         "interval_options_days": {"min": 28, "max": 56, "step": 7}}))
    assert out.status == "infeasible" and out.closest_option is not None
    assert out.probability_controlled is not None and out.probability_controlled < 0.5


DOSES_ONLY: dict[str, Any] = {
    "patient": {"weight_kg": 30},
    "history": {"doses": [{"date": d, "dose_mg": 300} for d in
                          ("2020-01-06", "2020-02-03", "2020-03-02", "2020-03-30")]},
}


def test_a_dose_only_history_is_not_answered_shorter_than_the_population() -> None:
    """No scores and no probability target: the point estimate is the typical patient, so
    the answer equals the population's, with its probability of control across the prior."""
    population = recommend(RecommendationRequest.model_validate({"patient": {"weight_kg": 30}}))
    out = recommend(RecommendationRequest.model_validate(DOSES_ONLY))
    assert out.interval_days is not None and population.interval_days is not None
    assert out.interval_days >= population.interval_days
    assert out.probability_controlled is not None and out.next_longer_probability is not None
    assert out.fit is not None and out.fit.status == "prior"
    assert "min_probability" not in out.model
    assert not any("asked: at least" in e for e in out.explanation)
    codes = {w.code for w in out.warnings}
    assert "shorter_than_current_interval" not in codes


def test_an_answer_shorter_than_the_current_interval_without_a_relapse_is_warned() -> None:
    """Doses only, every 28 days, and a probability target of 0.9 across the population
    prior: the answer is shorter than 28 days though nothing says control was lost."""
    out = recommend(RecommendationRequest.model_validate({**DOSES_ONLY, "min_probability": 0.9}))
    assert out.interval_days is not None and out.interval_days < 28
    assert "shorter_than_current_interval" in {w.code for w in out.warnings}
    assert any("(asked: at least 90 %)" in e for e in out.explanation)


def test_individual_answers_carry_diagnostics_sensitivity_and_one_rounding_rule() -> None:
    out = recommend(RecommendationRequest.model_validate(HISTORY))
    assert out.fit is not None and out.fit.diagnostics is not None
    d = out.fit.diagnostics
    assert d.converged and d.effective_sample_size >= 400 and d.pareto_k is not None
    rows = {(r.choice, r.value): r for r in out.sensitivity}
    assert {0.5, 1.0, 2.0} <= {v for c, v in rows if c == "score_sd"}
    assert any(c == "hill_log_sd" for c, _ in rows)
    assert rows[("score_sd", 1.0)].is_default
    assert rows[("score_sd", 1.0)].probability_controlled == out.probability_controlled
    for p in (out.probability_controlled, out.next_longer_probability):
        assert p is not None and round(p * 100, 9) == int(round(p * 100, 9))   # whole percent
    text = " ".join(out.explanation)
    assert f"{out.probability_controlled * 100:.0f} %" in text   # type: ignore[operator]


def test_min_probability_alone_uses_the_population_and_says_so() -> None:
    r = client.post("/v1/recommendations", json={"patient": {"weight_kg": 30},
                                                "min_probability": 0.8, "samples": 50})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["fit"]["status"] == "prior" and body["fit"]["samples_from"] == "prior"
    assert body["plan"] is None and body["missed_dose"] is None
    assert body["probability_controlled"] >= 0.8


@pytest.mark.parametrize(("patch", "field"), [
    ({"history": {"doses": [{"date": "2020-02-03", "dose_mg": 300},
                            {"date": "2020-01-06", "dose_mg": 300}]}}, "history.doses[1].date"),
    ({"history": {"doses": [{"date": "2020-06-01", "dose_mg": 300}]}}, "history.doses[0].date"),
    ({"history": {"observations": [{"date": "2020-01-06", "score": 11}]}},
     "history.observations[0].score"),
    ({"history": {"doses": [{"date": "2020-01-06", "dose_mg": 300}],
                  "observations": [{"date": "2020-03-01", "score": 2},
                                   {"date": "2020-02-01", "score": 2}]}},
     "history.observations[1].date"),
    ({"history": {"doses": [{"date": "not a date", "dose_mg": 300}]}}, "history.doses[0].date"),
    ({"history": None, "plan": {}}, "plan"),
    ({"min_probability": 0.3}, "min_probability"),
])
def test_bad_history_is_a_422_naming_the_field(patch: dict[str, Any], field: str) -> None:
    r = client.post("/v1/recommendations", json={**HISTORY, **patch})
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["field"] == field


def test_cli_plan_and_recommend_run_the_reference_history() -> None:
    runner = CliRunner()
    path = str(REPO / "scenarios" / "reference-case-history.toml")
    r = runner.invoke(cli_app, ["plan", path, "--json"])
    assert r.exit_code == 0, r.output
    body = json.loads(r.stdout)
    assert body["plan"]["doses"] and body["fit"]["status"] == "fitted"
    assert body["missed_dose"]["past_missed"]          # the quarantine dose is found
    r2 = runner.invoke(cli_app, ["plan", path])
    assert r2.exit_code == 0 and "Transition plan" in r2.output
