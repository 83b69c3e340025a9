"""The individual answer: this patient's own history, fitted, and what follows from it.

* :mod:`~optimizer.individual.history` — dated doses and symptom observations as values.
* :mod:`~optimizer.individual.priors` — the individual parameters and their population priors.
* :mod:`~optimizer.individual.fit` — the MAP fit of the parameters to the history;
  :mod:`~optimizer.individual.posterior` — its uncertainty (Laplace approximations, samples).
* :mod:`~optimizer.individual.probability` — the longest interval controlled in at least a
  given share of the plausible parameter sets (probability of control).
* :mod:`~optimizer.individual.plan` — the dated transition plan from today to that interval;
  :mod:`~optimizer.individual.plan_reach` — whether the clinic days can hold that interval.
* :mod:`~optimizer.individual.missed` — late and missed doses: when symptoms return, catch-up.
"""

from optimizer.individual.fit import (
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
from optimizer.individual.history import (
    DoseRecord,
    Observation,
    PatientHistory,
    build_history,
    regular_interval_days,
)
from optimizer.individual.missed import (
    CatchUpOption,
    MissedDoseAdvice,
    advise_missed_dose,
    return_day,
)
from optimizer.individual.plan import (
    PlanContext,
    PlanOptions,
    TransitionPlan,
    greedy_plan,
    plan_transition,
    simulate_scores,
)
from optimizer.individual.probability import (
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
