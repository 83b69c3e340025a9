"""doseopt's domain: the longest safe omalizumab injection interval.

Numbers in, recommendation out. The public API is listed in ``__all__`` (kept complete and
sorted by a test); everything else is internal.
"""

from optimizer.core.problem import (
    IntervalOptions,
    Patient,
    PKParameters,
    RecommendationProblem,
    ResponseParameters,
)
from optimizer.core.regimen import DoseList, RegularSchedule, parse_schedule
from optimizer.core.results import CandidateScore, Recommendation, SolveOutcome, Status
from optimizer.errors import DoseOptError, InputError, ScenarioError, SolverError
from optimizer.exposure.pk import (
    PKModel,
    concentration_mg_per_l,
    steady_state_concentration_mg_per_l,
    steady_state_trough_mg_per_l,
)
from optimizer.exposure.symptoms import score, threshold_concentration_mg_per_l
from optimizer.free_ige.binding import simulate_regimen, steady_state_cycle
from optimizer.free_ige.dosing_grid import dosing_grid
from optimizer.free_ige.params import individual_parameters
from optimizer.free_ige.surrogate_check import surrogate_check
from optimizer.free_ige.surrogate_fit import fit_surrogate
from optimizer.free_ige.target import FreeIgEProblem, FreeIgERecommendation, recommend_free_ige
from optimizer.schemas.comparison import ComparisonPublic, ComparisonRequest
from optimizer.schemas.recommendation import RecommendationPublic, RecommendationRequest
from optimizer.score_target.interval_search import recommend_interval
from optimizer.services.comparison import compare
from optimizer.services.recommendation import recommend
from optimizer.settings import Settings, get_settings

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
