"""Batch state and results in the project's store (SQLite by default, PostgreSQL by URL).

Two tables on :class:`optimizer.storage.engine.Base`:

* ``batches``: one row per batch: its :class:`BatchStatus`, counts, how many runs it took,
  and where its scenarios came from;
* ``batch_results``: one row per (batch, scenario) pair, unique together, written ``pending``
  (input only) when the batch is created.

**Claims** (:mod:`optimizer.storage.batch_claims`). A runner takes work by *claiming* it:
one ``UPDATE`` turns up to ``n`` pending rows into ``claimed`` rows carrying the runner's run
number and the claim time (in ``finished``, which holds the finishing time once the row is
done). The update is atomic — on PostgreSQL the rows are chosen ``FOR UPDATE SKIP LOCKED``, on
SQLite the database's single writer serialises it — so several runners on one batch compute
each scenario once between them. A runner refreshes its claims while it works; a claim older
than the lease (its runner died) may be taken over by another runner.

A result is written only into a row still claimed by the same run, or still pending, in the
same transaction that updates the batch's counts: a result is fully stored or absent, and
never stored twice.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    DateTime,
    Engine,
    Index,
    Integer,
    String,
    Table,
    Text,
    and_,
    bindparam,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from optimizer.batch.grid import Scenario
from optimizer.storage.batch_rows import (
    BatchInfo,
    BatchStatus,
    PendingScenario,
    ResultRow,
    ResultStatus,
)
from optimizer.storage.engine import Base, session_scope

__all__ = [
    "BatchInfo",
    "BatchRecord",
    "BatchResultRecord",
    "BatchStatus",
    "PendingScenario",
    "ResultRow",
    "ResultStatus",
    "create_batch",
    "finish_run",
    "get_batch",
    "iter_results",
    "mark_interrupted",
    "mark_unfinished_interrupted",
    "pending_scenarios",
    "set_status",
    "write_results",
]


_INSERT_ROWS = 2_000
_OPEN = (ResultStatus.PENDING, ResultStatus.CLAIMED)


def _now() -> datetime:
    return datetime.now(UTC)


class BatchRecord(Base):
    __tablename__ = "batches"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), index=True)
    total: Mapped[int] = mapped_column(Integer)
    done: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    runs: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(Text)


class BatchResultRecord(Base):
    __tablename__ = "batch_results"
    __table_args__ = (Index("ix_batch_results_status", "batch_id", "status"),
                      Index("ix_batch_results_position", "batch_id", "position"))

    batch_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    scenario_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    input_json: Mapped[str] = mapped_column(Text)
    output_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    solver_status: Mapped[str | None] = mapped_column(String(64), nullable=True)
    versions_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    run: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


def _results_table() -> Table:
    return cast(Table, BatchResultRecord.__table__)


def _utc(moment: datetime) -> datetime:
    """SQLite keeps no time zone: every stored time is UTC, and is returned as such."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _info(rec: BatchRecord) -> BatchInfo:
    return BatchInfo(id=rec.id, status=BatchStatus(rec.status), total=rec.total,
                     done=rec.done, failed=rec.failed, runs=rec.runs, source=rec.source,
                     created=_utc(rec.created), updated=_utc(rec.updated))


def create_batch(engine: Engine, batch_id: str, scenarios: Sequence[Scenario],
                 source: str) -> BatchInfo:
    """Store the batch and one pending row per scenario; an existing batch is left as it is.

    Two runners creating the same batch at once (the same files, started together) both get
    the batch: the one whose insert collides reads the other's instead of failing.
    """
    try:
        return _insert_batch(engine, batch_id, scenarios, source)
    except IntegrityError:
        existing = get_batch(engine, batch_id)
        if existing is None:
            raise
        return existing


def _insert_batch(engine: Engine, batch_id: str, scenarios: Sequence[Scenario],
                  source: str) -> BatchInfo:
    with session_scope(engine) as s:
        rec = s.get(BatchRecord, batch_id)
        if rec is not None:
            return _info(rec)
        now = _now()
        rec = BatchRecord(id=batch_id, created=now, updated=now, status=BatchStatus.PENDING,
                          total=len(scenarios), done=0, failed=0, runs=0, source=source)
        s.add(rec)
        table = _results_table()
        for start in range(0, len(scenarios), _INSERT_ROWS):
            rows = [{"batch_id": batch_id, "scenario_id": sc.id, "position": start + i,
                     "kind": sc.kind, "input_json": sc.request_json(),
                     "status": ResultStatus.PENDING, "created": now}
                    for i, sc in enumerate(scenarios[start:start + _INSERT_ROWS])]
            s.execute(table.insert(), rows)
        return _info(rec)


def get_batch(engine: Engine, batch_id: str) -> BatchInfo | None:
    with session_scope(engine) as s:
        rec = s.get(BatchRecord, batch_id)
        return None if rec is None else _info(rec)


def pending_scenarios(engine: Engine, batch_id: str) -> list[PendingScenario]:
    """Every scenario without a result (pending or claimed), in batch order."""
    t = BatchResultRecord
    with session_scope(engine) as s:
        rows = s.execute(select(t.scenario_id, t.kind, t.input_json)
                         .where(t.batch_id == batch_id, t.status.in_(_OPEN))
                         .order_by(t.position)).all()
    return [PendingScenario(r[0], r[1], r[2]) for r in rows]


