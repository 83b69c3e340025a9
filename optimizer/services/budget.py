"""Request-time budget: estimate a question's computing time before starting, refuse it when
the estimate exceeds ``DOSEOPT_REQUEST_TIME_LIMIT_S``.

Each estimate is the request's size in its natural unit times a per-unit cost measured on the
reference machine (2 cores shared with other work) by ``benchmarks/bench_budget.py``, which
prints the costs and, for a few requests, the estimate next to the measured time. Measured
costs move by up to 2x with the machine's load; the constants sit at the slow end of quiet
runs, and the estimates came within a factor of 2 of the measured time (either way) for every
request above 0.1 s (below it the fixed 0.05 s dominates). A request just under the budget is
answered. A budget of 0 switches the check off (long script runs).

A refusal is an :class:`~optimizer.errors.InputError` (HTTP 422) that names the field that
drives the size, the size, the estimate, the limit and what to change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from optimizer.core.warnings import AnswerWarning
from optimizer.errors import InputError
from optimizer.free_ige.target import _STEPS_PER_DAY as FREE_IGE_STEPS_PER_DAY
from optimizer.individual.history import PatientHistory
from optimizer.schemas.recommendation import RecommendationRequest

__all__ = ["Estimate", "FREE_IGE_STEPS_PER_DAY", "LABEL_LONGEST_INTERVAL_DAYS",
           "STEADY_STATES_PER_PASS", "S_FIXED",
           "S_INDIVIDUAL_FIXED", "S_PER_CANDIDATE", "S_PER_CHECK_DAY", "S_PER_DRAW_OBSERVATION",
           "S_PER_FIT_PATIENT_DAY", "S_PER_FREE_IGE_CELL", "S_PER_PASS_STEP", "S_PER_PATIENT_DAY",
           "S_PER_PLAN_SLOT", "S_PER_POPULATION_UNIT", "S_PER_STEADY_STATE_STEP", "check_budget",
           "comparison_estimate", "dosing_grid_estimate", "free_ige_estimate",
           "individual_estimate", "individual_request_estimate", "plan_time_warning",
           "recommendation_estimate", "remaining_s", "surrogate_check_estimate"]

#: Seconds per steady-state integration step of the binding model (one patient x one
#: candidate x one step of the longest interval's cycle). Measured 2.0-2.5 us by
#: ``benchmarks/bench_budget.py`` (grids of 800-6,400 steady states, 28-day intervals), 1.3 us
#: on a quiet machine and 4.2 us on a loaded one; 3 us kept.
S_PER_STEADY_STATE_STEP = 3.0e-6
#: Seconds per integration step per vectorised pass, whatever its width (numpy call
#: overhead: dominant for small grids over long intervals). Fitted as about 0.3 ms from the
#: 3 x 3 x 8 x 182-day grid of ``benchmarks/bench_budget.py``; 0.4 ms kept.
S_PER_PASS_STEP = 4.0e-4
#: Steady states per vectorised pass (the default ``chunk`` of
#: :func:`optimizer.free_ige.target.evaluate_free_ige_many`).
STEADY_STATES_PER_PASS = 6_000
#: Seconds per cell of a grid (or per free-IgE question): the HiGHS choice among the cell's
#: candidates and its re-check. Measured about 0.8 ms by ``benchmarks/bench_budget.py``.
S_PER_FREE_IGE_CELL = 1.0e-3
#: Seconds per day of the surrogate check's horizon, whatever the number of patients (the
#: binding model's integration steps). Measured 0.45 ms (1 patient, 365 and 3,650 days) by
#: ``benchmarks/bench_budget.py``.
S_PER_CHECK_DAY = 5.0e-4
#: Seconds per patient-day of the surrogate check. Measured 2-24 us (10-50 patients,
#: 365-3,650 days; the high end on a loaded machine) by ``benchmarks/bench_budget.py``.
S_PER_PATIENT_DAY = 1.0e-5
#: Seconds per patient-day of the surrogate check's ``fit``. Measured 1-19 us by
#: ``benchmarks/bench_budget.py``.
S_PER_FIT_PATIENT_DAY = 5.0e-6
#: Seconds per unit of comparison work (virtual patient x day x schedule, dose-list schedules
#: counting one per dose: :func:`optimizer.comparison.population.population_work`). Measured
#: 30-95 ns (10,000-20,000 patients, 3 schedules, 1 year) by ``benchmarks/bench_budget.py``.
S_PER_POPULATION_UNIT = 1.0e-7
#: Seconds per candidate (dose x interval) of a score-target recommendation, the population
#: probability included. Measured under 1 us (11,488 candidates in 8 ms) by
#: ``benchmarks/bench_budget.py``; the fixed part dominates below 100,000 candidates.
S_PER_CANDIDATE = 1.0e-6
#: Fixed part of an individual answer (fit, probability, advice, sensitivity), seconds:
#: measured 0.09-0.25 s by ``benchmarks/bench_budget.py``.
S_INDIVIDUAL_FIXED = 0.3
#: Seconds per posterior draw x observation of an individual fit. Measured about 0.4 us by
#: ``benchmarks/bench_budget.py`` (3-50 observations, 200-2,000 draws).
S_PER_DRAW_OBSERVATION = 1.0e-6
#: Seconds per plan slot (horizon day that is a clinic day) of a transition plan, solver
#: included. Measured 0.4-0.6 ms by ``benchmarks/bench_budget.py`` (26-104 weeks, 1-3
#: clinic days a week).
S_PER_PLAN_SLOT = 1.0e-3
#: Longest interval in the label's dosing tables, days (EU SmPC section 4.2: every 4 weeks).
LABEL_LONGEST_INTERVAL_DAYS = 28
#: Fixed part of every estimate (imports already done; model set-up), seconds (measured
#: 0.02-0.05 s by ``benchmarks/bench_budget.py``).
S_FIXED = 0.05


@dataclass(frozen=True)
class Estimate:
    """A request's estimated computing time.

    ``seconds``: the estimate; ``field``/``value``: the request field that drives the size
    and its value; ``size``: the size in words (``"9,600 steady states x 1,460 steps"``);
    ``advice``: what to change to fit the budget."""

    seconds: float
    field: str
    value: Any
    size: str
    advice: str


def check_budget(estimate: Estimate, limit_s: float) -> None:
    """Raise :class:`InputError` (``estimate.field``) when ``estimate.seconds`` exceeds
    ``limit_s`` seconds; ``limit_s <= 0`` means no budget."""
    if limit_s <= 0 or estimate.seconds <= limit_s:
        return
    raise InputError(
        estimate.field, estimate.value,
        f"a request estimated to finish within the request time limit of {limit_s:g} s "
        f"(DOSEOPT_REQUEST_TIME_LIMIT_S); this one is {estimate.size}, estimated "
        f"{estimate.seconds:.1f} s. {estimate.advice}")


def steady_state_seconds(steady_states: int, longest_interval_days: int, cells: int) -> float:
    """Binding-model steady states (each integrated over the longest interval's cycle at
    :data:`FREE_IGE_STEPS_PER_DAY`, in passes of :data:`STEADY_STATES_PER_PASS`) plus one
    solver choice per cell, seconds."""
    steps = FREE_IGE_STEPS_PER_DAY * longest_interval_days
    passes = -(-steady_states // STEADY_STATES_PER_PASS)
    return (S_FIXED + steady_states * steps * S_PER_STEADY_STATE_STEP
            + passes * steps * S_PER_PASS_STEP + cells * S_PER_FREE_IGE_CELL)


def dosing_grid_estimate(n_weights: int, n_iges: int, n_doses: int,
                         intervals_days: list[int]) -> Estimate:
    """The dosing grid: weights x IgE bands x doses x intervals steady states, each over the
    longest interval's cycle."""
    ivs = sorted(set(intervals_days))
    ss = n_weights * n_iges * n_doses * len(ivs)
    steps = FREE_IGE_STEPS_PER_DAY * ivs[-1]
    # the field named: the intervals when longer than the label's 28 days, else the bands
    field, value = (("interval_options_days", ivs) if ivs[-1] > LABEL_LONGEST_INTERVAL_DAYS
                    else ("weights_kg", n_weights))
    return Estimate(
        seconds=steady_state_seconds(ss, ivs[-1], n_weights * n_iges),
        field=field, value=value,
        size=(f"{n_weights} weights x {n_iges} IgE bands x {n_doses} doses x {len(ivs)} "
              f"intervals = {ss:,} steady states of {steps:,} steps (the longest interval, "
              f"{ivs[-1]} days, x {FREE_IGE_STEPS_PER_DAY} per day)"),
        advice=("Ask fewer weight or IgE bands, fewer dose_options_mg or "
                "interval_options_days, or shorter intervals (the cost grows with the "
                "longest); split the grid into several requests, or run it from the CLI "
                "with DOSEOPT_REQUEST_TIME_LIMIT_S=0."))


