"""The public names of ``optimizer.core``: read by type checkers, and at run time by
``lazy_loader``, which imports each name's module when the name is first used."""

from .csv_cells import (
    safe_cell,
    safe_row,
)
from .dates import (
    EARLIEST_DATE,
    LATEST_DATE,
    as_utc,
    utc_timestamp,
)
from .problem import (
    MAX_CANDIDATES,
    IntervalOptions,
    Patient,
    PKParameters,
    RecommendationProblem,
    ResponseParameters,
)
from .regimen import (
    MAX_DOSES,
    DoseList,
    RegularSchedule,
    Schedule,
    format_schedule,
    parse_schedule,
)
from .results import (
    CandidateScore,
    Recommendation,
    SolveOutcome,
    Status,
    Timings,
)
from .warnings import (
    AnswerWarning,
)

__all__ = [
    "AnswerWarning",
    "CandidateScore",
    "DoseList",
    "EARLIEST_DATE",
    "IntervalOptions",
    "LATEST_DATE",
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
    "as_utc",
    "format_schedule",
    "parse_schedule",
    "safe_cell",
    "safe_row",
    "utc_timestamp",
]
