"""The blocks of an answer: candidates, the solver's word, the individual fit, the plan, the
missed-dose advice and warnings (pydantic; one definition for the API, the CLI and batches).
:class:`optimizer.schemas.recommendation.RecommendationPublic` assembles them."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from optimizer.core.warnings import AnswerWarning
from optimizer.schemas.posterior import DiagnosticsPublic

__all__ = ["CandidatePublic", "CatchUpPublic", "CheckpointPublic", "FitPublic", "MissedDosePublic",
           "ParameterFitPublic", "PlanDosePublic", "PlanPublic", "SolverPublic", "WarningPublic"]


class CandidatePublic(BaseModel):
    interval_days: int
    dose_mg: float
    max_score: float | None = Field(description="Worst-case score (null for free IgE).")


class SolverPublic(BaseModel):
    name: str
    version: str
    status: str
    time_ms: float


class ParameterFitPublic(BaseModel):
    name: str
    estimate: float
    lower_95: float
    upper_95: float
    prior_median: float
    prior_lower_95: float
    prior_upper_95: float
    shift_prior_sd: float = Field(
        description="How far the data moved the estimate from the prior median, in prior SDs.")
    sd_ratio: float = Field(description="Posterior SD / prior SD (log scale); 1 = data silent.")
    source: str


class FitPublic(BaseModel):
    status: Literal["fitted", "prior", "not_converged"]
    message: str
    observations: int
    parameters: list[ParameterFitPublic]
    samples: int
    samples_from: Literal["posterior", "prior"]
    unexplained_observations: list[str] = Field(
        default_factory=list, description="Dates of observations the fitted model finds "
                                          "improbable (below 5 %): review them.")
    score_sd: float
    symptom_cutoff_score: float
    diagnostics: DiagnosticsPublic | None = Field(
        default=None, description="How far the posterior samples behind the probabilities "
                                  "and intervals can be trusted.")


class PlanDosePublic(BaseModel):
    date: str
    interval_days: int = Field(description="Days since the previous dose.")
    dose_mg: float


class CheckpointPublic(BaseModel):
    date: str
    predicted_score: float
    reason: str


class PlanPublic(BaseModel):
    status: Literal["optimal", "infeasible", "time_limit"]
    start_date: str
    target_interval_days: int
    doses: list[PlanDosePublic]
    daily_scores: list[float] = Field(description="Predicted score per day from start_date.")
    max_score: float
    days_above_threshold: list[str]
    checkpoints: list[CheckpointPublic]
    injections: int
    greedy_injections: int
    mip_gap: float | None = Field(description="Relative gap when not proven optimal.")
    solver_status: str
    solve_ms: float
    notes: list[str]


class CatchUpPublic(BaseModel):
    dose_mg: float
    recovery_date: str | None
    controlled_until_date: str | None


class MissedDosePublic(BaseModel):
    last_dose_date: str
    next_due_date: str
    regular_interval_days: int
    symptoms_return_date: str = Field(description="Predicted, if no further dose is given.")
    late_dose_tolerance_days: float
    overdue: bool
    past_missed: list[dict[str, str]]
    catch_up_date: str | None
    catch_up_options: list[CatchUpPublic]
    best_catch_up: CatchUpPublic | None
    advice: list[str]


class WarningPublic(BaseModel):
    """A warning on an answer (see ``docs/warnings.md`` for the codes)."""

    code: str = Field(description="Stable identifier, e.g. 'outside_studied_weight'.")
    message: str = Field(description="What the clinician should know, in words.")
    field: str | None = Field(default=None,
                              description="Request field concerned (dotted path), if any.")

    @classmethod
    def from_domain(cls, w: AnswerWarning) -> WarningPublic:
        return cls(code=w.code, message=w.message, field=w.field)
