"""Claiming a batch's scenarios, so several runners share one batch (see
:mod:`optimizer.storage.batches` for the row life cycle)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import cast

from sqlalchemy import Engine, Table, and_, func, or_, select, update

from optimizer.storage.batches import (
    BatchRecord,
    BatchResultRecord,
    BatchStatus,
    PendingScenario,
    ResultStatus,
)
from optimizer.storage.engine import session_scope

__all__ = ["claim_scenarios", "refresh_claims", "release_claims", "unfinished_claims"]


def _now() -> datetime:
    return datetime.now(UTC)


def _results_table() -> Table:
    return cast(Table, BatchResultRecord.__table__)


def claim_scenarios(engine: Engine, batch_id: str, run: int, limit: int,
                    lease_s: float) -> list[PendingScenario] | None:
    """Claim up to ``limit`` scenarios for ``run``, in batch order: pending ones, and ones whose
    claim is older than ``lease_s`` seconds (their runner stopped refreshing them). None when
    the batch is no longer running (cancelled, say): nothing more is to be claimed from it."""
    t = _results_table()
    now = _now()
    with session_scope(engine) as s:
        status = s.scalar(select(BatchRecord.status).where(BatchRecord.id == batch_id))
        if status != BatchStatus.RUNNING:
            return None
        free = or_(t.c.status == ResultStatus.PENDING,
                   and_(t.c.status == ResultStatus.CLAIMED,
                        t.c.finished < now - timedelta(seconds=lease_s)))
        chosen = (select(t.c.scenario_id).where(t.c.batch_id == batch_id, free)
                  .order_by(t.c.position).limit(limit))
        if s.get_bind().dialect.name == "postgresql":
            chosen = chosen.with_for_update(skip_locked=True)
        stmt = (update(t).where(t.c.batch_id == batch_id,
                                t.c.scenario_id.in_(chosen.scalar_subquery()), free)
                .values(status=ResultStatus.CLAIMED, run=run, finished=now)
                .returning(t.c.scenario_id, t.c.kind, t.c.input_json, t.c.position))
        rows = sorted(s.execute(stmt).all(), key=lambda r: int(r[3]))
    return [PendingScenario(r[0], r[1], r[2]) for r in rows]


def refresh_claims(engine: Engine, batch_id: str, run: int) -> None:
    """Renew the claim time of every scenario ``run`` still holds (the runner is alive)."""
    t = _results_table()
    with session_scope(engine) as s:
        s.execute(update(t).where(t.c.batch_id == batch_id, t.c.run == run,
                                  t.c.status == ResultStatus.CLAIMED).values(finished=_now()))


def release_claims(engine: Engine, batch_id: str, run: int) -> None:
    """Give back the scenarios ``run`` claimed but did not finish (an orderly stop)."""
    t = _results_table()
    with session_scope(engine) as s:
        s.execute(update(t).where(t.c.batch_id == batch_id, t.c.run == run,
                                  t.c.status == ResultStatus.CLAIMED)
                  .values(status=ResultStatus.PENDING, run=None, finished=None))


def unfinished_claims(engine: Engine, batch_id: str, *, exclude_run: int | None = None) -> int:
    """Scenarios claimed by some run (other than ``exclude_run``) and not finished yet."""
    t = BatchResultRecord
    query = select(func.count()).select_from(t).where(
        t.batch_id == batch_id, t.status == ResultStatus.CLAIMED)
    if exclude_run is not None:
        query = query.where(t.run != exclude_run)
    with session_scope(engine) as s:
        return int(s.scalar(query) or 0)
