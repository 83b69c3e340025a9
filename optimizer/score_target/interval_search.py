"""Recommend the longest controlled interval: exposures (numpy) -> model (Pyomo) -> HiGHS.

The flow is ``evaluate_candidates`` (all troughs at once, numpy) -> the interval choice
(:func:`optimizer.solve.choice.choose_candidate`: HiGHS over the columns that can matter; or the
full Pyomo model of :mod:`optimizer.solve.interval_model` with ``backend="pyomo"``) -> read back
and explain. The solver's choice is re-checked in numpy before it is returned: a recommendation
is never less safe than the model says.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from optimizer.core.problem import RecommendationProblem
from optimizer.core.results import CandidateScore, Recommendation, SolveOutcome, Status, Timings
from optimizer.errors import SolverError
from optimizer.exposure.pk import (
    PKModel,
    steady_state_concentration_mg_per_l,
    steady_state_trough_mg_per_l,
)
from optimizer.exposure.symptoms import score, threshold_concentration_mg_per_l
from optimizer.solve.choice import IntervalModelData, choose_candidate

__all__ = [
    "ASSUMPTIONS",
    "Backend",
    "CandidateTable",
    "evaluate_candidates",
    "candidate_grid",
    "late_dose_tolerance_days",
    "read_back",
    "recommend_interval",
    "table_from_troughs",
]

ASSUMPTIONS: tuple[str, ...] = (
    "Steady state on a regular schedule: the same dose at the same interval for several "
    "half-lives (about 4 months at a 26-day half-life).",
    "One-compartment pharmacokinetics with first-order subcutaneous absorption and linear "
    "elimination; clearance and volume scale with body weight (label).",
    "Symptom score follows an inhibitory sigmoid Emax curve of serum concentration with no "
    "delay; the worst moment of each cycle is just before the next dose.",
    "Parameters are population values unless stated otherwise; an individual patient may be "
    "more or less sensitive.",
    "This result supports, and does not replace, the clinician's judgement.",
)

Backend = Literal["compiled", "pyomo"]

#: Late-dose search horizon beyond the interval, days: 10 half-lives of the default 26 days.
_LATE_SEARCH_DAYS = 260.0
#: Resolution of the late-dose tolerance, days.
_LATE_STEP_DAYS = 0.1
#: The late-dose grid: 0 to 260 days after the due date by 0.1 day (2,601 points).
_DELAYS = np.arange(0.0, _LATE_SEARCH_DAYS + 0.05, _LATE_STEP_DAYS)
_DELAYS.flags.writeable = False
#: Every 52nd grid point is looked at first; 2,600 = 50 x 52, so the last point is one of them.
_COARSE_STRIDE = 52


@dataclass(frozen=True)
class CandidateTable:
    """All options ordered by preference index ``c = i * n_doses + j``.

    ``intervals_days[i]`` ascending, ``doses_mg[j]`` ascending; ``trough[i, j]`` in mg/L and
    ``max_score[i, j]`` the worst-case steady-state score of that option.
    """

    intervals_days: NDArray[np.int64]
    doses_mg: NDArray[np.float64]
    trough: NDArray[np.float64]
    max_score: NDArray[np.float64]
    threshold_conc_mg_per_l: float

    @property
    def controlled(self) -> NDArray[np.bool_]:
        return self.trough >= self.threshold_conc_mg_per_l

    def model_data(self) -> IntervalModelData:
        return IntervalModelData.from_grid(self.trough / self.threshold_conc_mg_per_l - 1.0)

    def option(self, i: int, j: int) -> CandidateScore:
        return CandidateScore(interval_days=int(self.intervals_days[i]),
                              dose_mg=float(self.doses_mg[j]),
                              max_score=float(self.max_score[i, j]))


def evaluate_candidates(problem: RecommendationProblem, model: PKModel) -> CandidateTable:
    """Steady-state trough and worst-case score of every (interval, dose) option, in one pass."""
    intervals, doses = candidate_grid(problem)
    trough = steady_state_trough_mg_per_l(model, doses[None, :], intervals[:, None])
    return table_from_troughs(problem, intervals, doses, trough)


def candidate_grid(problem: RecommendationProblem) -> tuple[NDArray[np.int64],
                                                             NDArray[np.float64]]:
    """The options' intervals (days, shape ``(I,)``) and doses (mg, ``(J,)``), both ascending."""
    return (np.asarray(problem.interval_options.days, dtype=np.int64),
            np.asarray(problem.doses_sorted_mg, dtype=np.float64))


