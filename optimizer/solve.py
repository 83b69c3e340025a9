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

import pyomo.environ as pyo
from pyomo.contrib.appsi.base import TerminationCondition
from pyomo.contrib.appsi.solvers import Highs

from optimizer.errors import SolverError
from optimizer.results import SolveOutcome, Status

__all__ = ["PYOMO_LOCK", "pyomo_section", "solve_choice"]

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


def _new_solver(time_limit_s: float) -> Highs:
    solver = Highs()
    solver.config.load_solution = False
    solver.config.stream_solver = False
    solver.config.time_limit = time_limit_s
    solver.config.mip_gap = 0.0
    return solver


def solve_choice(model: pyo.ConcreteModel, *, time_limit_s: float = 10.0) -> SolveOutcome:
    """Solve a model that has a binary ``x`` indexed by candidate; return which one is chosen."""
    solver = _new_solver(time_limit_s)
    start = time.perf_counter()
    with pyomo_section():
        results = solver.solve(model)
    elapsed_ms = (time.perf_counter() - start) * 1e3
    condition = results.termination_condition
    status = _ACCEPTED.get(condition)
    version = ".".join(str(p) for p in solver.version())
    if status is None:
        raise SolverError(f"HiGHS ended with termination condition {condition.name!r}; "
                          "no answer is read from an unaccepted status", condition.name)
    chosen: int | None = None
    objective: float | None = None
    if status is Status.OPTIMAL:
        values = results.solution_loader.get_primals()
        picked = [c for c in model.C if values[model.x[c]] > 0.5]
        if len(picked) != 1:
            raise SolverError(f"solution selects {len(picked)} candidates, expected exactly 1",
                              condition.name)
        chosen = int(picked[0])
        objective = float(results.best_feasible_objective)
    return SolveOutcome(status=status, raw_status=condition.name, solver_name="highs",
                        solver_version=version, solve_ms=elapsed_ms, chosen=chosen,
                        objective=objective)
