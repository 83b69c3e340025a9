"""The only module that talks to HiGHS.

Build, solve and read back are separate acts. The termination status is checked *before* a
solution is read: only ``optimal`` and ``infeasible`` are accepted (and, when the caller asks, a
time limit that left a feasible incumbent); anything else ("not set", error, an unexpected
limit) raises :class:`~optimizer.errors.SolverError`, so a stale or all-zero solution can never
be read as an answer.

Two routes to the same solver:

* :func:`solve_lp` hands a :class:`LinearProgram` (numpy arrays) to highspy directly. This is
  the request path: no Pyomo import, no expression walk, one highspy object per thread (highspy
  from threads is safe; measured), output silenced through HiGHS's own options on every solve.
* :func:`run_highs` / :func:`solve_choice` solve a Pyomo model through Pyomo's HiGHS interface.
  Pyomo is imported on first use only and is not thread-safe (two solves at once in one process
  hung in measurements), so every Pyomo solve runs under :data:`PYOMO_LOCK`. This route states
  the reference formulations that tests compare the array route against.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from optimizer.core.results import SolveOutcome, Status
from optimizer.errors import SolverError

if TYPE_CHECKING:
    import pyomo.environ as pyo

__all__ = [
    "PYOMO_LOCK",
    "HighsRun",
    "LinearProgram",
    "LpRun",
    "pyomo_section",
    "read_single_choice",
    "run_highs",
    "highs_version",
    "solve_choice",
    "solve_lp",
]

PYOMO_LOCK = threading.RLock()

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@contextmanager
def pyomo_section() -> Iterator[None]:
    """Serialise Pyomo work within this process."""
    with PYOMO_LOCK:
        yield


def read_single_choice(values: FloatArray, raw_status: str) -> int:
    """The index of the one column set to 1 in ``values`` (binary choice columns).

    Raises :class:`SolverError` unless exactly one value exceeds 0.5: every choice model here
    has a "choose exactly one" row, so anything else means the solution cannot be trusted.
    """
    picked = np.flatnonzero(np.asarray(values) > 0.5)
    if picked.size != 1:
        raise SolverError(f"solution selects {picked.size} candidates, expected exactly 1",
                          raw_status)
    return int(picked[0])


# --- Pyomo route (reference formulations) -------------------------------------------------

@dataclass(frozen=True)
class HighsRun:
    """A finished HiGHS run through Pyomo whose status passed the whitelist."""

    status: Status
    raw_status: str
    version: str
    solve_ms: float
    results: Any  # pyomo.contrib.appsi.base.Results

    def primals(self) -> Any:
        """Variable values (only for an accepted optimal/feasible status)."""
        return self.results.solution_loader.get_primals()


def run_highs(model: pyo.ConcreteModel, *, time_limit_s: float = 10.0, mip_gap: float = 0.0,
              accept_time_limit_with_solution: bool = False) -> HighsRun:
    """Solve ``model`` with HiGHS without loading a solution; check the status first.

    Accepted: ``optimal`` and ``infeasible``; with ``accept_time_limit_with_solution`` also a
    time limit that left a feasible incumbent (status ``TIME_LIMIT``; report its gap).
    Anything else raises :class:`SolverError`. Call under :func:`pyomo_section`.
    """
    from pyomo.contrib.appsi.base import TerminationCondition
    from pyomo.contrib.appsi.solvers import Highs

    accepted = {TerminationCondition.optimal: Status.OPTIMAL,
                TerminationCondition.infeasible: Status.INFEASIBLE}
    solver = Highs()
    solver.config.load_solution = False
    solver.config.stream_solver = False
    solver.config.time_limit = time_limit_s
    solver.config.mip_gap = mip_gap
    start = time.perf_counter()
    with pyomo_section():
        results = solver.solve(model)
    elapsed_ms = (time.perf_counter() - start) * 1e3
    condition = results.termination_condition
    status = accepted.get(condition)
    if (status is None and accept_time_limit_with_solution
            and condition == TerminationCondition.maxTimeLimit
            and results.best_feasible_objective is not None):
        status = Status.TIME_LIMIT
    if status is None:
        raise SolverError(f"HiGHS ended with termination condition {condition.name!r}; "
                          "no answer is read from an unaccepted status", condition.name)
    version = ".".join(str(p) for p in solver.version())
    return HighsRun(status=status, raw_status=condition.name, version=version,
                    solve_ms=elapsed_ms, results=results)


def solve_choice(model: pyo.ConcreteModel, *, time_limit_s: float = 10.0) -> SolveOutcome:
    """Solve a Pyomo model with a binary ``x`` indexed by candidate ``C``; return the choice."""
    with pyomo_section():
        run = run_highs(model, time_limit_s=time_limit_s)
        chosen: int | None = None
        objective: float | None = None
        if run.status is Status.OPTIMAL:
            values = run.primals()
            column = np.array([values[model.x[c]] for c in model.C], dtype=np.float64)
            chosen = int(list(model.C)[read_single_choice(column, run.raw_status)])
            objective = float(run.results.best_feasible_objective)
    return SolveOutcome(status=run.status, raw_status=run.raw_status, solver_name="highs",
                        solver_version=run.version, solve_ms=run.solve_ms, chosen=chosen,
                        objective=objective)


# --- array route: numbers handed to highspy directly ---------------------------------------

@dataclass(frozen=True)
class LinearProgram:
    """A (mixed-integer) linear program as arrays: ``row_lower <= A x <= row_upper``.

    ``A`` is row-wise sparse (``a_start`` of length ``n_row + 1``, ``a_index``, ``a_value``);
    ``integrality[k] = 1`` marks an integer column. ``n_col = cost.size``.
    """

    cost: FloatArray
    col_lower: FloatArray
    col_upper: FloatArray
    integrality: IntArray
    row_lower: FloatArray
    row_upper: FloatArray
    a_start: IntArray
    a_index: IntArray
    a_value: FloatArray
    maximize: bool

    @property
    def n_col(self) -> int:
        return int(self.cost.size)

    @property
    def n_row(self) -> int:
        return int(self.row_lower.size)


@dataclass(frozen=True)
class LpRun:
    """A finished highspy run whose status passed the whitelist."""

    status: Status
    raw_status: str
    version: str
    solve_ms: float
    col_value: FloatArray | None
    objective: float | None
    mip_gap: float | None = None


#: How far from 0 or 1 a relaxed binary may sit and still count as integral (HiGHS's own
#: MIP feasibility tolerance is 1e-6).
_INTEGRAL_TOL = 1e-9
_HIGHS_ACCEPTED = {"kOptimal": Status.OPTIMAL, "kInfeasible": Status.INFEASIBLE}
_local = threading.local()
_BANNER_LOCK = threading.Lock()
_banner_shown = False


def _new_highs() -> Any:
    """A highspy object; the first one's copyright banner kept off stdout.

    HiGHS prints the banner from C++ when the first object is created, before any option can
    be set; file descriptor 1 is pointed at /dev/null for that one construction so the banner
    never reaches machine-readable output (CLI ``--json``). ``sys.stdout`` is never replaced.
    """
    import highspy

    global _banner_shown
    with _BANNER_LOCK:
        if _banner_shown:
            return highspy.Highs()  # type: ignore[no-untyped-call]
        sys.stdout.flush()
        saved = os.dup(1)
        try:
            with open(os.devnull, "w") as null:
                os.dup2(null.fileno(), 1)
                h = highspy.Highs()  # type: ignore[no-untyped-call]
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        _banner_shown = True
        return h


def _thread_highs() -> Any:
    """One highspy object per thread, reused for every model it solves."""
    h = getattr(_local, "highs", None)
    if h is None:
        h = _new_highs()
        _local.highs = h
    return h


def highs_version() -> str:
    """HiGHS's version, e.g. ``"1.16.0"``."""
    h = _thread_highs()
    return f"{h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}"


