"""Transition plan from today: dated doses over a horizon that reach the target interval while
the predicted score stays at or below the threshold every day.

Rows are checked at day 0, at every clinic slot and at the horizon end. This is exact for every
day: doses are only ever given on slot days, and between two consecutive doses (or between
today and the first dose, or the last dose and the horizon end) the concentration is
``A exp(-ke t) - B exp(-ka t)`` with ``A, B > 0``, which rises to at most one peak and then
falls, so its minimum over the window is at one of the window's ends. The returned plan is
re-simulated for every day in numpy regardless.

Defaults (:class:`PlanOptions`): horizon 26 weeks (the issue's six months; modelling choice),
lengthening by at most 7 days per injection (modelling choice: one week per step, as the
reference case moved from 4 to 5 weeks), minimum gap 14 days (label: the shortest labelled
interval is 2 weeks), clinic weekday = the weekday of the last recorded dose.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from optimizer.core.problem import ResponseParameters
from optimizer.core.results import Status
from optimizer.errors import InputError
from optimizer.exposure.pk import PKModel, single_dose_concentration_mg_per_l
from optimizer.exposure.symptoms import score
from optimizer.individual.history import PatientHistory
from optimizer.solve.lazy_rows import solve_with_lazy_rows
from optimizer.solve.plan_program import PlanModelData, plan_program, plan_start

__all__ = ["PlanContext", "PlanOptions", "TransitionPlan", "greedy_plan", "plan_transition",
           "simulate_scores"]

IntArray = NDArray[np.int64]
#: Model size guard (matrix terms): 5 clinic days a week for 26 weeks at a 36-day target is
#: about 76,000 terms (modelling choice: keeps one plan well under a second of HiGHS time).
MAX_MODEL_TERMS = 150_000


@dataclass(frozen=True)
class PlanOptions:
    horizon_weeks: int = 26
    clinic_weekdays: tuple[int, ...] | None = None  # 0 = Monday ... 6 = Sunday
    max_step_days: int = 7
    min_gap_days: int = 14
    time_limit_s: float = 10.0


@dataclass(frozen=True)
class PlanContext:
    """Everything the plan needs, in days from today (day 0 = evaluation date)."""

    history: PatientHistory
    pk: PKModel
    response: ResponseParameters
    threshold_score: float
    threshold_conc_mg_per_l: float
    dose_mg: float
    target_interval_days: int
    current_interval_days: int
    options: PlanOptions

    @property
    def horizon_day(self) -> int:
        return 7 * self.options.horizon_weeks

    @property
    def anchor_day(self) -> int:
        return int(self.history.dose_days[-1])

    def slot_days(self) -> IntArray:
        weekdays = self.options.clinic_weekdays
        if weekdays is None:
            weekdays = (self.history.doses[-1].date.weekday(),)
        start = max(0, self.anchor_day + self.options.min_gap_days)
        days = np.arange(start, self.horizon_day + 1)
        wd = np.array([self.history.date_of(int(d)).weekday() for d in days], dtype=np.int64)
        return days[np.isin(wd, weekdays)]

    def conc(self, t_days: NDArray[np.float64], planned: list[int]) -> NDArray[np.float64]:
        hist = self.history.concentration_mg_per_l(self.pk, t_days)
        extra = sum((single_dose_concentration_mg_per_l(self.pk, self.dose_mg, t_days - d)
                     for d in planned), np.zeros_like(t_days))
        return hist + extra

    def first_deadline(self) -> int:
        o = self.options
        return self.anchor_day + min(self.current_interval_days + o.max_step_days,
                                     self.target_interval_days)

    def overdue(self, slots: IntArray) -> bool:
        return bool(slots.size == 0 or slots[0] > self.first_deadline())


@dataclass(frozen=True)
class TransitionPlan:
    status: Status
    dose_days: tuple[int, ...]
    intervals_days: tuple[int, ...]
    daily_scores: tuple[float, ...]
    days_above_threshold: tuple[int, ...]
    checkpoint_days: tuple[int, ...]
    injections: int
    greedy_injections: int
    mip_gap: float | None
    solver_status: str
    solve_ms: float
    slots: int


def simulate_scores(ctx: PlanContext, planned: list[int]) -> NDArray[np.float64]:
    """Predicted score on every day 0..horizon (on a dose day: just before the dose)."""
    t = np.arange(ctx.horizon_day + 1, dtype=np.float64)
    return score(ctx.response, ctx.conc(t, planned))


def greedy_plan(ctx: PlanContext, slots: IntArray, checks: IntArray) -> list[int]:
    """Dose on the latest allowed slot that keeps every checkpoint controlled (earliest slot
    when none can): feasible for the model's rules, an upper bound on its injection count."""
    o, horizon = ctx.options, ctx.horizon_day
    last, base = ctx.anchor_day, ctx.current_interval_days
    planned: list[int] = []
    catch_up = ctx.overdue(slots)
    while True:
        hi = last + min(base + o.max_step_days, ctx.target_interval_days)
        cands = slots[(slots >= last + o.min_gap_days) & (slots <= min(hi, horizon))]
        if catch_up and not planned:
            cands = slots[:1]
        if cands.size == 0:
            return planned
        start = max(last, 0)
        window = checks[checks >= start].astype(np.float64)
        low = window[ctx.conc(window, planned) < ctx.threshold_conc_mg_per_l]
        first_fail = float(low[0]) if low.size else np.inf
        if hi > horizon and not np.isfinite(first_fail):
            return planned
        viable = cands[cands < first_fail]
        r = int(viable[-1]) if viable.size else int(cands[0])
        base = ctx.current_interval_days if catch_up and not planned else r - last
        planned.append(r)
        last = r


