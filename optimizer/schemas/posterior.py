"""Response parts of an individual answer's posterior: the sampler's diagnostics and the
sensitivity of the probabilities to modelling choices (pydantic only)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

__all__ = ["DiagnosticsPublic", "SensitivityRowPublic"]


class DiagnosticsPublic(BaseModel):
    """How far the posterior samples can be trusted (docs/individual.md)."""

    method: str = Field(description="How the posterior was sampled.")
    draws: int = Field(description="Weighted draws behind the probabilities and intervals.")
    effective_sample_size: float = Field(
        description="Kish effective sample size of the smoothed importance weights.")
    pareto_k: float | None = Field(
        description="PSIS Pareto shape of the largest weights; below 0.7 is reliable. Null "
                    "for exact draws from the prior.")
    converged: bool = Field(description="pareto_k below 0.7 and at least 400 effective draws.")


class SensitivityRowPublic(BaseModel):
    """The answer's probabilities under one modelling choice (same draws, reweighted)."""

    choice: Literal["score_sd", "hill_log_sd"] = Field(
        description="score_sd: measurement SD of a score, points; hill_log_sd: spread of the "
                    "Hill prior (log scale).")
    value: float
    is_default: bool = Field(description="The choice the answer itself used.")
    probability_controlled: float | None = Field(
        description="Probability of control of the recommended (or closest) option, rounded "
                    "down to a whole percent.")
    next_longer_probability: float | None
    effective_sample_size: float
    pareto_k: float | None = Field(description="Above 0.7: this row is not reliable.")
