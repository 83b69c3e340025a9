"""doseopt's domain: the longest safe omalizumab injection interval.

Numbers in, recommendation out. The public API is listed in ``__all__`` (kept complete and
sorted by a test); everything else is internal.
"""

from optimizer.binding import simulate_regimen, steady_state_cycle
from optimizer.binding_params import individual_parameters
from optimizer.compare_schemas import ComparisonPublic, ComparisonRequest
from optimizer.compare_service import compare
from optimizer.errors import DoseOptError, InputError, ScenarioError, SolverError
from optimizer.ige_table import dosing_grid
from optimizer.ige_target import FreeIgEProblem, FreeIgERecommendation, recommend_free_ige
from optimizer.pk import (
    PKModel,
    concentration_mg_per_l,
    steady_state_concentration_mg_per_l,
    steady_state_trough_mg_per_l,
)
from optimizer.problem import (
    IntervalOptions,
    Patient,
    PKParameters,
    RecommendationProblem,
    ResponseParameters,
)
from optimizer.recommend import recommend_interval
from optimizer.regimen import DoseList, RegularSchedule, parse_schedule
from optimizer.results import CandidateScore, Recommendation, SolveOutcome, Status
from optimizer.schemas import RecommendationPublic, RecommendationRequest
from optimizer.service import recommend
from optimizer.settings import Settings, get_settings
from optimizer.surrogate_check import surrogate_check
from optimizer.surrogate_fit import fit_surrogate
from optimizer.symptoms import score, threshold_concentration_mg_per_l

__all__ = [
    "CandidateScore",
    "ComparisonPublic",
    "ComparisonRequest",
    "DoseList",
    "DoseOptError",
    "FreeIgEProblem",
    "FreeIgERecommendation",
    "InputError",
    "IntervalOptions",
    "PKModel",
    "PKParameters",
    "Patient",
    "Recommendation",
    "RecommendationProblem",
    "RecommendationPublic",
    "RecommendationRequest",
    "RegularSchedule",
    "ResponseParameters",
    "ScenarioError",
    "Settings",
    "SolveOutcome",
    "SolverError",
    "Status",
    "compare",
    "concentration_mg_per_l",
    "dosing_grid",
    "fit_surrogate",
    "get_settings",
    "individual_parameters",
    "parse_schedule",
    "recommend",
    "recommend_free_ige",
    "recommend_interval",
    "score",
    "simulate_regimen",
    "steady_state_concentration_mg_per_l",
    "steady_state_cycle",
    "steady_state_trough_mg_per_l",
    "surrogate_check",
    "threshold_concentration_mg_per_l",
]
