"""The audit trail: every stored recommendation, with what is needed to explain it later.

One row per recommendation in the project's store (:mod:`optimizer.storage.engine`): the request and
the response as JSON, the model parameters actually used, the package and solver versions,
the time (UTC) and a random id (uuid4, 32 hex digits). Re-running the stored request gives the
same answer.

Writes are **group-committed**: :func:`store_recommendation` queues its row; the caller that
finds no commit running inserts every queued row in one transaction (and repeats while rows
arrive), then each caller is woken. A caller returns only once its own record is committed (or
raises the database's error), so "stored before answered" holds as before; concurrent requests
share one commit instead of queueing for the database lock one by one, and a lone request
commits its own row without a hand-over to another thread.

Records are **insert-only**. The ORM refuses to update or delete a stored record
(:class:`AuditRecordImmutableError`), and on SQLite and PostgreSQL a database trigger refuses
``UPDATE`` and ``DELETE`` statements on the table as well.

The optional free-text ``patient.patient_reference`` is removed from the stored request and
kept in its own column: it stays in the database, is never logged and is not returned by the
HTTP API.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import uuid
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Engine, String, Text, event, insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from optimizer.core.dates import utc_timestamp
from optimizer.errors import DoseOptError, InputError
from optimizer.schemas.recommendation import RecommendationPublic, RecommendationRequest
from optimizer.storage.engine import Base, get_engine
from optimizer.versions import PACKAGES, package_versions

__all__ = [
    "PACKAGES",
    "AuditRecordImmutableError",
    "RecommendationRecord",
    "StoredRecommendation",
    "get_recommendation",
    "package_versions",
    "store_recommendation",
]

log = logging.getLogger("doseopt.audit")



class AuditRecordImmutableError(DoseOptError, RuntimeError):
    """A stored audit record was about to be changed or deleted; records are insert-only."""


class RecommendationRecord(Base):
    """One stored recommendation (insert-only)."""

    __tablename__ = "recommendation_records"  # = _TABLE_NAME

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_utc: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    request_json: Mapped[str] = mapped_column(Text)
    response_json: Mapped[str] = mapped_column(Text)
    model_json: Mapped[str] = mapped_column(Text)
    versions_json: Mapped[str] = mapped_column(Text)
    solver_name: Mapped[str] = mapped_column(String(64))
    solver_version: Mapped[str] = mapped_column(String(64))
    patient_reference: Mapped[str | None] = mapped_column(String(200), nullable=True)


def _refuse_change(_mapper: Any, _conn: Any, target: RecommendationRecord) -> None:
    raise AuditRecordImmutableError(
        f"audit record {target.id} is stored and cannot be changed or deleted; "
        "store a new recommendation instead")


event.listen(RecommendationRecord, "before_update", _refuse_change)
event.listen(RecommendationRecord, "before_delete", _refuse_change)

_TABLE_NAME = "recommendation_records"
#: Database triggers that refuse UPDATE and DELETE, per dialect (defence in depth: the ORM
#: listeners above only guard changes made through the ORM).
_TRIGGERS: dict[str, tuple[str, ...]] = {
    "sqlite": tuple(
        f"CREATE TRIGGER IF NOT EXISTS {_TABLE_NAME}_no_{verb.lower()} BEFORE {verb} ON "
        f"{_TABLE_NAME} BEGIN SELECT RAISE(ABORT, 'audit records are insert-only'); END"
        for verb in ("UPDATE", "DELETE")),
    "postgresql": (
        "CREATE OR REPLACE FUNCTION doseopt_audit_insert_only() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION 'audit records are insert-only'; END; $$ LANGUAGE plpgsql",
        f"CREATE TRIGGER {_TABLE_NAME}_insert_only BEFORE UPDATE OR DELETE ON {_TABLE_NAME} "
        "FOR EACH ROW EXECUTE FUNCTION doseopt_audit_insert_only()",
    ),
}


def _create_triggers(_table: Any, connection: Any, **_: Any) -> None:
    for statement in _TRIGGERS.get(connection.dialect.name, ()):
        connection.exec_driver_sql(statement)


event.listen(RecommendationRecord.__table__, "after_create", _create_triggers)


@dataclass(frozen=True)
class StoredRecommendation:
    """A stored record, read back: the request (without the patient reference), the
    response, the model parameters, versions, time and id."""

    id: str
    created_utc: datetime
    request: RecommendationRequest
    response: RecommendationPublic
    model: dict[str, float]
    versions: dict[str, str]
    solver_name: str
    solver_version: str
    patient_reference: str | None

    def public(self) -> dict[str, Any]:
        """What the HTTP API returns: everything but the patient reference."""
        return {
            "id": self.id,
            "created_utc": utc_timestamp(self.created_utc),
            "request": self.request.model_dump(
                mode="json", exclude={"patient": {"patient_reference"}}),
            "response": self.response.model_dump(mode="json"),
            "model": self.model,
            "versions": self.versions,
            "solver": {"name": self.solver_name, "version": self.solver_version},
        }


def _request_without_reference(request: RecommendationRequest) -> dict[str, Any]:
    data = request.model_dump(mode="json")
    patient = data.get("patient")
    if isinstance(patient, dict):
        patient.pop("patient_reference", None)
    return data


#: Every record id is ``uuid4().hex``; anything else cannot name a stored record.
_RECORD_ID = re.compile(r"[0-9a-f]{32}")


def _checked_reference(reference: str | None) -> str | None:
    """The patient reference, refused when it holds a NUL character (PostgreSQL text cannot
    store one; refused on every database so the audit trail behaves the same everywhere)."""
    if reference is not None and "\x00" in reference:
        raise InputError("patient.patient_reference", "(text withheld: contains a NUL character)",
                         "text without NUL (\\u0000) characters, at most 200 characters")
    return reference


#: Most rows one group commit writes (modelling choice: bounds one transaction's size; a
#: burst larger than this is written in several commits).
_MAX_GROUP_ROWS = 256


class _GroupWriter:
    """Group commit for one engine: the first caller to find no commit running becomes the
    leader and writes every row queued at that moment in one transaction, again and again
    until the queue is empty; the others wait for their row's future. No thread of its own:
    a lone request commits its own row with no hand-over, and concurrent ones share commits.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.pid = os.getpid()
        self.lock = threading.Lock()
        self.pending: list[tuple[dict[str, Any], Future[None]]] = []
        self.committing = False

    def store(self, row: dict[str, Any]) -> None:
        """Return once ``row`` is committed; raise the database's error if it was not."""
        done: Future[None] = Future()
        with self.lock:
            self.pending.append((row, done))
            lead = not self.committing
            self.committing = True
        if lead:
            self._drain()
        done.result()

    def _drain(self) -> None:
        while True:
            with self.lock:
                group = self.pending[:_MAX_GROUP_ROWS]
                del self.pending[:_MAX_GROUP_ROWS]
                if not group:
                    self.committing = False
                    return
            self._write(group)

    def _write(self, group: list[tuple[dict[str, Any], Future[None]]]) -> None:
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(RecommendationRecord), [row for row, _ in group])
        except Exception as exc:  # handed to the waiting caller, which raises it
            if len(group) == 1:
                group[0][1].set_exception(exc)
                return
            for item in group:  # one failing row must not fail the others
                self._write([item])
            return
        for _, done in group:
            done.set_result(None)