def table_from_troughs(problem: RecommendationProblem, intervals: NDArray[np.int64],
                       doses: NDArray[np.float64], trough: NDArray[np.float64]) -> CandidateTable:
    """The table of :func:`evaluate_candidates` from troughs already computed (mg/L, shape
    ``(I, J)``; e.g. many patients' troughs in one numpy pass, as the batch runner does)."""
    c_star = threshold_concentration_mg_per_l(problem.response, problem.threshold_score)
    return CandidateTable(intervals_days=intervals, doses_mg=doses, trough=trough,
                          max_score=score(problem.response, trough),
                          threshold_conc_mg_per_l=c_star)


def late_dose_tolerance_days(model: PKModel, dose_mg: float, interval_days: float,
                             threshold_conc_mg_per_l: float) -> float:
    """Days after the due date at which the steady-state concentration falls to the threshold,
    rounded down to 0.1 day so the figure never overstates the tolerance.

    Past the due date (no further dose) the concentration only falls: the cycle's single peak
    lies before it (see :mod:`optimizer.exposure.pk`). So the answer is the last point of the
    0.1-day grid still at or above the threshold, and because the concentration falls along
    the grid it is found in two short vectorised steps instead of one over all 2,601 points:
    every :data:`_COARSE_STRIDE`-th grid point first, then the points between the last coarse
    point above the threshold and the first below it. Each point is computed exactly as on the
    full grid (same delays, same formula), so the answer is the full grid's.
    """
    return _cycle_figures(model, dose_mg, interval_days, threshold_conc_mg_per_l,
                          with_peak=False)[1]


def _cycle_figures(model: PKModel, dose_mg: float, interval_days: float,
                   threshold_conc_mg_per_l: float, *, with_peak: bool = True
                   ) -> tuple[float | None, float]:
    """The steady-state peak concentration (mg/L; ``None`` unless ``with_peak``) and the
    late-dose tolerance (days): the peak and the coarse late-dose points in one evaluation."""
    def conc(since_dose_days: NDArray[np.float64]) -> NDArray[np.float64]:
        return steady_state_concentration_mg_per_l(model, dose_mg, interval_days,
                                                   since_dose_days)

    coarse = interval_days + _DELAYS[::_COARSE_STRIDE]
    peak = None
    if with_peak:
        values = conc(np.concatenate(([_peak_time(model, interval_days)], coarse)))
        peak, coarse_c = float(values[0]), values[1:]
    else:
        coarse_c = conc(coarse)
    below = np.flatnonzero(coarse_c < threshold_conc_mg_per_l)
    if below.size == 0:
        return peak, _LATE_SEARCH_DAYS
    k = int(below[0]) * _COARSE_STRIDE
    if k == 0:
        return peak, 0.0
    start = k - _COARSE_STRIDE + 1  # the coarse point before is at or above the threshold
    fine = conc(interval_days + _DELAYS[start:k + 1]) < threshold_conc_mg_per_l
    first = start + int(np.argmax(fine))
    return peak, round(float(_DELAYS[first - 1]), 1)


def _peak_time(model: PKModel, interval_days: float) -> float:
    """Time after a steady-state dose at which the concentration peaks, days (in [0, tau])."""
    ke, ka = model.ke_per_day, model.ka_per_day
    # Css'(t) = 0 where exp((ka-ke) t) = ka (1 - e^{-ke tau}) / (ke (1 - e^{-ka tau})).
    t_peak = math.log(ka * -math.expm1(-ke * interval_days)
                      / (ke * -math.expm1(-ka * interval_days))) / (ka - ke)
    return min(max(t_peak, 0.0), interval_days)


