"""The public names of ``optimizer.solve``: read by type checkers, and at run time by
``lazy_loader``, which imports each name's module when the name is first used."""

from .chance import (
    ChanceModelData,
    choose_by_share,
)
from .chance_model import (
    build_chance_model,
)
from .choice import (
    MARGIN_GUARD,
    IntervalModelData,
    candidate_columns,
    choice_program,
    choose_candidate,
    preference_rank,
)
from .highs import (
    PYOMO_LOCK,
    HighsRun,
    LinearProgram,
    LpRun,
    highs_version,
    pyomo_section,
    read_single_choice,
    run_highs,
    solve_choice,
    solve_lp,
)
from .interval_model import (
    build_interval_model,
)
from .lazy_rows import (
    row_activity,
    select_rows,
    solve_with_lazy_rows,
)
from .plan_model import (
    build_plan_model,
)
from .plan_program import (
    PlanModelData,
    plan_start,
)

__all__ = [
    "ChanceModelData",
    "HighsRun",
    "IntervalModelData",
    "LinearProgram",
    "LpRun",
    "MARGIN_GUARD",
    "PYOMO_LOCK",
    "PlanModelData",
    "build_chance_model",
    "build_interval_model",
    "build_plan_model",
    "candidate_columns",
    "choice_program",
    "choose_by_share",
    "choose_candidate",
    "highs_version",
    "plan_start",
    "preference_rank",
    "pyomo_section",
    "read_single_choice",
    "row_activity",
    "run_highs",
    "select_rows",
    "solve_choice",
    "solve_lp",
    "solve_with_lazy_rows",
]
