"""doseopt's domain: the longest safe omalizumab injection interval.

Numbers in, recommendation out. The public API is listed in ``__all__`` (kept complete and
sorted by a test); everything else is internal.
"""

import importlib as _importlib
import typing as _typing

if _typing.TYPE_CHECKING:
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

#: Where each public name lives. Names are imported on first use (PEP 562), so ``import
#: optimizer`` and the CLI's start-up do not pay for pydantic schemas, services or numerics a
#: command never touches.
_SOURCES: dict[str, str] = {
    "CandidateScore": "optimizer.core.results",
    "ComparisonPublic": "optimizer.schemas.comparison",
    "ComparisonRequest": "optimizer.schemas.comparison",
    "DoseList": "optimizer.core.regimen",
    "DoseOptError": "optimizer.errors",
    "FreeIgEProblem": "optimizer.free_ige.target",
    "FreeIgERecommendation": "optimizer.free_ige.target",
    "InputError": "optimizer.errors",
    "IntervalOptions": "optimizer.core.problem",
    "PKModel": "optimizer.exposure.pk",
    "PKParameters": "optimizer.core.problem",
    "Patient": "optimizer.core.problem",
    "Recommendation": "optimizer.core.results",
    "RecommendationProblem": "optimizer.core.problem",
    "RecommendationPublic": "optimizer.schemas.recommendation",
    "RecommendationRequest": "optimizer.schemas.recommendation",
    "RegularSchedule": "optimizer.core.regimen",
    "ResponseParameters": "optimizer.core.problem",
    "ScenarioError": "optimizer.errors",
    "Settings": "optimizer.settings",
    "SolveOutcome": "optimizer.core.results",
    "SolverError": "optimizer.errors",
    "Status": "optimizer.core.results",
    "compare": "optimizer.services.comparison",
    "concentration_mg_per_l": "optimizer.exposure.pk",
    "dosing_grid": "optimizer.free_ige.dosing_grid",
    "fit_surrogate": "optimizer.free_ige.surrogate_fit",
    "get_settings": "optimizer.settings",
    "individual_parameters": "optimizer.free_ige.params",
    "parse_schedule": "optimizer.core.regimen",
    "recommend": "optimizer.services.recommendation",
    "recommend_free_ige": "optimizer.free_ige.target",
    "recommend_interval": "optimizer.score_target.interval_search",
    "score": "optimizer.exposure.symptoms",
    "simulate_regimen": "optimizer.free_ige.binding",
    "steady_state_concentration_mg_per_l": "optimizer.exposure.pk",
    "steady_state_cycle": "optimizer.free_ige.binding",
    "steady_state_trough_mg_per_l": "optimizer.exposure.pk",
    "surrogate_check": "optimizer.free_ige.surrogate_check",
    "threshold_concentration_mg_per_l": "optimizer.exposure.symptoms",
}


def __getattr__(name: str) -> object:
    module = _SOURCES.get(name)
    if module is None:
        raise AttributeError(f"module 'optimizer' has no attribute {name!r}")
    value = getattr(_importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