def _windows(ctx: PlanContext, slots: IntArray, checks: IntArray, excluded: set[int],
             bound: int | None) -> PlanModelData:
    o, horizon, tau = ctx.options, ctx.horizon_day, ctx.target_interval_days
    n = slots.size
    idx = np.arange(n)

    def between(lo: float, hi: float) -> tuple[int, ...]:  # slots with lo < t <= hi
        return tuple(int(q) for q in idx[(slots > lo) & (slots <= hi)])

    rows = [int(t) for t in checks if int(t) not in excluded]
    t = np.asarray(rows, dtype=np.float64)
    unit = single_dose_concentration_mg_per_l(ctx.pk, ctx.dose_mg, t[:, None] - slots[None, :])
    c_star = ctx.threshold_conc_mg_per_l
    rhs = 1.0 - ctx.history.concentration_mg_per_l(ctx.pk, t) / c_star
    keep = rhs > 0.0
    cliques = tuple(between(s - 1, s + o.min_gap_days - 1) for s in slots)
    caps = tuple((s, between(slots[s], slots[s] + tau)) for s in range(n)
                 if slots[s] + tau <= horizon)
    steps = tuple((s, r, between(slots[s], slots[r] - 1),
                   between(slots[r], 2 * slots[r] - slots[s] + o.max_step_days))
                  for s in range(n) for r in range(s + 1, n)
                  if o.min_gap_days <= slots[r] - slots[s] <= tau
                  and 2 * slots[r] - slots[s] + o.max_step_days <= horizon)
    catch_up = ctx.overdue(slots)
    anchors = []
    for r in range(n):
        b = ctx.current_interval_days if catch_up else slots[r] - ctx.anchor_day
        if slots[r] + b + o.max_step_days <= horizon:
            anchors.append((r, between(-np.inf, slots[r] - 1),
                            between(slots[r], slots[r] + b + o.max_step_days)))
    first: tuple[int, ...] | None = (0,) if catch_up else None
    if not catch_up and ctx.first_deadline() <= horizon:
        first = between(-np.inf, ctx.first_deadline())
    start = int(slots[0]) if catch_up else ctx.anchor_day
    covers = tuple(sorted({between(t, t + tau) for t in range(start, horizon - tau + 1)}))
    size = sum(len(w[2]) + len(w[3]) for w in steps) + int(unit.size)
    if size > MAX_MODEL_TERMS:
        raise InputError("plan.clinic_weekdays", f"{n} clinic slots",
                         "a smaller plan: fewer clinic weekdays or a shorter horizon_weeks "
                         f"(this one needs {size} model terms, at most {MAX_MODEL_TERMS})")
    return PlanModelData(slot_days=slots, control_a=unit[keep] / c_star,
                         control_rhs=rhs[keep], gap_cliques=cliques, caps=caps, steps=steps,
                         anchors=tuple(anchors), first_window=first,
                         covers=tuple(c for c in covers if c), count_bound=bound,
                         tie_break=(1.0 - slots / (horizon + 1.0)) / (n + 1.0))


