"""The public names of ``optimizer.solve``: read by type checkers, and at run time by
``lazy_loader``, which imports each name's module when the name is first used."""

from .chance_model import (
    ChanceModelData,
    build_chance_model,
)
from .highs import (
    PYOMO_LOCK,
    HighsRun,
    pyomo_section,
    run_highs,
    solve_choice,
)
from .interval_model import (
    MARGIN_GUARD,
    IntervalModelData,
    build_interval_model,
)
from .plan_model import (
    PlanModelData,
    build_plan_model,
)

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