def recommend_interval(problem: RecommendationProblem, *, time_limit_s: float = 10.0,
                       backend: Backend = "compiled") -> Recommendation:
    """The longest allowed interval, and for it the smallest allowed dose, that keeps the
    steady-state score at or below ``problem.threshold_score`` over the whole cycle.

    ``backend="compiled"`` (default) hands HiGHS the choice over the candidates that can matter
    (:func:`optimizer.solve.choice.choose_candidate`; no Pyomo import); ``backend="pyomo"``
    builds the full Pyomo model and solves it through Pyomo's HiGHS interface (the reference
    formulation, serialised by a process-wide lock). Both give the same answer (tested).
    """
    t0 = time.perf_counter()
    pk = PKModel.from_parameters(problem.pk, problem.patient.weight_kg)
    table = evaluate_candidates(problem, pk)
    data = table.model_data()
    t1 = time.perf_counter()
    if backend == "compiled":
        t2 = t1
        outcome = choose_candidate(data, time_limit_s)
    else:
        from optimizer.solve.highs import pyomo_section, solve_choice
        from optimizer.solve.interval_model import build_interval_model

        with pyomo_section():
            model = build_interval_model(data)
            t2 = time.perf_counter()
            outcome = solve_choice(model, time_limit_s=time_limit_s)
    t3 = time.perf_counter()
    timings = Timings(exposure_ms=(t1 - t0) * 1e3, build_ms=(t2 - t1) * 1e3,
                      solve_ms=(t3 - t2) * 1e3, total_ms=(t3 - t0) * 1e3)
    return read_back(problem, pk, table, outcome, timings)


def read_back(problem: RecommendationProblem, pk: PKModel, table: CandidateTable,
              outcome: SolveOutcome, timings: Timings) -> Recommendation:
    """Turn the solver's choice into an explained recommendation (numpy re-check included)."""
    n_i, n_j = table.trough.shape
    ok = table.controlled
    thr = problem.threshold_score
    c_star = table.threshold_conc_mg_per_l
    common = dict(threshold_score=thr, threshold_conc_mg_per_l=c_star, candidates=n_i * n_j,
                  feasible_candidates=int(ok.sum()), solve=outcome, timings=timings,
                  assumptions=ASSUMPTIONS)
    if outcome.status is Status.INFEASIBLE or outcome.chosen is None:
        if ok.any():
            raise SolverError("solver reports infeasible but a controlled option exists",
                              outcome.raw_status)
        best = np.unravel_index(int(np.argmin(table.max_score)), table.max_score.shape)
        closest = table.option(int(best[0]), int(best[1]))
        return Recommendation(status=Status.INFEASIBLE, interval_days=None, dose_mg=None,
                              max_score=closest.max_score, margin_score=thr - closest.max_score,
                              worst_day_in_cycle=None, trough_conc_mg_per_l=None,
                              peak_conc_mg_per_l=None, next_longer=None,
                              late_dose_tolerance_days=None, closest_option=closest, **common)
    i, j = divmod(outcome.chosen, n_j)
    if not ok[i, j]:
        raise SolverError("solver chose an option that fails the numpy control check",
                          outcome.raw_status)
    chosen = table.option(i, j)
    next_longer = table.option(i + 1, n_j - 1) if i + 1 < n_i else None
    tau = float(table.intervals_days[i])
    peak, late = _cycle_figures(pk, float(table.doses_mg[j]), tau, c_star)
    return Recommendation(
        status=Status.OPTIMAL, interval_days=chosen.interval_days, dose_mg=chosen.dose_mg,
        max_score=chosen.max_score, margin_score=thr - chosen.max_score,
        worst_day_in_cycle=tau, trough_conc_mg_per_l=float(table.trough[i, j]),
        peak_conc_mg_per_l=peak, next_longer=next_longer, late_dose_tolerance_days=late,
        closest_option=None, **common)
