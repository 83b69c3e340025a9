"""Story: a question that would take longer than the request-time budget is refused before any
work starts, naming the field, the size, the estimate and the limit; one just under the budget
is answered; a plan that runs out of time leaves the recommendation standing."""

from __future__ import annotations

from typing import Any

import pytest

from optimizer.errors import InputError, SolverError
from optimizer.schemas.free_ige import DosingGridRequest, SurrogateCheckRequest
from optimizer.schemas.recommendation import RecommendationRequest
from optimizer.services import free_ige as free_ige_service
from optimizer.services import individual as individual_service
from optimizer.services.budget import (
    FREE_IGE_STEPS_PER_DAY,
    S_PER_STEADY_STATE_STEP,
    Estimate,
    check_budget,
    dosing_grid_estimate,
    surrogate_check_estimate,
)
from optimizer.settings import Settings

#: The grid that took 44.6 s inside the documented limits: 10 weights x 10 IgE x 32 doses x
#: intervals 363-365.
SLOW_GRID: dict[str, Any] = {
    "weights_kg": [20 + 10 * i for i in range(10)],
    "ige_iu_per_ml": [100 + 100 * i for i in range(10)],
    "dose_options_mg": [75.0 * k for k in range(1, 33)],
    "interval_options_days": [363, 364, 365],
    "target": {"kind": "free_ige", "max_dose_mg": 2400, "allow_extrapolation": True},
}


def _must_not_run(*_: Any, **__: Any) -> Any:
    raise AssertionError("the heavy computation ran although the budget refuses it")


def test_the_slow_grid_is_refused_without_computing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(free_ige_service, "dosing_grid", _must_not_run)
    with pytest.raises(InputError) as err:
        free_ige_service.dosing_grid_public(DosingGridRequest.model_validate(SLOW_GRID),
                                            Settings(request_time_limit_s=10))
    e = err.value
    assert e.field == "interval_options_days" and e.value == [363, 364, 365]
    assert "10 s" in e.allowed and "DOSEOPT_REQUEST_TIME_LIMIT_S" in e.allowed
    assert "9,600 steady states" in e.allowed and "1,460 steps" in e.allowed
    assert "shorter intervals" in e.allowed


def test_the_estimate_is_steady_states_times_steps_times_the_measured_cost() -> None:
    est = dosing_grid_estimate(10, 10, 32, [363, 364, 365])
    ss_steps = 10 * 10 * 32 * 3 * FREE_IGE_STEPS_PER_DAY * 365
    assert est.seconds >= ss_steps * S_PER_STEADY_STATE_STEP
    # the same grid at 28 days costs 365/28 times less in its dominant term
    short = dosing_grid_estimate(10, 10, 32, [26, 27, 28])
    assert short.seconds < est.seconds / 10


def test_a_grid_just_under_the_budget_is_answered() -> None:
    body = {"weights_kg": [50, 70], "ige_iu_per_ml": [100, 300],
            "dose_options_mg": [150, 300, 450, 600], "interval_options_days": [28]}
    est = dosing_grid_estimate(2, 2, 4, [28])
    out = free_ige_service.dosing_grid_public(
        DosingGridRequest.model_validate(body), Settings(request_time_limit_s=est.seconds * 1.01))
    assert len(out.cells) == 4
    with pytest.raises(InputError):
        free_ige_service.dosing_grid_public(
            DosingGridRequest.model_validate(body),
            Settings(request_time_limit_s=est.seconds * 0.99))


def test_a_budget_of_zero_switches_the_check_off() -> None:
    check_budget(Estimate(1e9, "f", 1, "huge", "nothing"), 0)
    with pytest.raises(InputError, match="estimated 1000000000.0 s"):
        check_budget(Estimate(1e9, "f", 1, "huge", "nothing"), 1)


