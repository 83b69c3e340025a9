"""Typed outcomes: solver status, solve outcome and the recommendation itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

__all__ = ["CandidateScore", "Recommendation", "SolveOutcome", "Status", "Timings"]


class Status(StrEnum):
    """Answer status. ``INFEASIBLE`` is an answer, not an error."""

    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    #: A time limit stopped a MIP with a feasible incumbent; the answer carries its gap.
    TIME_LIMIT = "time_limit"


@dataclass(frozen=True)
class SolveOutcome:
    """What the solver said, after the status was checked against the whitelist."""

    status: Status
    raw_status: str
    solver_name: str
    solver_version: str
    solve_ms: float
    chosen: int | None
    objective: float | None = None

    @property
    def is_ok(self) -> bool:
        return self.status is Status.OPTIMAL and self.chosen is not None


@dataclass(frozen=True)
class CandidateScore:
    """One (interval, dose) option and its worst-case steady-state score."""

    interval_days: int
    dose_mg: float
    max_score: float


@dataclass(frozen=True)
class Timings:
    exposure_ms: float
    build_ms: float
    solve_ms: float
    total_ms: float


@dataclass(frozen=True)
class Recommendation:
    """The answer to a :class:`~optimizer.core.problem.RecommendationProblem`.

    For ``OPTIMAL``: the longest allowed interval keeping the steady-state score at or below the
    threshold for the whole cycle, with the smallest dose that does it. For ``INFEASIBLE``:
    ``interval_days`` and ``dose_mg`` are ``None`` and ``closest_option`` holds the option with
    the lowest worst-case score.
    """

    status: Status
    interval_days: int | None
    dose_mg: float | None
    max_score: float
    margin_score: float
    worst_day_in_cycle: float | None
    threshold_score: float
    threshold_conc_mg_per_l: float
    trough_conc_mg_per_l: float | None
    peak_conc_mg_per_l: float | None
    next_longer: CandidateScore | None
    late_dose_tolerance_days: float | None
    closest_option: CandidateScore | None
    candidates: int
    feasible_candidates: int
    solve: SolveOutcome
    timings: Timings
    assumptions: tuple[str, ...] = field(default=())
