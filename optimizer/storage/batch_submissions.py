"""Batches submitted over HTTP: stored at once (status ``validating``, the submission in the
source), filled with their scenarios or marked ``invalid`` by the job, cancelled on request."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Engine, Table

from optimizer.batch.grid import Scenario
from optimizer.storage.batches import (
    BatchInfo,
    BatchRecord,
    BatchResultRecord,
    BatchStatus,
    ResultStatus,
    get_batch,
)
from optimizer.storage.engine import session_scope

__all__ = ["cancel_batch", "create_submitted", "fill_batch", "mark_invalid"]

_INSERT_ROWS = 2_000


def _now() -> datetime:
    return datetime.now(UTC)


def _dumps(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"))  # ASCII: any text can be stored


def create_submitted(engine: Engine, batch_id: str, files: Sequence[str],
                     scenarios: Sequence[Any]) -> BatchInfo:
    """Store a new batch with no scenarios yet, status ``validating``."""
    now = _now()
    source = _dumps({"submitted": {"files": list(files), "scenarios": list(scenarios)}})
    with session_scope(engine) as s:
        s.add(BatchRecord(id=batch_id, created=now, updated=now, status=BatchStatus.VALIDATING,
                          total=0, done=0, failed=0, runs=0, source=source))
    info = get_batch(engine, batch_id)
    assert info is not None  # just stored
    return info


def _summary(info: BatchInfo) -> dict[str, Any]:
    submitted = info.submitted or {}
    return {"files": submitted.get("files", []),
            "inline": len(submitted.get("scenarios", []))}


def fill_batch(engine: Engine, info: BatchInfo, scenarios: Sequence[Scenario]) -> None:
    """Store the validated scenarios of a submitted batch and make it ``pending``; the source
    keeps the file names and the inline count."""
    table = cast(Table, BatchResultRecord.__table__)
    now = _now()
    with session_scope(engine) as s:
        rec = s.get(BatchRecord, info.id, with_for_update=True)
        if rec is None or rec.total:
            return
        for start in range(0, len(scenarios), _INSERT_ROWS):
            rows = [{"batch_id": info.id, "scenario_id": sc.id, "position": start + i,
                     "kind": sc.kind, "input_json": sc.request_json(),
                     "status": ResultStatus.PENDING, "created": now}
                    for i, sc in enumerate(scenarios[start:start + _INSERT_ROWS])]
            s.execute(table.insert(), rows)
        rec.total = len(scenarios)
        rec.source = _dumps(_summary(info))
        rec.updated = now
        if rec.status in (BatchStatus.VALIDATING, BatchStatus.INTERRUPTED):
            rec.status = BatchStatus.PENDING


def mark_invalid(engine: Engine, info: BatchInfo, error: dict[str, Any]) -> None:
    """The submission was refused: status ``invalid``, the reason kept with the batch."""
    with session_scope(engine) as s:
        rec = s.get(BatchRecord, info.id)
        if rec is None:
            return
        rec.status = BatchStatus.INVALID
        rec.source = _dumps({**_summary(info), "error": error})
        rec.updated = _now()


def cancel_batch(engine: Engine, batch_id: str) -> BatchInfo | None:
    """Mark a batch ``cancelled`` unless it is finished (done, invalid) or already cancelled;
    runners stop claiming its scenarios. Returns the batch as it is now (None: unknown id)."""
    with session_scope(engine) as s:
        rec = s.get(BatchRecord, batch_id, with_for_update=True)
        if rec is None:
            return None
        if rec.status not in (BatchStatus.DONE, BatchStatus.INVALID, BatchStatus.CANCELLED):
            rec.status = BatchStatus.CANCELLED
            rec.updated = _now()
    return get_batch(engine, batch_id)