def _refresh_counts(s: Session, batch_id: str) -> None:
    t = BatchResultRecord
    counts = dict(s.execute(select(t.status, func.count()).where(t.batch_id == batch_id)
                            .group_by(t.status)).all())
    s.execute(update(BatchRecord).where(BatchRecord.id == batch_id).values(
        done=counts.get(ResultStatus.DONE, 0), failed=counts.get(ResultStatus.FAILED, 0),
        updated=_now()))


def set_status(engine: Engine, batch_id: str, status: BatchStatus, *,
               new_run: bool = False) -> int:
    """Set the batch status (and count a new run); returns the run number, unique to the
    caller even when several runners start at once (one atomic ``runs = runs + 1``).

    Raises ``KeyError`` for an unknown batch."""
    values: dict[str, Any] = {"status": status, "updated": _now()}
    if new_run:
        values["runs"] = BatchRecord.runs + 1
    with session_scope(engine) as s:
        runs = s.execute(update(BatchRecord).where(BatchRecord.id == batch_id).values(values)
                         .returning(BatchRecord.runs)).scalar_one_or_none()
        if runs is None:
            raise KeyError(batch_id)
        _refresh_counts(s, batch_id)
        return int(runs)


def finish_run(engine: Engine, batch_id: str) -> BatchStatus:
    """At the end of a run: ``done`` when no scenario lacks a result; otherwise the status is
    left as it is (another runner is still working, or the batch was cancelled)."""
    t = BatchResultRecord
    with session_scope(engine) as s:
        rec = s.get(BatchRecord, batch_id, with_for_update=True)
        if rec is None:
            raise KeyError(batch_id)
        _refresh_counts(s, batch_id)
        open_rows = s.scalar(select(func.count()).select_from(t).where(
            t.batch_id == batch_id, t.status.in_(_OPEN))) or 0
        if open_rows == 0 and rec.status == BatchStatus.RUNNING:
            rec.status = BatchStatus.DONE
            rec.updated = _now()
        return BatchStatus(rec.status)


def write_results(engine: Engine, batch_id: str, run: int, rows: Sequence[ResultRow]) -> None:
    """Store finished scenarios in one transaction, with the batch's counts; only into rows
    still claimed by ``run`` or still pending (never over another run's result)."""
    if not rows:
        return
    t = _results_table()
    mine = or_(t.c.status == ResultStatus.PENDING,
               and_(t.c.status == ResultStatus.CLAIMED, t.c.run == run))
    stmt = (update(t).where(t.c.batch_id == bindparam("b_batch"),
                            t.c.scenario_id == bindparam("b_id"), mine)
            .values(status=bindparam("b_status"), output_json=bindparam("b_out"),
                    error=bindparam("b_err"), solver_status=bindparam("b_solver"),
                    versions_json=bindparam("b_versions"), run=run, finished=bindparam("b_at")))
    now = _now()
    params = [{"b_batch": batch_id, "b_id": r.scenario_id, "b_status": r.status,
               "b_out": r.output_json, "b_err": r.error, "b_solver": r.solver_status,
               "b_versions": r.versions_json, "b_at": now} for r in rows]
    with session_scope(engine) as s:
        s.connection().execute(stmt, params)
        _refresh_counts(s, batch_id)


def mark_interrupted(engine: Engine, batch_id: str) -> None:
    """A running or pending batch becomes ``interrupted`` (a cancelled or done one stays)."""
    with session_scope(engine) as s:
        rec = s.get(BatchRecord, batch_id)
        if rec is not None and rec.status in (BatchStatus.PENDING, BatchStatus.RUNNING,
                                              BatchStatus.VALIDATING):
            rec.status = BatchStatus.INTERRUPTED
            rec.updated = _now()


def mark_unfinished_interrupted(engine: Engine) -> list[str]:
    """At service start: every validating, pending or running batch is marked interrupted
    (resumable)."""
    with session_scope(engine) as s:
        ids = list(s.scalars(select(BatchRecord.id).where(
            BatchRecord.status.in_((BatchStatus.PENDING, BatchStatus.RUNNING,
                                    BatchStatus.VALIDATING)))))
        if ids:
            s.execute(update(BatchRecord).where(BatchRecord.id.in_(ids))
                      .values(status=BatchStatus.INTERRUPTED, updated=_now()))
    return ids


_PAGE = 1_000


def iter_results(engine: Engine, batch_id: str, *,
                 finished_only: bool = True) -> Iterator[dict[str, Any]]:
    """Rows of a batch in batch order, read page by page (keyset on position)."""
    t = BatchResultRecord
    last = -1
    while True:
        query = (select(t.scenario_id, t.kind, t.status, t.error, t.solver_status,
                        t.input_json, t.output_json, t.versions_json, t.position)
                 .where(t.batch_id == batch_id, t.position > last))
        if finished_only:
            query = query.where(t.status.not_in(_OPEN))
        with session_scope(engine) as s:
            page = s.execute(query.order_by(t.position).limit(_PAGE)).all()
        for r in page:
            yield {"id": r[0], "kind": r[1], "status": r[2], "error": r[3],
                   "solver_status": r[4], "input_json": r[5], "output_json": r[6],
                   "versions_json": r[7]}
        if len(page) < _PAGE:
            return
        last = page[-1][8]
