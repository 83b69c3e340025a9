"""Batch and result rows as plain values: what the runner, its workers and the routes pass
around, free of the database layer (a worker process answers scenarios without loading
SQLAlchemy). The tables that store them are in :mod:`optimizer.storage.batches`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

__all__ = ["BatchInfo", "BatchStatus", "PendingScenario", "ResultRow", "ResultStatus"]


class BatchStatus(StrEnum):
    """Where a batch stands. ``validating``: submitted over HTTP, scenarios not yet checked;
    ``invalid``: refused by that check (the reason in the source). ``interrupted`` and
    ``cancelled`` batches can be resumed."""

    VALIDATING = "validating"
    INVALID = "invalid"
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    INTERRUPTED = "interrupted"
    CANCELLED = "cancelled"


class ResultStatus(StrEnum):
    """Where one scenario of a batch stands."""

    PENDING = "pending"
    CLAIMED = "claimed"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class BatchInfo:
    id: str
    status: BatchStatus
    total: int
    done: int
    failed: int
    runs: int
    source: str
    created: datetime
    updated: datetime

    @property
    def pending(self) -> int:
        return self.total - self.done - self.failed

    @property
    def error(self) -> dict[str, Any] | None:
        """Why the batch is invalid (``field``, ``value``, ``allowed``, ``message``)."""
        source = _source(self.source)
        error = source.get("error")
        return error if isinstance(error, dict) else None

    @property
    def submitted(self) -> dict[str, Any] | None:
        """The submission still to validate (``files``, ``scenarios``), if any."""
        submitted = _source(self.source).get("submitted")
        return submitted if isinstance(submitted, dict) else None


def _source(text: str) -> dict[str, Any]:
    if not text.startswith("{"):
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


@dataclass(frozen=True)
class PendingScenario:
    """A scenario without a result: its id, kind and stored request JSON."""

    scenario_id: str
    kind: str
    input_json: str


@dataclass(frozen=True)
class ResultRow:
    """One finished scenario as a worker returns it (JSON already serialised)."""

    scenario_id: str
    status: ResultStatus  # DONE or FAILED
    output_json: str | None
    error: str | None
    solver_status: str | None
    versions_json: str
