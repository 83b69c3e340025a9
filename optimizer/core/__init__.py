"""Value types every other package shares: the question, the regimen, the typed outcome.

* :mod:`~optimizer.core.problem` — the question asked: patient, PK and response parameters,
  threshold, dose and interval options (frozen dataclasses, checked on creation).
* :mod:`~optimizer.core.regimen` — dosing schedules as values, with a short text form.
* :mod:`~optimizer.core.results` — solver status, solve outcome, the recommendation.
* :mod:`~optimizer.core.warnings` — the warnings an answer carries (code, message, field).

Standard library and numpy only; imports nothing else from the project but
:mod:`optimizer.errors`.
"""

from optimizer.core.problem import (
    MAX_CANDIDATES,
    IntervalOptions,
    Patient,
    PKParameters,
    RecommendationProblem,
    ResponseParameters,
)
from optimizer.core.regimen import (
    MAX_DOSES,
    DoseList,
    RegularSchedule,
    Schedule,
    format_schedule,
    parse_schedule,
)
from optimizer.core.results import CandidateScore, Recommendation, SolveOutcome, Status, Timings
from optimizer.core.warnings import AnswerWarning

__all__ = [
    "AnswerWarning",
    "CandidateScore",
    "DoseList",
    "IntervalOptions",
    "MAX_CANDIDATES",
    "MAX_DOSES",
    "PKParameters",
    "Patient",
    "Recommendation",
    "RecommendationProblem",
    "RegularSchedule",
    "ResponseParameters",
    "Schedule",
    "SolveOutcome",
    "Status",
    "Timings",
    "format_schedule",
    "parse_schedule",
]
