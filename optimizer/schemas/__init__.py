"""Request and response schemas (pydantic): one definition for the HTTP API, the CLI, scenario
files and batches.

* :mod:`~optimizer.schemas.base` — :class:`InputModel`, the base of every request block.
* :mod:`~optimizer.schemas.recommendation` — ``POST /v1/recommendations``: the request (patient,
  PK, response, options, history, plan) and the answer with its warnings.
* :mod:`~optimizer.schemas.history` — the patient's doses and observations as exports give
  them: doses of one date summed, date-times reduced to their date, units of mass converted.
* :mod:`~optimizer.schemas.free_ige` — the free-IgE target, the dosing grid, the surrogate check.
* :mod:`~optimizer.schemas.comparison` — ``POST /v1/comparisons``: schedules side by side.
* :mod:`~optimizer.schemas.validation` — pydantic errors in the project's words (field, value,
  what is allowed).

Schemas check limits and map to the domain's values (``to_problem``, ``from_domain``); they
compute nothing else. Field names are a contract scripts rely on: add, never rename.
"""

from optimizer.schemas.base import InputModel
from optimizer.schemas.comparison import (
    ComparisonPublic,
    ComparisonRequest,
    ComparisonRowPublic,
    ComparisonRun,
    DoseAtDayIn,
    DoseListIn,
    OptimalOptionsIn,
    OptimalPublic,
    PopulationIn,
    PricesIn,
)
from optimizer.schemas.free_ige import (
    MAX_CHECK_PATIENT_DAYS,
    UNIT_HINTS,
    DosingCellPublic,
    DosingGridPublic,
    DosingGridRequest,
    FreeIgECandidatePublic,
    FreeIgEPublic,
    FreeIgETargetIn,
    PatientPointIn,
    ScoreTargetIn,
    SurrogateCheckRequest,
    TargetIn,
)
from optimizer.schemas.recommendation import (
    CandidatePublic,
    DoseIn,
    FitPublic,
    HistoryIn,
    IntervalOptionsIn,
    MissedDosePublic,
    ObservationIn,
    PatientIn,
    PatientModelIn,
    PKIn,
    PlanOptionsIn,
    PlanPublic,
    PriorsIn,
    RecommendationPublic,
    RecommendationRequest,
    ResponseIn,
    SolverPublic,
    WarningPublic,
)
from optimizer.schemas.validation import describe_error, first_input_error, ordered_errors, validate

__all__ = [
    "CandidatePublic",
    "ComparisonPublic",
    "ComparisonRequest",
    "ComparisonRowPublic",
    "ComparisonRun",
    "DoseAtDayIn",
    "DoseIn",
    "DoseListIn",
    "DosingCellPublic",
    "DosingGridPublic",
    "DosingGridRequest",
    "FitPublic",
    "FreeIgECandidatePublic",
    "FreeIgEPublic",
    "FreeIgETargetIn",
    "HistoryIn",
    "InputModel",
    "IntervalOptionsIn",
    "MAX_CHECK_PATIENT_DAYS",
    "MissedDosePublic",
    "ObservationIn",
    "OptimalOptionsIn",
    "OptimalPublic",
    "PKIn",
    "PatientIn",
    "PatientModelIn",
    "PatientPointIn",
    "PlanOptionsIn",
    "PlanPublic",
    "PopulationIn",
    "PricesIn",
    "PriorsIn",
    "RecommendationPublic",
    "RecommendationRequest",
    "ResponseIn",
    "ScoreTargetIn",
    "SolverPublic",
    "SurrogateCheckRequest",
    "TargetIn",
    "UNIT_HINTS",
    "WarningPublic",
    "describe_error",
    "first_input_error",
    "ordered_errors",
    "validate",
]
