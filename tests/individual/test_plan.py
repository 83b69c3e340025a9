"""Story: from today's schedule, the clinic gets dated injections that reach the longest safe
interval step by step, on clinic days, with the score under the threshold every day.

Every plan is checked by an independent simulation of its dates (superposition of single
doses, every quarter day), not by the planner's own arithmetic.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer.core.problem import PKParameters, ResponseParameters
from optimizer.core.results import Status
from optimizer.errors import InputError
from optimizer.exposure.pk import PKModel, single_dose_concentration_mg_per_l
from optimizer.exposure.symptoms import score, threshold_concentration_mg_per_l
from optimizer.individual.history import DoseRecord, PatientHistory, build_history
from optimizer.individual.plan import PlanContext, PlanOptions, TransitionPlan, plan_transition

PK = PKModel.from_parameters(PKParameters(), 30.0)
RESPONSE = ResponseParameters()
THRESHOLD = 2.0
MONDAY = date(2021, 1, 4)


def history(interval: int, days_since_last: int) -> PatientHistory:
    last = MONDAY
    doses = [DoseRecord(last - timedelta(days=interval * k), 300.0) for k in range(8, -1, -1)]
    return build_history(doses, [], last + timedelta(days=days_since_last))


def context(h: PatientHistory, target: int, current: int, options: PlanOptions) -> PlanContext:
    return PlanContext(history=h, pk=PK, response=RESPONSE, threshold_score=THRESHOLD,
                       threshold_conc_mg_per_l=threshold_concentration_mg_per_l(RESPONSE,
                                                                                THRESHOLD),
                       dose_mg=300.0, target_interval_days=target,
                       current_interval_days=current, options=options)


def independent_scores(h: PatientHistory, plan: TransitionPlan, horizon: int) -> np.ndarray:
    t = np.arange(0.0, horizon + 1e-9, 0.25)
    conc = np.zeros_like(t)
    for r in h.doses:
        conc += single_dose_concentration_mg_per_l(PK, r.dose_mg, t - h.day(r.date))
    for d in plan.dose_days:
        conc += single_dose_concentration_mg_per_l(PK, 300.0, t - d)
    return score(RESPONSE, conc)


def check_rules(h: PatientHistory, ctx: PlanContext, plan: TransitionPlan) -> None:
    o = ctx.options
    days = [h.day(h.doses[-1].date), *plan.dose_days]
    gaps = np.diff(days)
    assert all(g >= o.min_gap_days for g in gaps)
    assert all(g <= ctx.target_interval_days for g in gaps)
    previous = [ctx.current_interval_days, *gaps[:-1]]
    assert all(g <= p + o.max_step_days for g, p in zip(gaps, previous, strict=True))
    allowed = o.clinic_weekdays or (h.doses[-1].date.weekday(),)
    assert all(h.date_of(d).weekday() in allowed for d in plan.dose_days)
    assert plan.injections <= plan.greedy_injections


@settings(max_examples=8)
@given(target=st.integers(29, 42), since=st.integers(0, 20), step=st.sampled_from([7, 14]),
       weekdays=st.sampled_from([None, (0,), (0, 3), (1, 2, 4)]),
       weeks=st.integers(12, 26))
def test_plan_keeps_every_day_controlled_and_obeys_the_clinic_rules(
        target: int, since: int, step: int, weekdays: tuple[int, ...] | None,
        weeks: int) -> None:
    h = history(28, since)
    ctx = context(h, target, 28, PlanOptions(horizon_weeks=weeks, clinic_weekdays=weekdays,
                                             max_step_days=step))
    plan = plan_transition(ctx)
    assert plan.status in (Status.OPTIMAL, Status.TIME_LIMIT)
    assert plan.days_above_threshold == ()
    assert independent_scores(h, plan, 7 * weeks).max() <= THRESHOLD + 1e-9
    check_rules(h, ctx, plan)


def test_reference_patient_moves_from_four_to_five_weeks_gradually() -> None:
    h = history(28, 14)
    ctx = context(h, 35, 28, PlanOptions(horizon_weeks=26, clinic_weekdays=(0, 1, 2, 3, 4),
                                         max_step_days=3))
    plan = plan_transition(ctx)
    gaps = list(plan.intervals_days)
    assert gaps[0] <= 31 and gaps[-1] == 35          # +3 days at most, then the target
    assert gaps == sorted(gaps)
    assert plan.checkpoint_days                       # scores asked before lengthening further
    assert independent_scores(h, plan, 182).max() <= THRESHOLD + 1e-9
    check_rules(h, ctx, plan)


def test_an_overdue_patient_is_dosed_at_the_next_clinic_day_and_told_the_bad_days() -> None:
    h = history(28, 45)                               # a dose missed: 45 days since the last
    ctx = context(h, 35, 28, PlanOptions(horizon_weeks=20))
    plan = plan_transition(ctx)
    first_monday = next(d for d in range(7) if h.date_of(d).weekday() == 0)
    assert plan.dose_days[0] == first_monday
    scores = independent_scores(h, plan, 140)[::4]    # whole days
    above = tuple(int(d) for d in np.flatnonzero(scores > THRESHOLD + 1e-9))
    assert above == plan.days_above_threshold and above[0] == 0
    assert max(above) <= first_monday + 7             # back under control soon after


def test_plan_without_a_dose_is_a_named_input_error() -> None:
    h = PatientHistory(doses=(), observations=(), evaluation_date=MONDAY)
    with pytest.raises(InputError) as err:
        plan_transition(context(h, 35, 28, PlanOptions()))
    assert err.value.field == "history.doses"


def test_an_oversized_plan_is_refused_with_the_field_named() -> None:
    h = history(28, 0)
    ctx = context(h, 84, 28, PlanOptions(horizon_weeks=104,
                                         clinic_weekdays=(0, 1, 2, 3, 4, 5, 6)))
    with pytest.raises(InputError) as err:
        plan_transition(ctx)
    assert err.value.field == "plan.clinic_weekdays"


def _pyomo_plan(ctx: PlanContext) -> list[int]:
    """The same plan from the Pyomo statement of the rows (the reference formulation)."""
    from optimizer.individual.plan import _windows, greedy_plan
    from optimizer.solve.highs import pyomo_section, run_highs
    from optimizer.solve.plan_model import build_plan_model

    slots = ctx.slot_days()
    checks = np.unique(np.concatenate([[0, ctx.horizon_day], slots])).astype(np.int64)
    greedy = greedy_plan(ctx, slots, checks)
    conc = ctx.conc(checks.astype(np.float64), greedy)
    excluded = {int(t) for t in checks[conc < ctx.threshold_conc_mg_per_l]}
    data = _windows(ctx, slots, checks, excluded, len(greedy))
    with pyomo_section():
        model = build_plan_model(data)
        values = run_highs(model).primals()
        return [int(data.slot_days[s]) for s in model.S if values[model.y[s]] > 0.5]


@settings(max_examples=6, deadline=None)
@given(target=st.integers(29, 42), since=st.integers(0, 20),
       weekdays=st.sampled_from([None, (0, 3), (0, 1, 2, 3, 4)]), weeks=st.integers(8, 16))
def test_array_program_gives_the_plan_of_the_pyomo_formulation(
        target: int, since: int, weekdays: tuple[int, ...] | None, weeks: int) -> None:
    ctx = context(history(28, since), target, 28,
                  PlanOptions(horizon_weeks=weeks, clinic_weekdays=weekdays))
    assert list(plan_transition(ctx).dose_days) == _pyomo_plan(ctx)


def test_five_clinic_days_for_26_weeks_match_the_pyomo_formulation() -> None:
    ctx = context(history(28, 10), 42, 28,
                  PlanOptions(horizon_weeks=26, clinic_weekdays=(0, 1, 2, 3, 4)))
    plan = plan_transition(ctx)
    assert list(plan.dose_days) == _pyomo_plan(ctx)
    assert plan.injections <= plan.greedy_injections
