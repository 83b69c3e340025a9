"""Batch state and results in the project's store (SQLite by default, PostgreSQL by URL).

Two tables on :class:`optimizer.storage.engine.Base`:

* ``batches``: one row per batch: status (``pending``, ``running``, ``done``, ``interrupted``),
  counts, how many runs it took, and where its scenarios came from;
* ``batch_results``: one row per (batch, scenario) pair, unique together. The row is written
  when the batch is created (status ``pending``, input only); a run fills in the output, the
  versions and the solver status and sets ``done`` or ``failed`` in the same transaction that
  updates the batch's counts, and only if the row is still pending. A result is therefore
  fully stored or absent, and a rerun never computes or writes a finished scenario again.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import (
    DateTime,
    Engine,
    Index,
    Integer,
    String,
    Table,
    Text,
    bindparam,
    func,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from optimizer.batch.grid import Scenario
from optimizer.storage.engine import Base, session_scope

__all__ = [
    "BATCH_STATUSES",
    "BatchInfo",
    "BatchRecord",
    "BatchResultRecord",
    "ResultRow",
    "create_batch",
    "export_results",
    "flat_columns",
    "flat_row",
    "get_batch",
    "iter_results",
    "jsonl_line",
    "mark_interrupted",
    "mark_unfinished_interrupted",
    "pending_scenarios",
    "set_status",
    "write_results",
]

BATCH_STATUSES = ("pending", "running", "done", "interrupted")
_INSERT_ROWS = 2_000


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


@dataclass(frozen=True)
class BatchInfo:
    id: str
    status: str
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


@dataclass(frozen=True)
class ResultRow:
    """One finished scenario as a worker returns it (JSON already serialised)."""

    scenario_id: str
    status: str  # "done" | "failed"
    output_json: str | None
    error: str | None
    solver_status: str | None
    versions_json: str


def _info(rec: BatchRecord) -> BatchInfo:
    return BatchInfo(id=rec.id, status=rec.status, total=rec.total, done=rec.done,
                     failed=rec.failed, runs=rec.runs, source=rec.source, created=rec.created,
                     updated=rec.updated)


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
        rec = BatchRecord(id=batch_id, created=now, updated=now, status="pending",
                          total=len(scenarios), done=0, failed=0, runs=0, source=source)
        s.add(rec)
        table = _results_table()
        for start in range(0, len(scenarios), _INSERT_ROWS):
            rows = [{"batch_id": batch_id, "scenario_id": sc.id, "position": start + i,
                     "kind": sc.kind, "input_json": sc.request_json(), "status": "pending",
                     "created": now}
                    for i, sc in enumerate(scenarios[start:start + _INSERT_ROWS])]
            s.execute(table.insert(), rows)
        return _info(rec)


def get_batch(engine: Engine, batch_id: str) -> BatchInfo | None:
    with session_scope(engine) as s:
        rec = s.get(BatchRecord, batch_id)
        return None if rec is None else _info(rec)


def pending_scenarios(engine: Engine, batch_id: str) -> list[tuple[str, str, str]]:
    """(scenario id, kind, input JSON) of every scenario without a result, in batch order."""
    t = BatchResultRecord
    with session_scope(engine) as s:
        rows = s.execute(select(t.scenario_id, t.kind, t.input_json)
                         .where(t.batch_id == batch_id, t.status == "pending")
                         .order_by(t.position)).all()
    return [(r[0], r[1], r[2]) for r in rows]


def _refresh_counts(s: Any, batch_id: str) -> None:
    t = BatchResultRecord
    counts = dict(s.execute(select(t.status, func.count()).where(t.batch_id == batch_id)
                            .group_by(t.status)).all())
    s.execute(update(BatchRecord).where(BatchRecord.id == batch_id).values(
        done=counts.get("done", 0), failed=counts.get("failed", 0), updated=_now()))


def set_status(engine: Engine, batch_id: str, status: str, *, new_run: bool = False) -> int:
    """Set the batch status (and count a new run); returns the run number."""
    with session_scope(engine) as s:
        rec = s.get(BatchRecord, batch_id)
        if rec is None:
            raise KeyError(batch_id)
        rec.status = status
        rec.updated = _now()
        if new_run:
            rec.runs += 1
        _refresh_counts(s, batch_id)
        return rec.runs


def write_results(engine: Engine, batch_id: str, run: int, rows: Sequence[ResultRow]) -> None:
    """Store finished scenarios in one transaction, with the batch's counts; pending rows only."""
    if not rows:
        return
    t = _results_table()
    stmt = (update(t).where(t.c.batch_id == bindparam("b_batch"),
                            t.c.scenario_id == bindparam("b_id"), t.c.status == "pending")
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
    with session_scope(engine) as s:
        rec = s.get(BatchRecord, batch_id)
        if rec is not None and rec.status != "done":
            rec.status = "interrupted"
            rec.updated = _now()


def mark_unfinished_interrupted(engine: Engine) -> list[str]:
    """At service start: every pending or running batch is marked interrupted (resumable)."""
    with session_scope(engine) as s:
        ids = list(s.scalars(select(BatchRecord.id)
                             .where(BatchRecord.status.in_(("pending", "running")))))
        if ids:
            s.execute(update(BatchRecord).where(BatchRecord.id.in_(ids))
                      .values(status="interrupted", updated=_now()))
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
            query = query.where(t.status != "pending")
        with session_scope(engine) as s:
            page = s.execute(query.order_by(t.position).limit(_PAGE)).all()
        for r in page:
            yield {"id": r[0], "kind": r[1], "status": r[2], "error": r[3],
                   "solver_status": r[4], "input_json": r[5], "output_json": r[6],
                   "versions_json": r[7]}
        if len(page) < _PAGE:
            return
        last = page[-1][8]


def jsonl_line(row: dict[str, Any]) -> str:
    """One result as a JSON object: id, kind, status, error, solver status, input, output,
    versions (stored JSON spliced in, not re-parsed)."""
    head = json.dumps({"id": row["id"], "kind": row["kind"], "status": row["status"],
                       "error": row["error"], "solver_status": row["solver_status"]})
    return (f'{head[:-1]}, "input": {row["input_json"]}, '
            f'"output": {row["output_json"] or "null"}, '
            f'"versions": {row["versions_json"] or "null"}}}\n')


def _flatten(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(f"{prefix}.{k}", v, out)
    elif isinstance(value, list):
        out[prefix] = json.dumps(value)
    else:
        out[prefix] = value


def flat_row(row: dict[str, Any]) -> dict[str, Any]:
    """A result as one flat record: fixed columns, then ``input.*`` and ``output.*`` scalars
    (lists as JSON text), then the versions as JSON text."""
    out: dict[str, Any] = {k: row[k] for k in ("id", "kind", "status", "error",
                                                "solver_status")}
    _flatten("input", json.loads(row["input_json"]), out)
    if row["output_json"]:
        _flatten("output", json.loads(row["output_json"]), out)
    out["versions"] = row["versions_json"]
    return out


def flat_columns(engine: Engine, batch_id: str) -> list[str]:
    """Every column :func:`flat_row` gives over the batch, in first-seen order."""
    columns: dict[str, None] = {}
    for row in iter_results(engine, batch_id):
        columns.update(dict.fromkeys(flat_row(row)))
    return list(columns)


def export_results(engine: Engine, batch_id: str, path: str | Path) -> int:
    """Write every finished scenario of the batch once to ``.parquet``, ``.csv`` or ``.jsonl``;
    returns the number of rows. The file is written beside its target and renamed into place."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".parquet", ".csv", ".jsonl"):
        raise ValueError(f"{target}: allowed output types are .parquet, .csv, .jsonl")
    tmp = target.with_name(target.name + ".partial")
    count = 0
    if suffix == ".jsonl":
        with tmp.open("w", encoding="utf-8") as f:
            for row in iter_results(engine, batch_id):
                f.write(jsonl_line(row))
                count += 1
    elif suffix == ".csv":
        columns = flat_columns(engine, batch_id)
        with tmp.open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=columns)
            writer.writeheader()
            for row in iter_results(engine, batch_id):
                writer.writerow(flat_row(row))
                count += 1
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        records = [flat_row(row) for row in iter_results(engine, batch_id)]
        columns = list(dict.fromkeys(k for r in records for k in r))
        table = pa.table({c: pa.array([r.get(c) for r in records]) for c in columns})
        pq.write_table(table, tmp)
        count = len(records)
    tmp.replace(target)
    return count