def free_ige_estimate(n_doses: int, intervals_days: list[int]) -> Estimate:
    """One free-IgE target recommendation: doses x intervals steady states."""
    est = dosing_grid_estimate(1, 1, n_doses, intervals_days)
    ivs = sorted(set(intervals_days))
    return Estimate(
        seconds=est.seconds, field="interval_options_days", value=ivs,
        size=f"{n_doses} doses x {len(ivs)} intervals over a {ivs[-1]}-day cycle",
        advice="Ask fewer dose_options_mg or interval_options_days, or shorter intervals.")


def surrogate_check_estimate(n_patients: int, horizon_days: float, fit: bool) -> Estimate:
    """The surrogate check: the horizon's days, and patients x horizon days (twice as costly
    with ``fit``)."""
    days = n_patients * horizon_days
    per_day = S_PER_PATIENT_DAY + (S_PER_FIT_PATIENT_DAY if fit else 0.0)
    return Estimate(
        seconds=S_FIXED + horizon_days * S_PER_CHECK_DAY + days * per_day,
        field="horizon_days", value=horizon_days,
        size=(f"{n_patients} patients x {horizon_days:g} days = {days:,.0f} patient-days"
              + (" with a fit per patient" if fit else "")),
        advice="Ask fewer patients or a shorter horizon_days, or leave out fit.")


