"""Story: the situations a clinical pharmacologist tried — each answers with the right warning
or a 422, and none recommends a dose above the label maximum."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import app
from optimizer.errors import InputError
from optimizer.label.limits import label_limits
from optimizer.schemas.comparison import ComparisonRequest
from optimizer.schemas.recommendation import RecommendationPublic, RecommendationRequest
from optimizer.services.comparison import compare
from optimizer.services.recommendation import recommend

client = TestClient(app)


def ask(**body: Any) -> RecommendationPublic:
    return recommend(RecommendationRequest.model_validate(body))


def codes(out: RecommendationPublic) -> set[str]:
    return {w.code for w in out.warnings}


def test_an_8_kg_patient_is_never_given_1200_mg() -> None:
    body: dict[str, Any] = {"patient": {"weight_kg": 8},
                            "dose_options_mg": [75, 150, 300, 600, 1200]}
    r = client.post("/v1/recommendations", json=body)
    assert r.status_code == 422
    assert r.json()["detail"][0]["field"] == "dose_options_mg[4]"
    out = ask(**body, allow_above_label_max=True)
    assert "weight_outside_label" in codes(out)
    out = ask(patient={"weight_kg": 8}, dose_options_mg=[75, 150, 300, 600])
    assert out.dose_mg is not None and out.dose_mg <= 600
    assert {"weight_outside_label", "interval_longer_than_label"} <= codes(out)


def test_a_child_on_600_mg_every_54_days_is_told_it_is_off_label_and_thin() -> None:
    out = ask(patient={"weight_kg": 30, "age_years": 8}, dose_options_mg=[300, 600],
              indication="mastocytosis")
    assert out.interval_days is not None and out.interval_days > 28
    assert {"interval_longer_than_label", "knife_edge", "off_label_indication",
            "population_calibration"} <= codes(out)


def test_a_typical_adult_hears_the_margin_is_thin_and_the_model_is_a_child_s() -> None:
    out = ask(patient={"weight_kg": 70})
    assert out.late_dose_tolerance_days is not None and out.late_dose_tolerance_days < 3
    assert {"knife_edge", "population_calibration"} <= codes(out)
    knife = next(w for w in out.warnings if w.code == "knife_edge")
    assert knife.field == "threshold_score"


def test_doses_no_syringe_makes_are_refused_unless_allowed() -> None:
    with pytest.raises(InputError) as exc:
        ask(patient={"weight_kg": 30}, dose_options_mg=[100])
    assert exc.value.field == "dose_options_mg[0]"
    out = ask(patient={"weight_kg": 30}, dose_options_mg=[100], allow_any_dose=True,
              interval_options_days={"min": 7, "max": 28, "step": 1})
    assert out.dose_mg != 100 or "dose_not_syringe_sum" in codes(out)


def test_us_label_caps_the_free_ige_default_doses_at_375_mg() -> None:
    out = ask(patient={"weight_kg": 140, "baseline_ige_iu_per_ml": 600}, label="us",
              target={"kind": "free_ige", "max_ng_per_ml": 25})
    lim = label_limits("us")
    assert out.dose_mg is None or not lim.above_max(out.dose_mg, out.interval_days or 14)
    assert "weight_outside_label" not in codes(out)
    assert "label_does_not_dose" in codes(out)


def test_comparison_names_the_schedule_above_the_label() -> None:
    out = compare(ComparisonRequest.model_validate(
        {"patient": {"weight_kg": 30}, "schedules": ["300 mg q4w", "1200 mg q8w"],
         "include_optimal": True}))
    above = [w for w in out.warnings if w.code == "dose_above_label_max"]
    assert [w.field for w in above] == ["schedules[1]"]
    assert any(w.code == "interval_longer_than_label" for w in out.warnings)
    optimal = next(r for r in out.rows if r.source == "optimal")
    assert optimal.dose_mg == 300   # 1200 mg is not offered to the optimizer
    assert out.optimal is not None
    assert "interval_longer_than_label" in {w.code for w in out.optimal.warnings}


def test_an_individual_answer_beyond_the_history_says_it_extrapolates() -> None:
    history = {"doses": [{"date": f"2024-{m:02d}-01", "dose_mg": 300} for m in range(1, 7)],
               "observations": [{"date": f"2024-{m:02d}-28", "score": 0} for m in range(1, 7)]}
    out = ask(patient={"weight_kg": 30}, history=history, samples=40,
              interval_options_days={"min": 14, "max": 70, "step": 7})
    assert out.fit is not None and out.interval_days is not None
    assert out.interval_days > 31          # monthly gaps (28-31 days) are all the data show
    extrapolated = next(w for w in out.warnings if w.code == "extrapolated_interval")
    assert "31 days" in extrapolated.message


def test_a_deliberate_move_from_4_to_8_weeks_is_not_reported_as_missed_doses() -> None:
    import datetime as dt

    start = dt.date(2024, 1, 1)
    days = [28 * k for k in range(5)] + [112 + 56 * k for k in range(1, 8)]
    history = {"doses": [{"date": (start + dt.timedelta(d)).isoformat(), "dose_mg": 300}
                         for d in days],
               "observations": [{"date": (start + dt.timedelta(d - 1)).isoformat(), "score": 0}
                                for d in days[1:]]}
    out = ask(patient={"weight_kg": 30}, history=history, samples=40,
              interval_options_days={"min": 14, "max": 84, "step": 7})
    assert out.missed_dose is not None
    assert out.missed_dose.past_missed == []
    assert out.missed_dose.regular_interval_days == 56


def test_symptoms_three_weeks_after_each_dose_warn_that_scores_cannot_tell_clearance() -> None:
    import datetime as dt

    start = dt.date(2024, 1, 1)
    days = [28 * k for k in range(8)]
    obs = [{"date": (start + dt.timedelta(d + shift)).isoformat(), "score": score}
           for d in days[1:] for shift, score in ((-7, 5), (10, 0))]
    history = {"doses": [{"date": (start + dt.timedelta(d)).isoformat(), "dose_mg": 300}
                         for d in days], "observations": obs}
    wide = ask(patient={"weight_kg": 30}, history=history, samples=40,
               priors={"clearance_factor_log_sd": 0.44})        # the label-SD prior
    warning = next(w for w in wide.warnings if w.code == "implausible_half_life")
    assert "a drug level would" in warning.message
    assert wide.model["half_life_days"] < 12                  # ~2.4 x the label's clearance
    sourced = ask(patient={"weight_kg": 30}, history=history, samples=40)
    assert sourced.model["half_life_days"] > wide.model["half_life_days"] + 4


def test_a_history_without_scores_is_told_the_model_is_the_population_s() -> None:
    doses = [{"date": "2024-01-01", "dose_mg": 300}, {"date": "2024-01-29", "dose_mg": 300}]
    out = ask(patient={"weight_kg": 30}, history={"doses": doses, "observations": []})
    assert out.fit is not None and out.fit.status == "prior"
    assert "population_calibration" in codes(out)
    scored = ask(patient={"weight_kg": 30}, history={
        "doses": doses, "observations": [{"date": "2024-01-28", "score": 0}]})
    assert scored.fit is not None and scored.fit.status != "prior"
    assert "population_calibration" not in codes(scored)


@pytest.mark.parametrize(("evaluation_date", "stale"), [
    (None, False), ("2024-12-31", False), ("2025-07-01", True), ("2199-12-31", True)])
def test_an_answer_from_a_history_long_before_the_evaluation_date_says_so(
        evaluation_date: str | None, stale: bool) -> None:
    history = {"doses": [{"date": f"2024-{m:02d}-01", "dose_mg": 300} for m in range(1, 7)],
               "observations": [{"date": f"2024-{m:02d}-28", "score": 0} for m in range(1, 7)]}
    body: dict[str, Any] = {"patient": {"weight_kg": 30}, "history": history, "samples": 40}
    if evaluation_date is not None:
        body["evaluation_date"] = evaluation_date
    out = ask(**body)
    found = [w for w in out.warnings if w.code == "stale_history"]
    assert bool(found) is stale
    if stale:
        assert found[0].field == "evaluation_date"
        assert "more than 365" in found[0].message
