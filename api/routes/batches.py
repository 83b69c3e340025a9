"""Batches over HTTP: submit many scenarios, follow the job, cancel it, stream its results.

``POST /v1/batches`` checks the file names and the scenario count, stores the batch and answers
202 at once; the job (:mod:`api.jobs`) validates every scenario (a refused batch becomes
``invalid``, its ``error`` naming the field, value and what is allowed) and runs it. State lives
in the database: a batch left unfinished by a previous process is ``interrupted``, and
``POST /v1/batches/{id}/resume`` runs what it still lacks.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import StreamingResponse

from api.deps import SettingsDep
from api.errors import error_responses
from api.jobs import JobsDep
from optimizer.batch.submission import check_submission
from optimizer.core.dates import as_utc
from optimizer.schemas.batch import BatchCreate, BatchProblemPublic, BatchPublic
from optimizer.storage.batch_export import csv_chunks, jsonl_line
from optimizer.storage.batch_submissions import cancel_batch, create_submitted
from optimizer.storage.batches import BatchInfo, BatchStatus, get_batch, iter_results, set_status
from optimizer.storage.engine import get_engine

__all__ = ["router"]

router = APIRouter(tags=["batches"])

_ERRORS = error_responses(400, 404, 409, 413, 422, d404="No batch with this id.",
                          d409="The batch is not in a state that allows this.")


def _public(info: BatchInfo) -> BatchPublic:
    error = info.error
    return BatchPublic(id=info.id, status=info.status.value,
                       total=info.total, done=info.done, failed=info.failed,
                       pending=info.pending, runs=info.runs, created=as_utc(info.created),
                       updated=as_utc(info.updated), results_url=f"/v1/batches/{info.id}/results",
                       error=None if error is None else BatchProblemPublic(**error))


def _not_found(batch_id: str) -> HTTPException:
    return HTTPException(status_code=404, detail=[{
        "field": "id", "value": batch_id, "allowed": "the id of a submitted batch",
        "message": "No batch with this id."}])


def _conflict(info: BatchInfo, allowed: str, action: str) -> HTTPException:
    return HTTPException(status_code=409, detail=[{
        "field": "status", "value": info.status.value, "allowed": allowed,
        "message": f"Batch {info.id} is {info.status.value}; only a batch that is {allowed} "
                   f"can be {action}."}])


def _existing(batch_id: str, settings: SettingsDep) -> BatchInfo:
    info = get_batch(get_engine(settings.database_url), batch_id)
    if info is None:
        raise _not_found(batch_id)
    return info


@router.post("/v1/batches", status_code=202, response_model=BatchPublic, responses=_ERRORS)
def create(body: BatchCreate, settings: SettingsDep, jobs: JobsDep) -> BatchPublic:
    """Check the file names and the scenario count, store the batch and answer at once with
    its id (status ``validating``); the job then validates every scenario and runs the batch.
    Follow it with ``GET /v1/batches/{id}``."""
    check_submission(body.files, body.scenarios)
    info = create_submitted(get_engine(settings.database_url), uuid.uuid4().hex, body.files,
                            body.scenarios)
    jobs.submit(info.id, settings)
    return _public(info)


@router.get("/v1/batches/{batch_id}", response_model=BatchPublic, responses=_ERRORS)
def status(batch_id: str, settings: SettingsDep) -> BatchPublic:
    """Status (validating, invalid, pending, running, done, interrupted, cancelled) and
    counts of a batch."""
    return _public(_existing(batch_id, settings))


@router.post("/v1/batches/{batch_id}/resume", status_code=202, response_model=BatchPublic,
             responses=_ERRORS)
def resume(batch_id: str, settings: SettingsDep, jobs: JobsDep) -> BatchPublic:
    """Run the scenarios of an interrupted or cancelled batch that have no result yet."""
    info = _existing(batch_id, settings)
    if info.status not in (BatchStatus.INTERRUPTED, BatchStatus.CANCELLED):
        raise _conflict(info, "interrupted or cancelled", "resumed")
    engine = get_engine(settings.database_url)
    if info.submitted is None:  # validated already: ready to run
        set_status(engine, batch_id, BatchStatus.PENDING)
    jobs.submit(batch_id, settings)
    return _public(_existing(batch_id, settings))


@router.post("/v1/batches/{batch_id}/cancel", status_code=202, response_model=BatchPublic,
             responses=_ERRORS)
def cancel(batch_id: str, settings: SettingsDep, jobs: JobsDep) -> BatchPublic:
    """Cancel a batch: no new scenario starts, the ones in flight are stored; the batch is
    ``cancelled`` and can be resumed. Works for batches run by ``doseopt batch`` too."""
    info = _existing(batch_id, settings)
    if info.status in (BatchStatus.DONE, BatchStatus.INVALID, BatchStatus.CANCELLED):
        raise _conflict(info, "validating, pending, running or interrupted", "cancelled")
    after = cancel_batch(get_engine(settings.database_url), batch_id)
    jobs.cancel(batch_id)
    return _public(after or info)


ResultFormat = Annotated[Literal["jsonl", "csv"], Query(
    description="jsonl (default): one JSON object per line with id, kind, status, error, "
                "solver_status, input, output, versions; csv: the same flattened to columns.")]
IncludeReferences = Annotated[bool, Query(
    description="Keep patient.patient_reference in the inputs (left out by default).")]


def _jsonl_lines(url: str, batch_id: str, include_references: bool) -> Iterator[str]:
    for row in iter_results(get_engine(url), batch_id):
        yield jsonl_line(row, include_references=include_references)


@router.get("/v1/batches/{batch_id}/results", responses={
    **_ERRORS, 200: {"description": "JSON Lines (one result per line) or CSV.",
                     "content": {"application/x-ndjson": {}, "text/csv": {}}}})
def results(batch_id: str, settings: SettingsDep, format: ResultFormat = "jsonl",
            include_references: IncludeReferences = False) -> StreamingResponse:
    """Stream the finished scenarios of a batch (so far, if it is still running)."""
    _existing(batch_id, settings)
    if format == "csv":
        return StreamingResponse(csv_chunks(get_engine(settings.database_url), batch_id,
                                            include_references=include_references),
                                 media_type="text/csv")
    return StreamingResponse(_jsonl_lines(settings.database_url, batch_id, include_references),
                             media_type="application/x-ndjson")
