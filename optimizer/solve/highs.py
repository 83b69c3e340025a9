"""The only module that talks to HiGHS.

Build, solve and read back are separate acts. The termination status is checked *before* a
solution is loaded: only ``optimal`` and ``infeasible`` are accepted; anything else (time limit,
"not set", error) raises :class:`~optimizer.errors.SolverError`, so a stale or all-zero solution
can never be read as an answer.

Pyomo is not thread-safe (two solves at once in one process hung in measurements), so every
Pyomo build-and-solve runs under :data:`PYOMO_LOCK`; scale with processes, not threads.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyomo.environ as pyo
from numpy.typing import NDArray
from pyomo.contrib.appsi.base import TerminationCondition
from pyomo.contrib.appsi.solvers import Highs

from optimizer.core.results import SolveOutcome, Status
from optimizer.errors import SolverError
from optimizer.solve.compiled import CompiledLinearModel

__all__ = [
    "PYOMO_LOCK",
    "CompiledRun",
    "HighsRun",
    "pyomo_section",
    "run_highs",
    "solve_choice",
    "solve_compiled",
]

PYOMO_LOCK = threading.RLock()

_ACCEPTED = {
    TerminationCondition.optimal: Status.OPTIMAL,
    TerminationCondition.infeasible: Status.INFEASIBLE,
}


@contextmanager
def pyomo_section() -> Iterator[None]:
    """Serialise Pyomo work within this process."""
    with PYOMO_LOCK:
        yield


@dataclass(frozen=True)
class HighsRun:
    """A finished HiGHS run whose status passed the whitelist."""

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
    status = _ACCEPTED.get(condition)
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
    """Solve a model that has a binary ``x`` indexed by candidate; return which one is chosen."""
    run = run_highs(model, time_limit_s=time_limit_s)
    chosen: int | None = None
    objective: float | None = None
    if run.status is Status.OPTIMAL:
        values = run.primals()
        picked = [c for c in model.C if values[model.x[c]] > 0.5]
        if len(picked) != 1:
            raise SolverError(f"solution selects {len(picked)} candidates, expected exactly 1",
                              run.raw_status)
        chosen = int(picked[0])
        objective = float(run.results.best_feasible_objective)
    return SolveOutcome(status=run.status, raw_status=run.raw_status, solver_name="highs",
                        solver_version=run.version, solve_ms=run.solve_ms, chosen=chosen,
                        objective=objective)


# --- compiled path: the same formulation, numbers handed to highspy directly -------------

_HIGHS_ACCEPTED = {
    "kOptimal": Status.OPTIMAL,
    "kInfeasible": Status.INFEASIBLE,
}
_local = threading.local()
_BANNER_LOCK = threading.Lock()
_banner_shown = False


def _quiet_highs() -> Any:
    """A fresh highspy object with output off; the first one's banner kept off stdout."""
    import highspy

    global _banner_shown
    with _BANNER_LOCK:
        if not _banner_shown:
            # HiGHS prints a copyright banner from C++ the first time an object is created;
            # keep it out of machine-readable output (CLI --json) by muting fd 1 once.
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
        else:
            h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 0.0)
    return h


def _thread_highs(time_limit_s: float) -> Any:
    """One highspy object per thread and time limit (options never change after a solve)."""
    cache: dict[float, Any] | None = getattr(_local, "solvers", None)
    if cache is None:
        cache = {}
        _local.solvers = cache
    h = cache.get(time_limit_s)
    if h is None:
        h = _quiet_highs()
        h.setOptionValue("time_limit", float(time_limit_s))
        cache[time_limit_s] = h
    return h


@dataclass(frozen=True)
class CompiledRun:
    status: Status
    raw_status: str
    version: str
    solve_ms: float
    col_value: NDArray[np.float64] | None
    objective: float | None


def solve_compiled(compiled: CompiledLinearModel, data: dict[str, NDArray[np.float64]], *,
                   time_limit_s: float = 10.0) -> CompiledRun:
    """Fill ``compiled`` with ``data`` and solve it with highspy; check the status first."""
    import highspy

    a_value, cost = compiled.fill(data)
    h = _thread_highs(time_limit_s)
    start = time.perf_counter()
    h.clearModel()
    sense = highspy.ObjSense.kMaximize if compiled.maximize else highspy.ObjSense.kMinimize
    h.passModel(compiled.n_col, compiled.n_row, int(compiled.a_index.size),
                int(highspy.MatrixFormat.kRowwise), int(sense), 0.0, cost, compiled.col_lower,
                compiled.col_upper, compiled.row_lower, compiled.row_upper,
                compiled.a_start.astype(np.int32), compiled.a_index.astype(np.int32), a_value,
                compiled.integrality.astype(np.int32))
    h.run()
    raw = h.getModelStatus().name
    elapsed_ms = (time.perf_counter() - start) * 1e3
    status = _HIGHS_ACCEPTED.get(raw)
    if status is None:
        raise SolverError(f"HiGHS ended with model status {raw!r}; no answer is read from an "
                          "unaccepted status", raw)
    version = f"{h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}"
    col_value = None
    objective = None
    if status is Status.OPTIMAL:
        col_value = np.asarray(h.getSolution().col_value, dtype=np.float64)
        objective = float(h.getInfo().objective_function_value)
    return CompiledRun(status=status, raw_status=raw, version=version, solve_ms=elapsed_ms,
                       col_value=col_value, objective=objective)
