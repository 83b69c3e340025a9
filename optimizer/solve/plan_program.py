"""The transition plan's rows as arrays for HiGHS: one binary per clinic slot.

``y[s] = 1``: a dose is given on clinic slot ``s`` (day ``t_s`` from today). All numbers come
from numpy (:mod:`optimizer.individual.plan`); the rows are index lists::

    control[t]:  sum_{s : t_s < t} a[t, s] y[s] >= rhs[t]       checkpoint days t
    gap[g]:      sum_{s in clique g} y[s] <= 1                    doses >= min_gap apart
    cap[s]:      sum_{q in window} y[q] >= y[s]                   next dose within the target
    step[p]:     sum_{q in window} y[q] >= y[s] + y[r] - 1 - sum_{q between} y[q]
    anchor[p]:   sum_{q in window} y[q] >= y[r] - sum_{q before r} y[q]
    first:       sum_{q in window} y[q] >= 1                      next dose by the deadline
    cover[w]:    sum_{q in window w} y[q] >= 1                    every target-long window
    bound:       sum_s y[s] <= greedy count                       (a known feasible plan)

``control[t]`` is the concentration in units of the threshold concentration, so ``a`` and
``rhs`` are dimensionless. The objective counts injections, with a tie-break below one
injection that prefers later dates (symmetry breaking among plans with equal counts).

:func:`plan_program` writes these rows straight into a sparse matrix (no modelling layer in the
request path); :mod:`optimizer.solve.plan_model` states the same rows in Pyomo, and tests check
that both give the same plan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from optimizer.solve.highs import LinearProgram

__all__ = ["PlanModelData", "plan_program", "plan_start"]

Window = tuple[int, ...]


@dataclass(frozen=True)
class PlanModelData:
    slot_days: NDArray[np.int64]
    control_a: NDArray[np.float64]  # (rows, slots)
    control_rhs: NDArray[np.float64]
    gap_cliques: tuple[Window, ...]
    caps: tuple[tuple[int, Window], ...]
    steps: tuple[tuple[int, int, Window, Window], ...]  # (s, r, between, window)
    anchors: tuple[tuple[int, Window, Window], ...]  # (r, before, window)
    first_window: Window | None
    covers: tuple[Window, ...]
    count_bound: int | None
    tie_break: NDArray[np.float64]


class _Rows:
    """Rows collected as (columns, coefficients, lower, upper); duplicates summed per row.

    A run of consecutive slots ``a..b`` (every window here is one: slots are sorted days) enters
    as ``Y[b] - Y[a-1]`` through the running count ``Y[q] = y[0] + ... + y[q]`` (columns
    ``n..2n-1``) instead of ``b - a + 1`` entries: the same rows, the same LP relaxation, a
    fraction of the nonzeros (HiGHS's presolve and cut loop scale with them).
    """

    def __init__(self, n: int) -> None:
        self.n = n
        self.step_rows = (0, 0)
        self.index: list[NDArray[np.int64]] = []
        self.value: list[NDArray[np.float64]] = []
        self.lower: list[float] = []
        self.upper: list[float] = []

    def _terms(self, window: Window, coef: float) -> dict[int, float]:
        if len(window) >= 3 and window[-1] - window[0] + 1 == len(window):
            out = {self.n + window[-1]: coef}
            if window[0] > 0:
                out[self.n + window[0] - 1] = -coef
            return out
        return {q: coef for q in window}

    def add(self, terms: Sequence[tuple[Window, float]], lower: float, upper: float) -> None:
        merged: dict[int, float] = {}
        for window, coef in terms:
            for col, value in self._terms(window, coef).items():
                merged[col] = merged.get(col, 0.0) + value
        cols = sorted(c for c, v in merged.items() if v != 0.0)
        self.index.append(np.array(cols, dtype=np.int64))
        self.value.append(np.array([merged[c] for c in cols], dtype=np.float64))
        self.lower.append(lower)
        self.upper.append(upper)

    def add_running_count(self) -> None:
        """``Y[q] - Y[q-1] - y[q] = 0`` (``Y[-1] = 0``)."""
        for q in range(self.n):
            cols = [q, self.n + q] if q == 0 else [q, self.n + q - 1, self.n + q]
            vals = [-1.0, 1.0] if q == 0 else [-1.0, -1.0, 1.0]
            self.index.append(np.array(cols, dtype=np.int64))
            self.value.append(np.array(vals, dtype=np.float64))
            self.lower.append(0.0)
            self.upper.append(0.0)


def _control_block(data: PlanModelData) -> tuple[NDArray[np.int64], NDArray[np.int64],
                                                 NDArray[np.float64]]:
    """Row-wise nonzeros of ``control_a`` (entries > 0): row lengths, columns, values."""
    mask = data.control_a > 0.0
    rows, cols = np.nonzero(mask)
    return mask.sum(axis=1).astype(np.int64), cols.astype(np.int64), data.control_a[rows, cols]


def _schedule_rows(data: PlanModelData) -> _Rows:
    rows = _Rows(int(data.slot_days.size))
    rows.add_running_count()
    inf = np.inf
    for clique in data.gap_cliques:
        rows.add([(clique, 1.0)], -inf, 1.0)
    for s, window in data.caps:
        rows.add([(window, 1.0), ((s,), -1.0)], 0.0, inf)
    rows.step_rows = (len(rows.lower), len(rows.lower) + len(data.steps))
    for s, r, between, window in data.steps:
        rows.add([(window, 1.0), ((s, r), -1.0), (between, 1.0)], -1.0, inf)
    for r, before, window in data.anchors:
        rows.add([(window, 1.0), ((r,), -1.0), (before, 1.0)], 0.0, inf)
    if data.first_window is not None:
        rows.add([(data.first_window, 1.0)], 1.0, inf)
    for window in data.covers:
        rows.add([(window, 1.0)], 1.0, inf)
    if data.count_bound is not None:
        rows.add([(tuple(range(data.slot_days.size)), 1.0)], -inf, float(data.count_bound))
    return rows


def plan_program(data: PlanModelData) -> tuple[LinearProgram, NDArray[np.bool_]]:
    """The plan's binary program: minimise ``sum (1 + tie[s]) y[s]`` subject to every row;
    and which rows are the lengthening rule (``step``: many, rarely binding, so they can be
    handed to HiGHS lazily, :func:`optimizer.solve.lazy_rows.solve_with_lazy_rows`).

    Columns ``0..n-1`` are the slot binaries ``y``; ``n..2n-1`` the running counts ``Y``
    (continuous, fixed by ``y``). :func:`plan_start` gives a start vector for a known plan.
    """
    n = int(data.slot_days.size)
    lengths, c_cols, c_vals = _control_block(data)
    keep_row = lengths > 0  # a checkpoint no slot can reach was excluded before (plan.py)
    rows = _schedule_rows(data)
    sched_len = np.array([i.size for i in rows.index], dtype=np.int64)
    a_start = np.concatenate([[0], np.cumsum(np.concatenate([lengths[keep_row], sched_len]))])
    empty_i, empty_v = np.zeros(0, dtype=np.int64), np.zeros(0)
    n_control = int(keep_row.sum())
    lazy = np.zeros(n_control + len(rows.lower), dtype=bool)
    lazy[n_control + rows.step_rows[0]:n_control + rows.step_rows[1]] = True
    return LinearProgram(
        cost=np.concatenate([1.0 + data.tie_break.astype(np.float64), np.zeros(n)]),
        col_lower=np.zeros(2 * n), col_upper=np.concatenate([np.ones(n), np.full(n, float(n))]),
        integrality=np.concatenate([np.ones(n, dtype=np.int64), np.zeros(n, dtype=np.int64)]),
        row_lower=np.concatenate([data.control_rhs[keep_row], rows.lower]),
        row_upper=np.concatenate([np.full(n_control, np.inf), rows.upper]),
        a_start=a_start.astype(np.int64),
        a_index=np.concatenate([c_cols, *rows.index, empty_i]).astype(np.int64),
        a_value=np.concatenate([c_vals, *rows.value, empty_v]),
        maximize=False), lazy


def plan_start(data: PlanModelData, dose_days: Sequence[int]) -> NDArray[np.float64]:
    """The column vector of a plan (its slot binaries and running counts)."""
    y = np.isin(data.slot_days, np.asarray(dose_days, dtype=np.int64)).astype(np.float64)
    return np.concatenate([y, np.cumsum(y)])
