"""Batches over HTTP: submit many scenarios, follow the job, stream its results.

``POST /v1/batches`` validates every scenario (inline, or files under ``scenarios/``), stores
the batch and returns its id at once (202); one background thread runs queued batches one
after another, each on worker processes (:mod:`optimizer.batch.runner`), so no Pyomo work runs in
the
server's own threads. State lives in the database: when the service starts, a batch left
pending or running by a previous process is marked ``interrupted``, and
``POST /v1/batches/{id}/resume`` runs what it still lacks.

Limits: at most :data:`MAX_SCENARIOS_PER_BATCH` scenarios per batch (after grid expansion)
and :data:`MAX_FILES` file references per request; larger requests get a 422 naming the limit.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
import queue
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, HTTPException, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import SQLAlchemyError

from api.deps import SettingsDep
from optimizer.batch.export import as_utc
from optimizer.batch.grid import Scenario, expand_document, expand_file
from optimizer.batch.runner import run_stored_batch
from optimizer.errors import InputError, ScenarioError
from optimizer.settings import Settings, get_settings
from optimizer.storage.batches import (
    BatchInfo,
    create_batch,
    flat_columns,
    flat_row,
    get_batch,
    iter_results,
    jsonl_line,
    mark_unfinished_interrupted,
    set_status,
)
from optimizer.storage.engine import get_engine

__all__ = ["MAX_FILES", "MAX_SCENARIOS_PER_BATCH", "SCENARIOS_DIR", "lifespan", "router"]

log = logging.getLogger("doseopt.api")

#: Largest batch accepted over HTTP, after grid expansion (modelling choice: about 3-5 minutes
#: of work on two cores and ~300 MB of stored results; larger runs belong to ``doseopt batch``).
MAX_SCENARIOS_PER_BATCH = 100_000
#: Most file references in one request.
MAX_FILES = 100
#: The only folder whose files a request may name.
SCENARIOS_DIR = Path(__file__).resolve().parents[2] / "scenarios"


class BatchCreate(BaseModel):
    """Scenarios inline (each ``{"kind": ..., request fields..., "grid": {...}?}``) and/or
    file names under ``scenarios/``; at least one scenario in all."""

    scenarios: list[dict[str, Any]] = Field(
        default_factory=list, max_length=MAX_SCENARIOS_PER_BATCH,
        description="Inline scenarios: kind (recommendation or comparison), the request's "
                    "fields, optionally a grid of dotted field paths to lists of values.")
    files: list[str] = Field(
        default_factory=list, max_length=MAX_FILES,
        description="Scenario file names under scenarios/, e.g. grid-weights-thresholds.toml.")


class BatchPublic(BaseModel):
    id: str
    status: Literal["pending", "running", "done", "interrupted"]
    total: int = Field(description="Scenarios in the batch (each distinct question once).")
    done: int = Field(description="Scenarios answered.")
    failed: int = Field(description="Scenarios that raised; their errors are in the results.")
    pending: int = Field(description="Scenarios without a result yet.")
    runs: int = Field(description="Runs so far (a resumed batch has more than one).")
    created: datetime
    updated: datetime
    results_url: str


def _public(info: BatchInfo) -> BatchPublic:
    return BatchPublic(id=info.id, status=info.status,
                       total=info.total, done=info.done, failed=info.failed,
                       pending=info.pending, runs=info.runs,
                       created=as_utc(info.created), updated=as_utc(info.updated),
                       results_url=f"/v1/batches/{info.id}/results")


class _JobRunner:
    """One background thread running queued batches, one at a time, on worker processes."""

    def __init__(self) -> None:
        self.jobs: queue.Queue[tuple[str, Settings] | None] = queue.Queue()
        self.stop = threading.Event()
        self.active: set[str] = set()
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None

    def submit(self, batch_id: str, settings: Settings) -> bool:
        with self.lock:
            if batch_id in self.active:
                return False
            self.active.add(batch_id)
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._loop, name="doseopt-batches",
                                               daemon=True)
                self.thread.start()
        self.jobs.put((batch_id, settings))
        return True

    def _loop(self) -> None:
        while (job := self.jobs.get()) is not None:
            batch_id, settings = job
            try:
                if not self.stop.is_set():
                    run_stored_batch(batch_id, database_url=settings.database_url,
                                     workers=settings.workers or None,
                                     engine="dask" if settings.scheduler else "local",
                                     scheduler=settings.scheduler, stop=self.stop)
            except Exception as exc:  # noqa: BLE001 - the batch is marked interrupted
                log.error("batch %s stopped: %s", batch_id, type(exc).__name__)
            finally:
                with self.lock:
                    self.active.discard(batch_id)

    def shutdown(self, timeout_s: float = 30.0) -> None:
        self.stop.set()
        self.jobs.put(None)
        if self.thread is not None:
            self.thread.join(timeout_s)


_runner = _JobRunner()


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    """At start: batches left unfinished by an earlier process become ``interrupted``.
    At shutdown: the running batch stops after its current chunks, and is resumable."""
    global _runner
    _runner = _JobRunner()
    try:
        ids = mark_unfinished_interrupted(get_engine(get_settings().database_url))
        if ids:
            log.warning("%d unfinished batch(es) marked interrupted; resume them with "
                        "POST /v1/batches/{id}/resume", len(ids))
    except SQLAlchemyError as exc:
        log.error("could not check unfinished batches: %s", type(exc).__name__)
    yield
    _runner.shutdown()


router = APIRouter(tags=["batches"], lifespan=lifespan)

_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No batch with this id."},
    409: {"description": "The batch is already finished or running."},
    422: {"description": "A scenario, file name or limit is not allowed: names the field, "
                         "value and what is allowed."}}


def _not_found(batch_id: str) -> HTTPException:
    return HTTPException(status_code=404, detail=[{
        "field": "id", "value": batch_id, "allowed": "the id of a submitted batch",
        "message": f"No batch with id {batch_id!r}."}])


def _scenario_file(index: int, name: str) -> Path:
    allowed = ("a .toml file name under scenarios/ (e.g. grid-weights-thresholds.toml); "
               "no absolute paths or '..'")
    base = SCENARIOS_DIR.resolve()
    candidate = (base / name).resolve()
    if (not name or Path(name).is_absolute() or ".." in Path(name).parts
            or not candidate.is_relative_to(base) or candidate.suffix != ".toml"
            or not candidate.is_file()):
        raise InputError(f"files[{index}]", name, allowed)
    return candidate


def _grid_size(item: dict[str, Any]) -> int:
    grid = item.get("grid")
    if isinstance(grid, dict):
        return math.prod(len(v) if isinstance(v, list) else 1 for v in grid.values())
    return 1


def _too_many(count: int) -> InputError:
    return InputError("scenarios", f"{count} scenarios",
                      f"at most {MAX_SCENARIOS_PER_BATCH:,} scenarios per batch "
                      "(split the batch, or run it with doseopt batch)")


def _expand(body: BatchCreate) -> list[Scenario]:
    """Every scenario of the request, validated; the limit checked before expanding."""
    paths = [_scenario_file(i, name) for i, name in enumerate(body.files)]
    if sum(_grid_size(item) for item in body.scenarios) > MAX_SCENARIOS_PER_BATCH:
        raise _too_many(sum(_grid_size(item) for item in body.scenarios))
    found: list[Scenario] = []
    for i, item in enumerate(body.scenarios):
        try:
            found.extend(expand_document(item, f"scenarios[{i}]"))
        except ScenarioError as exc:
            raise InputError(f"scenarios[{i}].{exc.field}", exc.value, exc.allowed) from exc
        if len(found) > MAX_SCENARIOS_PER_BATCH:
            raise _too_many(len(found))
    for path in paths:
        found.extend(expand_file(path))
        if len(found) > MAX_SCENARIOS_PER_BATCH:
            raise _too_many(len(found))
    unique = list({s.id: s for s in found}.values())
    if not unique:
        raise InputError("scenarios", [], "at least one scenario, inline or in files")
    return unique


@router.post("/v1/batches", status_code=202, response_model=BatchPublic, responses=_ERRORS)
def create(body: BatchCreate, settings: SettingsDep) -> BatchPublic:
    """Validate every scenario, store the batch and start it in the background; returns at
    once with the batch id. Follow it with ``GET /v1/batches/{id}``."""
    scenarios = _expand(body)
    batch_id = uuid.uuid4().hex
    source = json.dumps({"files": body.files, "inline": len(body.scenarios)})
    info = create_batch(get_engine(settings.database_url), batch_id, scenarios, source)
    _runner.submit(batch_id, settings)
    return _public(info)


@router.get("/v1/batches/{batch_id}", response_model=BatchPublic, responses=_ERRORS)
def status(batch_id: str, settings: SettingsDep) -> BatchPublic:
    """Status (pending, running, done, interrupted) and counts of a batch."""
    info = get_batch(get_engine(settings.database_url), batch_id)
    if info is None:
        raise _not_found(batch_id)
    return _public(info)


@router.post("/v1/batches/{batch_id}/resume", status_code=202, response_model=BatchPublic,
             responses=_ERRORS)
def resume(batch_id: str, settings: SettingsDep) -> BatchPublic:
    """Run the scenarios of an interrupted batch that have no result yet."""
    engine = get_engine(settings.database_url)
    info = get_batch(engine, batch_id)
    if info is None:
        raise _not_found(batch_id)
    if info.status in ("done", "pending", "running"):
        raise HTTPException(status_code=409, detail=[{
            "field": "status", "value": info.status, "allowed": "interrupted",
            "message": f"Batch {batch_id} is {info.status}; only an interrupted batch "
                       "can be resumed."}])
    set_status(engine, batch_id, "pending")
    _runner.submit(batch_id, settings)
    info = get_batch(engine, batch_id)
    assert info is not None  # it existed a moment ago; batches are never deleted
    return _public(info)


ResultFormat = Annotated[Literal["jsonl", "csv"], Query(
    description="jsonl (default): one JSON object per line with id, kind, status, error, "
                "solver_status, input, output, versions; csv: the same flattened to columns.")]


def _csv_lines(url: str, batch_id: str) -> Iterator[str]:
    engine = get_engine(url)
    columns = flat_columns(engine, batch_id)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    for row in iter_results(engine, batch_id):
        writer.writerow(flat_row(row))
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _jsonl_lines(url: str, batch_id: str) -> Iterator[str]:
    for row in iter_results(get_engine(url), batch_id):
        yield jsonl_line(row)


@router.get("/v1/batches/{batch_id}/results", responses={
    **_ERRORS, 200: {"description": "JSON Lines (one result per line) or CSV.",
                     "content": {"application/x-ndjson": {}, "text/csv": {}}}})
def results(batch_id: str, settings: SettingsDep,
            format: ResultFormat = "jsonl") -> StreamingResponse:
    """Stream the finished scenarios of a batch (so far, if it is still running)."""
    if get_batch(get_engine(settings.database_url), batch_id) is None:
        raise _not_found(batch_id)
    if format == "csv":
        return StreamingResponse(_csv_lines(settings.database_url, batch_id),
                                 media_type="text/csv")
    return StreamingResponse(_jsonl_lines(settings.database_url, batch_id),
                             media_type="application/x-ndjson")
