"""Batches over HTTP: the submission and the batch's public state."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from optimizer.schemas.base import InputModel

__all__ = ["MAX_FILES", "MAX_SCENARIOS_PER_BATCH", "BatchCreate", "BatchProblemPublic",
           "BatchPublic"]

#: Largest batch accepted over HTTP, after grid expansion (modelling choice: about 3-5 minutes
#: of work on two cores and ~300 MB of stored results; larger runs belong to ``doseopt batch``).
MAX_SCENARIOS_PER_BATCH = 100_000
#: Most file references in one request.
MAX_FILES = 100




class BatchCreate(InputModel):
    """Scenarios inline (each ``{"kind": ..., request fields..., "grid": {...}?}``) and/or
    file names under ``scenarios/``; at least one scenario in all."""

    scenarios: list[dict[str, Any]] = Field(
        default_factory=list, max_length=MAX_SCENARIOS_PER_BATCH,
        description="Inline scenarios: kind (recommendation or comparison), the request's "
                    "fields, optionally a grid of dotted field paths to lists of values.")
    files: list[str] = Field(
        default_factory=list, max_length=MAX_FILES,
        description="Scenario file names under scenarios/, e.g. grid-weights-thresholds.toml.")


class BatchProblemPublic(BaseModel):
    """Why a batch was refused after submission (status ``invalid``)."""

    field: str | None
    value: Any = None
    allowed: str
    message: str


BatchStatusPublic = Literal["validating", "invalid", "pending", "running", "done",
                            "interrupted", "cancelled"]


class BatchPublic(BaseModel):
    id: str
    status: BatchStatusPublic = Field(
        description="validating: scenarios being checked; invalid: refused (see error); "
                    "pending, running, done; interrupted or cancelled: resumable.")
    total: int = Field(description="Scenarios in the batch (each distinct question once); "
                                   "0 until validated.")
    done: int = Field(description="Scenarios answered.")
    failed: int = Field(description="Scenarios that raised; their errors are in the results.")
    pending: int = Field(description="Scenarios without a result yet.")
    runs: int = Field(description="Runs so far (a resumed batch has more than one).")
    created: datetime
    updated: datetime
    results_url: str
    error: BatchProblemPublic | None = Field(
        default=None, description="Why the batch is invalid: field, value, allowed, message.")