def _solve(data: PlanModelData, time_limit_s: float, greedy: list[int]
           ) -> tuple[list[int] | None, str, float, float | None, Status]:
    """HiGHS on the plan's rows, the lengthening rule added only where violated; each round
    solves the LP relaxation first (integral in many cases, which proves the plan optimal
    without branching), else the MIP warm-started from the greedy plan (feasible by
    construction: the rows it fails were excluded)."""
    program, lazy = plan_program(data)
    run = solve_with_lazy_rows(program, lazy, time_limit_s=time_limit_s,
                               start=plan_start(data, greedy), relaxation_first=True)
    if run.status is Status.INFEASIBLE or run.col_value is None:
        return None, run.raw_status, run.solve_ms, None, run.status
    chosen = [int(d) for d in data.slot_days[run.col_value[:data.slot_days.size] > 0.5]]
    return chosen, run.raw_status, run.solve_ms, run.mip_gap, run.status


def plan_transition(ctx: PlanContext) -> TransitionPlan:
    """The plan with the fewest injections that obeys every rule (see module doc)."""
    if ctx.history.dose_days.size == 0:
        raise InputError("history.doses", [], "at least one recorded dose to plan from")
    slots = ctx.slot_days()
    checks = np.unique(np.concatenate([[0, ctx.horizon_day], slots])).astype(np.int64)
    greedy = greedy_plan(ctx, slots, checks)
    g_conc = ctx.conc(checks.astype(np.float64), greedy)
    excluded = {int(t) for t in checks[g_conc < ctx.threshold_conc_mg_per_l]}
    chosen, raw, ms, gap, status = (greedy, "no clinic slot", 0.0, None, Status.OPTIMAL)
    if slots.size:
        data = _windows(ctx, slots, checks, excluded, len(greedy))
        found, raw, ms, gap, status = _solve(data, ctx.options.time_limit_s, greedy)
        chosen = greedy if found is None else found
    scores = simulate_scores(ctx, chosen)
    above = tuple(int(d) for d in np.flatnonzero(scores > ctx.threshold_score + 1e-9))
    full = [ctx.anchor_day, *chosen]
    intervals = tuple(int(b - a) for a, b in zip(full, full[1:], strict=False))
    # a catch-up dose after an overdue one is not a lengthening step
    previous = (10**6 if ctx.overdue(slots) else ctx.current_interval_days, *intervals)
    checkpoints = tuple(chosen[k] for k in range(len(chosen)) if intervals[k] > previous[k])
    return TransitionPlan(status=status, dose_days=tuple(chosen), intervals_days=intervals,
                          daily_scores=tuple(float(s) for s in scores),
                          days_above_threshold=above, checkpoint_days=checkpoints,
                          injections=len(chosen), greedy_injections=len(greedy), mip_gap=gap,
                          solver_status=raw, solve_ms=ms, slots=int(slots.size))
