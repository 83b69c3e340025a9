"""Choose one candidate: the most preferred one whose margin is non-negative, decided by HiGHS.

Shared by every target (score threshold, free IgE, probability of control). The question is
stated in :mod:`optimizer.solve.interval_model` as a Pyomo model with one binary per candidate;
here the same choice is handed to HiGHS as arrays, with only the columns it must decide:

* a candidate whose margin is negative (fails the target, checked in numpy) needs no column:
  its ``control`` row would force it to 0 anyway;
* on a grid of intervals x doses (``n_doses`` given), a candidate is *dominated* when another
  controlled one has an interval at least as long and a dose no larger: preference is longer
  interval first, then smaller dose, so a dominated candidate can never be the answer. Only
  the Pareto front (at most ``min(intervals, doses)`` columns) reaches HiGHS.

The program left is ``max rank . x`` subject to ``sum x = 1``, ``x`` binary; its LP relaxation
is integral (a single row of ones), so HiGHS proves optimality at the root. Its size no longer
depends on how many candidates were evaluated, and no Pyomo model is built for a new size.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from optimizer.core.results import SolveOutcome, Status
from optimizer.solve.highs import LinearProgram, highs_version, read_single_choice, solve_lp

__all__ = [
    "MARGIN_GUARD",
    "IntervalModelData",
    "candidate_columns",
    "choice_program",
    "choose_candidate",
    "preference_rank",
]

#: Smallest amount by which a failing candidate's margin sits below zero in the Pyomo model
#: (a solver's feasibility tolerance, 1e-7, can never accept one of them).
MARGIN_GUARD = 1e-4

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def preference_rank(n_intervals: int, n_doses: int) -> FloatArray:
    """Rank of candidate ``c = i * n_doses + j`` (interval ``i``, dose ``j``, both ascending):
    longer interval first, then smaller dose. Shape ``(n_intervals * n_doses,)``; integers, so
    maximising the rank is the lexicographic choice with no big-M. Read-only: one array per
    grid shape is kept and shared (every question of a shape has the same ranks)."""
    return _preference_rank(n_intervals, n_doses)


@lru_cache(maxsize=256)
def _preference_rank(n_intervals: int, n_doses: int) -> FloatArray:
    i, j = np.divmod(np.arange(n_intervals * n_doses), n_doses)
    out: FloatArray = (i * n_doses + (n_doses - 1 - j)).astype(np.float64)
    out.flags.writeable = False
    return out


@dataclass(frozen=True)
class IntervalModelData:
    """Per-candidate ``margin`` (>= 0: meets the target) and preference ``rank``.

    ``n_doses`` is set when candidates form the grid ``c = i * n_doses + j`` ranked by
    :func:`preference_rank`; the solver then sees only the Pareto front.
    """

    margin: FloatArray
    rank: FloatArray
    n_doses: int | None = None

    def __post_init__(self) -> None:
        if self.margin.shape != self.rank.shape or self.margin.ndim != 1:
            raise ValueError("margin and rank must be 1-D arrays of the same length")
        if self.n_doses is not None and self.margin.size % self.n_doses:
            raise ValueError("n_doses must divide the number of candidates")

    @classmethod
    def from_grid(cls, margin: FloatArray) -> IntervalModelData:
        """From ``margin[i, j]`` for interval ``i`` and dose ``j`` (both ascending)."""
        n_i, n_j = margin.shape
        return cls(margin=np.ascontiguousarray(margin, dtype=np.float64).reshape(-1),
                   rank=preference_rank(n_i, n_j), n_doses=n_j)

    @property
    def guarded_margin(self) -> FloatArray:
        """Margins as the Pyomo model sees them: failing ones at most ``-MARGIN_GUARD``."""
        return np.where(self.margin >= 0.0, self.margin, np.minimum(self.margin, -MARGIN_GUARD))


def candidate_columns(data: IntervalModelData) -> IntArray:
    """Candidates that get a column: controlled and, on a grid, not dominated. Ascending."""
    ok = data.margin >= 0.0
    if data.n_doses is None:
        out: IntArray = np.flatnonzero(ok).astype(np.int64)
        return out
    if data.n_doses == 1:
        # one dose: the longest controlled interval dominates every shorter one
        out = np.flatnonzero(ok)[-1:].astype(np.int64)
        return out
    grid = ok.reshape(-1, data.n_doses)
    n_j = grid.shape[1]
    # smallest controlled dose per interval (n_j where none is controlled)
    smallest = np.where(grid.any(axis=1), grid.argmax(axis=1), n_j)
    # smallest controlled dose over every longer interval (n_j after the last)
    later = np.empty_like(smallest)
    later[:-1] = np.minimum.accumulate(smallest[:0:-1])[::-1]
    later[-1] = n_j
    rows = np.flatnonzero(smallest < later)  # implies a controlled dose
    out = (rows * n_j + smallest[rows]).astype(np.int64)
    return out


def choice_program(data: IntervalModelData, columns: IntArray) -> LinearProgram:
    """``max sum rank[c] x[c]`` s.t. ``sum x[c] = 1``, ``x`` binary, over ``columns``."""
    n = int(columns.size)
    zeros, ones, ones_int, index, start = _program_constants(n)
    return LinearProgram(
        cost=data.rank[columns].astype(np.float64), col_lower=zeros, col_upper=ones,
        integrality=ones_int, row_lower=ones[:1], row_upper=ones[:1], a_start=start,
        a_index=index, a_value=ones, maximize=True)


@lru_cache(maxsize=256)
def _program_constants(n: int) -> tuple[FloatArray, FloatArray, IntArray, IntArray, IntArray]:
    """The arrays of a choice program with ``n >= 1`` columns that do not depend on the
    question (bounds, the row of ones), built once per size and read-only."""
    arrays = (np.zeros(n), np.ones(n), np.ones(n, dtype=np.int64),
              np.arange(n, dtype=np.int64), np.array([0, n], dtype=np.int64))
    for a in arrays:
        a.flags.writeable = False
    return arrays


def choose_candidate(data: IntervalModelData, time_limit_s: float = 10.0) -> SolveOutcome:
    """The most preferred candidate with a non-negative margin, chosen by HiGHS.

    Returns ``INFEASIBLE`` (``chosen=None``) when no candidate meets the target; raises
    :class:`~optimizer.errors.SolverError` for any status outside the whitelist or a solution
    that does not pick exactly one candidate. ``solve_ms`` is HiGHS's wall time.
    """
    columns = candidate_columns(data)
    if columns.size == 0:
        # "choose exactly one" over no allowed column: infeasible without asking (the Pyomo
        # formulation's HiGHS run says the same; tests compare).
        return SolveOutcome(status=Status.INFEASIBLE, raw_status="kInfeasible",
                            solver_name="highs", solver_version=highs_version(),
                            solve_ms=0.0, chosen=None)
    run = solve_lp(choice_program(data, columns), time_limit_s=time_limit_s)
    chosen = None
    if run.status is Status.OPTIMAL and run.col_value is not None:
        chosen = int(columns[read_single_choice(run.col_value, run.raw_status)])
    return SolveOutcome(status=run.status, raw_status=run.raw_status, solver_name="highs",
                        solver_version=run.version, solve_ms=run.solve_ms, chosen=chosen,
                        objective=run.objective)

