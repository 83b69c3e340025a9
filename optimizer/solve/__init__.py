"""The solver side: Pyomo models built in small named steps, and the HiGHS runs.

* :mod:`~optimizer.solve.interval_model` — the interval choice (one binary per candidate).
* :mod:`~optimizer.solve.chance_model` — the same choice under a probability of control.
* :mod:`~optimizer.solve.plan_model` — the transition plan (one binary per clinic slot).
* :mod:`~optimizer.solve.highs` — the only module that talks to HiGHS: runs a model, checks
  its termination status, serialises Pyomo work per process (Pyomo is not thread-safe).

Models receive numbers (margins, control tables) computed with numpy by the capability
packages above; nothing here evaluates the PK or the score.
"""

from optimizer.solve.chance_model import ChanceModelData, build_chance_model
from optimizer.solve.highs import PYOMO_LOCK, HighsRun, pyomo_section, run_highs, solve_choice
from optimizer.solve.interval_model import MARGIN_GUARD, IntervalModelData, build_interval_model
from optimizer.solve.plan_model import PlanModelData, build_plan_model

__all__ = [
    "ChanceModelData",
    "HighsRun",
    "IntervalModelData",
    "MARGIN_GUARD",
    "PYOMO_LOCK",
    "PlanModelData",
    "build_chance_model",
    "build_interval_model",
    "build_plan_model",
    "pyomo_section",
    "run_highs",
    "solve_choice",
]
