"""The public names of ``optimizer.individual``: read by type checkers, and at run time by
``lazy_loader``, which imports each name's module when the name is first used."""

from .fit import (
    HILL_RANGE,
    ZERO_BELOW_SCORE,
    FitResult,
    IndividualParameters,
    LogNormalPrior,
    ParameterFit,
    Priors,
    default_priors,
    fit_individual,
)
from .history import (
    DoseRecord,
    Observation,
    PatientHistory,
    build_history,
    regular_interval_days,
)
from .missed import (
    CatchUpOption,
    MissedDoseAdvice,
    advise_missed_dose,
    return_day,
)
from .plan import (
    PlanContext,
    PlanOptions,
    TransitionPlan,
    greedy_plan,
    plan_transition,
    simulate_scores,
)
from .probability import (
    ChanceRecommendation,
    ControlledOption,
    brute_force_choice,
    control_matrix,
    recommend_with_probability,
    required_count,
    solve_chance,
)

__all__ = [
    "CatchUpOption",
    "ChanceRecommendation",
    "ControlledOption",
    "DoseRecord",
    "FitResult",
    "HILL_RANGE",
    "IndividualParameters",
    "LogNormalPrior",
    "MissedDoseAdvice",
    "Observation",
    "ParameterFit",
    "PatientHistory",
    "PlanContext",
    "PlanOptions",
    "Priors",
    "TransitionPlan",
    "ZERO_BELOW_SCORE",
    "advise_missed_dose",
    "brute_force_choice",
    "build_history",
    "control_matrix",
    "default_priors",
    "fit_individual",
    "greedy_plan",
    "plan_transition",
    "recommend_with_probability",
    "regular_interval_days",
    "required_count",
    "return_day",
    "simulate_scores",
    "solve_chance",
]
