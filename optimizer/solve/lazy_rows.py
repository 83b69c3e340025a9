"""Solve a program whose many rows are rarely binding: hand HiGHS the others first, add only
the rows the answer violates, and repeat.

Exact: every round solves a relaxation of the full program (a subset of its rows); the first
answer that satisfies every row is therefore optimal for the full program. The transition
plan's lengthening rule is such a family (about 1,800 rows at five clinic days a week, of
which the answer needs none or a few, measured); HiGHS's set-up grows with the rows it sees.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from numpy.typing import NDArray

from optimizer.core.results import Status
from optimizer.solve.highs import LinearProgram, LpRun, solve_lp

__all__ = ["row_activity", "select_rows", "solve_with_lazy_rows"]

#: Row violation accepted as satisfied (HiGHS's primal feasibility tolerance is 1e-7).
_ROW_TOL = 1e-7


def select_rows(lp: LinearProgram, keep: NDArray[np.bool_]) -> LinearProgram:
    """``lp`` with only the rows where ``keep`` is true (same columns)."""
    lengths = np.diff(lp.a_start)[keep]
    starts = lp.a_start[:-1][keep]
    take = np.repeat(starts - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths) \
        + np.arange(int(lengths.sum()))
    return replace(lp, row_lower=lp.row_lower[keep], row_upper=lp.row_upper[keep],
                   a_start=np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
                   a_index=lp.a_index[take], a_value=lp.a_value[take])


def row_activity(lp: LinearProgram, x: NDArray[np.float64]) -> NDArray[np.float64]:
    """``A x`` for the row-wise sparse ``A`` of ``lp``, shape ``(n_row,)``."""
    products = lp.a_value * x[lp.a_index]
    out: NDArray[np.float64] = np.zeros(lp.n_row)
    filled = np.diff(lp.a_start) > 0  # reduceat would copy the next entry into an empty row
    if filled.any():
        out[filled] = np.add.reduceat(products, lp.a_start[:-1][filled])
    return out


def solve_with_lazy_rows(lp: LinearProgram, lazy: NDArray[np.bool_], *,
                         time_limit_s: float = 10.0, start: NDArray[np.float64] | None = None,
                         relaxation_first: bool = False) -> LpRun:
    """Optimal answer of ``lp`` found by adding ``lazy`` rows only when violated.

    ``start`` must satisfy every row (it is a warm start for each round). A round that ends
    at the time limit hands over to one solve of the full program (time limit accepted with
    an incumbent, as the caller would see it without lazy rows).
    """
    keep = ~np.asarray(lazy, dtype=bool)
    spent_ms = 0.0
    while True:
        run = solve_lp(select_rows(lp, keep), time_limit_s=time_limit_s, start=start,
                       relaxation_first=relaxation_first, accept_time_limit_with_solution=True)
        spent_ms += run.solve_ms
        if run.status is Status.INFEASIBLE:
            return replace(run, solve_ms=spent_ms)
        if run.status is not Status.OPTIMAL or run.col_value is None:
            break
        activity = row_activity(lp, run.col_value)
        violated = ~keep & ((activity < lp.row_lower - _ROW_TOL)
                            | (activity > lp.row_upper + _ROW_TOL))
        if not violated.any():
            return replace(run, solve_ms=spent_ms)
        keep |= violated
    full = solve_lp(lp, time_limit_s=time_limit_s, start=start,
                    accept_time_limit_with_solution=True)
    return replace(full, solve_ms=spent_ms + full.solve_ms)
