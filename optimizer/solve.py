"""The only module that talks to HiGHS.

Build, solve and read back are separate acts. The termination status is checked *before* a
solution is loaded: only ``optimal`` and ``infeasible`` are accepted; anything else (time limit,
"not set", error) raises :class:`~optimizer.errors.SolverError`, so a stale or all-zero solution
can never be read as an answer.

Pyomo is not thread-safe (two solves at once in one process hung in measurements), so every
Pyomo build-and-solve runs under :data:`PYOMO_LOCK`; scale with processes, not threads.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pyomo.environ as pyo
from pyomo.contrib.appsi.base import TerminationCondition
from pyomo.contrib.appsi.solvers import Highs

from optimizer.errors import SolverError
from optimizer.results import SolveOutcome, Status

__all__ = ["PYOMO_LOCK", "HighsRun", "pyomo_section", "run_highs", "solve_choice"]

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