def _status(h: Any, accept_time_limit_with_solution: bool) -> tuple[Status, str]:
    raw = h.getModelStatus().name
    status = _HIGHS_ACCEPTED.get(raw)
    if (status is None and accept_time_limit_with_solution and raw == "kTimeLimit"
            and h.getInfo().primal_solution_status == 2):
        status = Status.TIME_LIMIT
    if status is None:
        raise SolverError(f"HiGHS ended with model status {raw!r}; no answer is read from an "
                          "unaccepted status", raw)
    return status, raw


def solve_lp(lp: LinearProgram, *, time_limit_s: float = 10.0,
             start: FloatArray | None = None, accept_time_limit_with_solution: bool = False,
             relaxation_first: bool = False) -> LpRun:
    """Solve ``lp`` with highspy; check the status before reading a solution.

    ``start`` is an optional feasible column vector handed to HiGHS as a warm start (a known
    plan: the MIP then starts with an incumbent). With ``relaxation_first`` the LP relaxation
    is solved first: when it is infeasible so is the program, and when its optimum is integral
    that optimum is the program's (no integer point can beat the relaxation's bound), so the
    MIP machinery runs only when the relaxation is fractional. Options are set on every call
    (output off, exact MIP gap, this call's time limit), so no call leaves one behind.
    """
    if relaxation_first and lp.integrality.any():
        relaxed = replace(lp, integrality=np.zeros_like(lp.integrality))
        run = _run(relaxed, time_limit_s, None, False)
        if run.status is Status.INFEASIBLE or run.col_value is None:
            return run
        rounded = np.round(run.col_value)
        integer = lp.integrality != 0
        if np.all(np.abs(run.col_value - rounded)[integer] <= _INTEGRAL_TOL):
            values = np.where(integer, rounded, run.col_value)
            return replace(run, col_value=values)
        return _run(lp, time_limit_s, start, accept_time_limit_with_solution,
                    spent_ms=run.solve_ms)
    return _run(lp, time_limit_s, start, accept_time_limit_with_solution)