def comparison_estimate(population_work: int, n_patients: int) -> Estimate:
    """A comparison over virtual patients: ``population_work`` patient-day-schedule units."""
    return Estimate(
        seconds=S_FIXED + population_work * S_PER_POPULATION_UNIT,
        field="population.n", value=n_patients,
        size=f"{population_work:,} patient-day-schedule evaluations",
        advice="Ask fewer virtual patients (population.n), fewer schedules or a shorter "
               "horizon_days.")


def recommendation_estimate(candidates: int) -> Estimate:
    """A score-target recommendation with population values: doses x intervals candidates."""
    return Estimate(
        seconds=S_FIXED + candidates * S_PER_CANDIDATE, field="interval_options_days",
        value=candidates, size=f"{candidates:,} candidates (doses x intervals)",
        advice="Ask fewer dose_options_mg or a coarser interval_options_days.step.")


def individual_estimate(samples: int, observations: int, plan_slots: int) -> Estimate:
    """An individual answer: the fit's draws x observations and the plan's slots (horizon
    days on clinic weekdays; 0 without a plan)."""
    seconds = (S_INDIVIDUAL_FIXED + samples * observations * S_PER_DRAW_OBSERVATION
               + plan_slots * S_PER_PLAN_SLOT)
    field, value = (("plan.horizon_weeks", plan_slots) if plan_slots * S_PER_PLAN_SLOT
                    > samples * observations * S_PER_DRAW_OBSERVATION else ("samples", samples))
    return Estimate(
        seconds=seconds, field=field, value=value,
        size=(f"{samples} samples x {observations} observations and {plan_slots} plan "
              f"slots"),
        advice="Ask fewer samples, a shorter plan.horizon_weeks or fewer "
               "plan.clinic_weekdays.")


def remaining_s(limit_s: float, spent_s: float, asked_s: float, floor_s: float = 0.5) -> float:
    """The time a late step (a transition plan's solver) may take: what the request asked
    (``asked_s``), at most what is left of the budget, and at least ``floor_s`` (modelling
    choice: a plan usually solves in a tenth of a second). ``limit_s <= 0``: no budget."""
    if limit_s <= 0:
        return asked_s
    return min(asked_s, max(floor_s, limit_s - spent_s))


def plan_time_warning(asked_s: float, given_s: float) -> AnswerWarning:
    """The ``plan_time_limit`` warning: the plan's solver found no plan within ``given_s``
    seconds (the request asked ``asked_s``)."""
    given = ("" if given_s >= asked_s else
             f" (cut from plan.time_limit_s = {asked_s:g} s to what was left of the request "
             f"time limit, DOSEOPT_REQUEST_TIME_LIMIT_S)")
    return AnswerWarning(
        "plan_time_limit",
        f"The transition plan was left out: its solver found no plan within {given_s:.3g} s"
        f"{given}. The recommendation stands; for a plan, ask again with a larger "
        f"plan.time_limit_s, fewer plan.horizon_weeks or fewer plan.clinic_weekdays.",
        "plan.time_limit_s")


def individual_request_estimate(request: RecommendationRequest,
                                history: PatientHistory | None) -> Estimate:
    """An individual request's estimate (:func:`individual_estimate`): plan slots are the
    horizon's days on clinic weekdays (one weekday when none are given)."""
    slots = 0
    if request.plan is not None:
        weekdays = request.plan.clinic_weekdays
        slots = request.plan.horizon_weeks * (1 if weekdays is None else len(set(weekdays)))
    n_obs = 0 if history is None else len(history.observations)
    return individual_estimate(request.samples, n_obs, slots)
