"""Story: a cost analyst compares schedules for one patient; the control figures are those of
the PK / symptom model evaluated directly, and the optimizer's answer appears as a row."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from optimizer.comparison.costs import DEFAULT_PRICES
from optimizer.comparison.schedules import (
    ComparisonSetup,
    Start,
    compare_schedules,
    evaluate_schedule,
)
from optimizer.core.problem import Patient, PKParameters, RecommendationProblem
from optimizer.core.regimen import DoseList, RegularSchedule, parse_schedule
from optimizer.errors import InputError
from optimizer.exposure.pk import (
    PKModel,
    concentration_mg_per_l,
    steady_state_concentration_mg_per_l,
    steady_state_trough_mg_per_l,
)
from optimizer.exposure.symptoms import score, threshold_concentration_mg_per_l
from optimizer.schemas.comparison import ComparisonRequest
from optimizer.score_target.interval_search import recommend_interval
from optimizer.services.comparison import compare

#: Samples per day of the independent brute-force check.
FINE = 24


def _setup(weight_kg: float = 30.0, horizon_days: int = 364,
           start: Start = "steady_state", half_life_days: float = 26.0) -> ComparisonSetup:
    problem = RecommendationProblem(patient=Patient(weight_kg),
                                    pk=PKParameters(half_life_days=half_life_days))
    return ComparisonSetup(problem=problem, prices=DEFAULT_PRICES, horizon_days=horizon_days,
                           start=start)


def _direct(setup: ComparisonSetup, s: RegularSchedule) -> tuple[int, float]:
    """Days above threshold and worst score, straight from optimizer.exposure.pk /
    optimizer.exposure.symptoms
    on a grid of FINE points per day (superposition or the steady-state closed form)."""
    p = setup.problem
    pk = PKModel.from_parameters(p.pk, p.patient.weight_kg)
    h = setup.horizon_days
    t = np.arange(h * FINE + 1) / FINE
    if setup.start == "first_dose":
        conc = concentration_mg_per_l(pk, s.dose_days(h), s.doses_mg(h), t)
    else:
        conc = steady_state_concentration_mg_per_l(pk, s.dose_mg, s.interval_days,
                                                   np.mod(t, s.interval_days))
    sc = score(p.response, conc)
    above = sc > p.threshold_score
    per_day = above[:-1].reshape(h, FINE) | above[FINE::FINE][:, None]
    return int(per_day.any(axis=1).sum()), float(sc.max())


@pytest.mark.parametrize("start", ["steady_state", "first_dose"])
@pytest.mark.parametrize("text", ["300 mg q4w", "300 mg q5w", "300 mg q6w", "300 mg q8w",
                                  "150 mg q2w", "450 mg q9w"])
def test_control_figures_equal_the_model_evaluated_directly(text: str, start: Start) -> None:
    setup = _setup(start=start)
    res = evaluate_schedule(setup, parse_schedule(text), text)
    days, worst = _direct(setup, parse_schedule(text))
    assert res.days_above_threshold == days
    assert res.fraction_controlled == pytest.approx(1 - days / 364)
    assert res.max_score == pytest.approx(worst, abs=1e-9)


def test_reference_child_is_controlled_on_q4w_and_q5w_not_q6w_or_q8w() -> None:
    rows = compare_schedules(_setup(), [parse_schedule(f"300 mg q{w}w") for w in (4, 5, 6, 8)])
    assert [r.days_above_threshold == 0 for r in rows] == [True, True, False, False]
    assert [r.cost.injections for r in rows] == [13, 11, 9, 7]  # ceil(364 / tau)
    assert rows[3].days_above_threshold > rows[2].days_above_threshold


@given(dose=st.sampled_from([75.0, 150.0, 300.0, 450.0, 600.0]), tau=st.integers(7, 120),
       weight=st.floats(10, 150))
def test_steady_state_control_matches_the_trough(dose: float, tau: int, weight: float) -> None:
    """Controlled all year at steady state exactly when the trough is at or above C*."""
    setup = _setup(weight_kg=weight)
    res = evaluate_schedule(setup, RegularSchedule(dose, tau), "s")
    pk = setup.pk_model
    trough = float(steady_state_trough_mg_per_l(pk, dose, tau))
    c_star = threshold_concentration_mg_per_l(setup.problem.response, 2.0)
    assert (res.days_above_threshold == 0) == (trough >= c_star)
    assert res.max_score == pytest.approx(float(score(setup.problem.response, trough)))


def test_first_dose_start_is_uncontrolled_at_day_0() -> None:
    res = evaluate_schedule(_setup(start="first_dose"), parse_schedule("300 mg q2w"), "s")
    assert res.days_above_threshold >= 1
    assert res.max_score == pytest.approx(8.5)  # baseline: no drug yet


def test_an_explicit_list_equals_the_regular_schedule_it_spells_out() -> None:
    setup = _setup(start="first_dose")
    regular = evaluate_schedule(setup, parse_schedule("300 mg q5w"), "r")
    listed = evaluate_schedule(setup, DoseList(tuple((35 * k, 300.0) for k in range(11))), "l")
    assert listed.days_above_threshold == regular.days_above_threshold
    assert listed.max_score == pytest.approx(regular.max_score)
    assert listed.cost == regular.cost and listed.interval_days is None


def test_explicit_lists_need_the_first_dose_start() -> None:
    with pytest.raises(InputError) as err:
        evaluate_schedule(_setup(), DoseList(((0, 300.0),)), "l", "schedules[1]")
    assert err.value.field == "schedules[1]"


@pytest.mark.parametrize("horizon", [0, 3651, 10**6])
def test_horizon_over_the_cap_is_refused(horizon: int) -> None:
    with pytest.raises(InputError) as err:
        _setup(horizon_days=horizon)
    assert err.value.field == "horizon_days"


def test_optimal_row_is_the_optimizer_answer() -> None:
    request = ComparisonRequest.model_validate(
        {"patient": {"weight_kg": 30}, "schedules": ["300 mg q4w"], "include_optimal": True})
    out = compare(request)
    expected = recommend_interval(request.to_problem())
    row = out.rows[-1]
    assert row.source == "optimal"
    assert (row.interval_days, row.dose_mg) == (expected.interval_days, expected.dose_mg) == (
        36, 300)
    assert row.days_above_threshold == 0
    assert row.max_score == pytest.approx(expected.max_score)


def test_deltas_are_against_the_first_schedule() -> None:
    request = ComparisonRequest.model_validate(
        {"patient": {"weight_kg": 30}, "schedules": ["300 mg q8w", "300 mg q4w"],
         "prices": {"syringe_price": {"150": 100}, "visit_cost": 10}})
    ref, other = compare(request).rows
    assert ref.delta_total_cost == 0 and ref.delta_injections == 0
    assert other.delta_injections == 13 - 7
    assert other.delta_total_cost == pytest.approx((13 - 7) * (2 * 100 + 10))
    assert other.delta_days_above_threshold == -ref.days_above_threshold