def _run(lp: LinearProgram, time_limit_s: float, start: FloatArray | None,
         accept_time_limit_with_solution: bool, spent_ms: float = 0.0) -> LpRun:
    import highspy

    h = _thread_highs()
    begin = time.perf_counter()
    h.clearModel()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("log_to_console", False)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("time_limit", float(time_limit_s))
    sense = highspy.ObjSense.kMaximize if lp.maximize else highspy.ObjSense.kMinimize
    h.passModel(lp.n_col, lp.n_row, int(lp.a_index.size), int(highspy.MatrixFormat.kRowwise),
                int(sense), 0.0, lp.cost, lp.col_lower, lp.col_upper, lp.row_lower,
                lp.row_upper, lp.a_start.astype(np.int32), lp.a_index.astype(np.int32),
                lp.a_value, lp.integrality.astype(np.int32))
    if start is not None:
        solution = highspy.HighsSolution()
        solution.col_value = np.asarray(start, dtype=np.float64).tolist()
        h.setSolution(solution)
    h.run()
    status, raw = _status(h, accept_time_limit_with_solution)
    elapsed_ms = spent_ms + (time.perf_counter() - begin) * 1e3
    version = highs_version()
    if status is Status.INFEASIBLE:
        return LpRun(status, raw, version, elapsed_ms, None, None)
    info = h.getInfo()
    gap = float(info.mip_gap) if status is Status.TIME_LIMIT else None
    return LpRun(status=status, raw_status=raw, version=version, solve_ms=elapsed_ms,
                 col_value=np.asarray(h.getSolution().col_value, dtype=np.float64),
                 objective=float(info.objective_function_value), mip_gap=gap)