_WRITERS: dict[int, _GroupWriter] = {}
_WRITERS_LOCK = threading.Lock()


def _writer(engine: Engine) -> _GroupWriter:
    with _WRITERS_LOCK:
        writer = _WRITERS.get(id(engine))
        # a forked child starts afresh: a commit running in the parent at fork time never ends
        if writer is None or writer.engine is not engine or writer.pid != os.getpid():
            writer = _GroupWriter(engine)
            _WRITERS[id(engine)] = writer
        return writer


def store_recommendation(request: RecommendationRequest, response: RecommendationPublic,
                         engine: Engine | None = None) -> str:
    """Store one answered request as a new audit record and return its id.

    Returns once the record is committed (group commit, see the module doc). The stored
    response carries the same id. ``engine`` defaults to the settings' database.
    Raises :class:`InputError` for a patient reference holding a NUL character, and the
    database's :class:`sqlalchemy.exc.SQLAlchemyError` when the record could not be stored.
    """
    reference = _checked_reference(request.patient.patient_reference)
    record_id = uuid.uuid4().hex
    stored_response = response.model_copy(update={"id": record_id})
    row = dict(
        id=record_id,
        created_utc=datetime.now(UTC),
        request_json=json.dumps(_request_without_reference(request), sort_keys=True),
        response_json=stored_response.model_dump_json(),
        model_json=json.dumps(response.model, sort_keys=True),
        versions_json=json.dumps(package_versions(), sort_keys=True),
        solver_name=response.solver.name,
        solver_version=response.solver.version,
        patient_reference=reference,
    )
    _writer(engine or get_engine()).store(row)
    log.info("stored recommendation record %s (status %s)", record_id, response.status)
    return record_id


def _read(row: RecommendationRecord) -> StoredRecommendation:
    created = row.created_utc
    if created.tzinfo is None:  # SQLite keeps no offset; every stored time is UTC
        created = created.replace(tzinfo=UTC)
    return StoredRecommendation(
        id=row.id, created_utc=created,
        request=RecommendationRequest.model_validate_json(row.request_json),
        response=RecommendationPublic.model_validate_json(row.response_json),
        model=json.loads(row.model_json), versions=json.loads(row.versions_json),
        solver_name=row.solver_name, solver_version=row.solver_version,
        patient_reference=row.patient_reference)


def get_recommendation(record_id: str, engine: Engine | None = None) -> StoredRecommendation | None:
    """The stored record with this id, or ``None`` when there is none (or the id is not
    32 hex digits, such as text PostgreSQL could not even compare)."""
    if _RECORD_ID.fullmatch(record_id) is None:
        return None
    with Session(engine or get_engine()) as session:
        row = session.get(RecommendationRecord, record_id)
        return None if row is None else _read(row)