def test_a_long_surrogate_check_is_refused_without_computing(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import optimizer.free_ige.surrogate_check as check_module

    monkeypatch.setattr(check_module, "surrogate_check", _must_not_run)
    req = SurrogateCheckRequest.model_validate(
        {"patients": [{"weight_kg": 70, "baseline_ige_iu_per_ml": 300}] * 5,
         "horizon_days": 3650, "fit": True})
    est = surrogate_check_estimate(5, 3650, True)
    with pytest.raises(InputError) as err:
        free_ige_service.surrogate_check_public(
            req, Settings(request_time_limit_s=est.seconds / 2))
    assert err.value.field == "horizon_days" and "18,250 patient-days" in err.value.allowed


HISTORY: dict[str, Any] = {
    "patient": {"weight_kg": 30},
    "history": {"doses": [{"date": d, "dose_mg": 300} for d in
                          ("2020-01-06", "2020-02-03", "2020-03-02", "2020-03-30",
                           "2020-04-27")],
                "observations": [{"date": "2020-03-30", "score": 0},
                                 {"date": "2020-05-18", "score": 1}]},
    "evaluation_date": "2020-05-18", "samples": 50,
    "interval_options_days": {"min": 14, "max": 56, "step": 7},
    "plan": {"horizon_weeks": 8, "time_limit_s": 5},
}


def _timed_out(*_: Any, **__: Any) -> Any:
    raise SolverError("the solver stopped at its time limit without a plan", "kTimeLimit")


def test_a_plan_time_out_returns_the_recommendation_with_a_warning(
        monkeypatch: pytest.MonkeyPatch) -> None:
    req = RecommendationRequest.model_validate(HISTORY)
    unbounded = Settings(request_time_limit_s=0)
    full = individual_service.recommend_individual(req, unbounded)
    monkeypatch.setattr(individual_service, "plan_transition", _timed_out)
    out = individual_service.recommend_individual(req, unbounded)
    assert full.plan is not None and out.plan is None
    assert (out.interval_days, out.dose_mg) == (full.interval_days, full.dose_mg)
    w = [x for x in out.warnings if x.code == "plan_time_limit"]
    assert len(w) == 1 and w[0].field == "plan.time_limit_s" and "within 5 s." in w[0].message
    assert not any(x.code == "plan_time_limit" for x in full.warnings)


def test_the_plan_gets_what_is_left_of_the_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    from optimizer.individual.plan import PlanContext

    given: list[float] = []

    def record(ctx: PlanContext) -> Any:
        given.append(ctx.options.time_limit_s)
        return _timed_out()

    monkeypatch.setattr(individual_service, "plan_transition", record)
    out = individual_service.recommend_individual(
        RecommendationRequest.model_validate(HISTORY), Settings(request_time_limit_s=3))
    assert len(given) == 1 and 0.5 <= given[0] < 3
    (w,) = [x for x in out.warnings if x.code == "plan_time_limit"]
    assert "cut from plan.time_limit_s = 5 s" in w.message


def test_another_plan_solver_failure_is_still_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: Any, **__: Any) -> Any:
        raise SolverError("unexpected", "kError")

    monkeypatch.setattr(individual_service, "plan_transition", broken)
    with pytest.raises(SolverError):
        individual_service.recommend_individual(RecommendationRequest.model_validate(HISTORY),
                                                Settings())


def test_a_late_step_gets_what_is_left_of_the_budget() -> None:
    from optimizer.services.budget import remaining_s

    assert remaining_s(10, 3, 10) == 7
    assert remaining_s(10, 3, 2) == 2
    assert remaining_s(10, 9.9, 10) == 0.5  # the floor
    assert remaining_s(0, 100, 10) == 10  # no budget


def test_comparison_score_target_and_individual_answers_are_checked_before_work(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from optimizer.schemas.comparison import ComparisonRequest
    from optimizer.services import comparison as comparison_service
    from optimizer.services import recommendation as recommendation_service

    tiny = Settings(request_time_limit_s=0.01)
    monkeypatch.setattr(comparison_service, "draw_patients", _must_not_run)
    monkeypatch.setattr(recommendation_service, "recommend_interval", _must_not_run)
    monkeypatch.setattr(individual_service, "fit_individual", _must_not_run)
    cmp = ComparisonRequest.model_validate(
        {"patient": {"weight_kg": 30}, "schedules": ["300 mg q4w", "300 mg q2w"],
         "population": {"n": 5000}})
    with pytest.raises(InputError) as err:
        comparison_service.compare(cmp, tiny)
    assert err.value.field == "population.n" and "0.01 s" in err.value.allowed
    plain = RecommendationRequest.model_validate({"patient": {"weight_kg": 30}})
    with pytest.raises(InputError) as err:
        recommendation_service.recommend(plain, tiny)
    assert err.value.field == "interval_options_days"
    with pytest.raises(InputError) as err:
        recommendation_service.recommend(RecommendationRequest.model_validate(HISTORY), tiny)
    assert err.value.field in {"samples", "plan.horizon_weeks"}
