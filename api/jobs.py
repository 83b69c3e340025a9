"""The service's batch jobs: one background thread takes submitted batches from a queue, one
at a time, validates a new submission, then runs it on worker processes
(:mod:`optimizer.batch.runner`), so no Pyomo work runs in the server's own threads.

One :class:`BatchJobs` per application, created in the lifespan and held on ``app.state``; a
route reaches it through :data:`JobsDep`. Each batch has its own stop event: cancelling a batch
stops its run after the chunks in flight, and shutting the service down stops every run the
same way (finished results are stored, the batch is resumable).
"""

from __future__ import annotations

import atexit
import logging
import queue
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from sqlalchemy.exc import SQLAlchemyError

from optimizer.batch.runner import RunOptions, run_stored_batch, store_error
from optimizer.batch.submission import expand_submission
from optimizer.errors import InputError, StoreError
from optimizer.schemas.validation import shown
from optimizer.settings import Settings, get_settings
from optimizer.storage.batch_submissions import fill_batch, mark_invalid
from optimizer.storage.batches import (
    BatchStatus,
    get_batch,
    mark_interrupted,
    mark_unfinished_interrupted,
)
from optimizer.storage.engine import get_engine

__all__ = ["BatchJobs", "JobsDep", "lifespan"]

log = logging.getLogger("doseopt.api")


@dataclass(frozen=True)
class _Job:
    batch_id: str
    settings: Settings


class BatchJobs:
    """A queue of batches and the thread that runs them, one after another."""

    def __init__(self) -> None:
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._stops: dict[str, threading.Event] = {}
        self._closing = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        # A process that exits without the lifespan's shutdown (a script, a test client used
        # without ``with``) still stops the job thread first, not in the middle of C code.
        atexit.register(self.shutdown, 10.0)

    def submit(self, batch_id: str, settings: Settings) -> bool:
        """Queue a batch; False when it is already queued or running here."""
        with self._lock:
            if batch_id in self._stops or self._closing.is_set():
                return False
            self._stops[batch_id] = threading.Event()
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="doseopt-batches",
                                                daemon=True)
                self._thread.start()
        self._jobs.put(_Job(batch_id, settings))
        return True

    def cancel(self, batch_id: str) -> None:
        """Stop the batch's run (if queued or running here) after its chunks in flight."""
        with self._lock:
            stop = self._stops.get(batch_id)
        if stop is not None:
            stop.set()

    def shutdown(self, timeout_s: float = 30.0) -> None:
        """Stop every run; wait up to ``timeout_s`` for the current one to store its results.
        Safe to call more than once."""
        if self._closing.is_set() and (self._thread is None or not self._thread.is_alive()):
            return
        self._closing.set()
        with self._lock:
            for stop in self._stops.values():
                stop.set()
        self._jobs.put(None)
        if self._thread is not None:
            self._thread.join(timeout_s)

    def _loop(self) -> None:
        while (job := self._jobs.get()) is not None:
            with self._lock:
                stop = self._stops[job.batch_id]
            try:
                if not stop.is_set():
                    self._run(job, stop)
            except StoreError as exc:
                log.error("batch %s stopped: %s", job.batch_id, exc)
            except Exception as exc:  # noqa: BLE001 - the batch stays resumable
                log.error("batch %s stopped: %s", job.batch_id, type(exc).__name__)
            finally:
                with self._lock:
                    self._stops.pop(job.batch_id, None)

    def _run(self, job: _Job, stop: threading.Event) -> None:
        engine = get_engine(job.settings.database_url)
        try:
            info = get_batch(engine, job.batch_id)
            if info is None or info.status in (BatchStatus.CANCELLED, BatchStatus.DONE,
                                               BatchStatus.INVALID):
                return
            submitted = info.submitted
            if submitted is not None:
                try:
                    scenarios = expand_submission(submitted.get("files", []),
                                                  submitted.get("scenarios", []), stop.is_set)
                except InputError as exc:
                    mark_invalid(engine, info, _problem(exc))
                    return
                if scenarios is None:  # stopped while validating: resumable as it is
                    mark_interrupted(engine, job.batch_id)
                    return
                fill_batch(engine, info, scenarios)
        except SQLAlchemyError as exc:
            raise store_error(engine, exc) from None
        if stop.is_set():
            return
        settings = job.settings
        run_stored_batch(job.batch_id, RunOptions(
            workers=settings.workers or None, engine="dask" if settings.scheduler else "local",
            scheduler=settings.scheduler, stop=stop, claim_lease_s=settings.batch_claim_lease_s),
            database_url=settings.database_url)


def _problem(exc: InputError) -> dict[str, object]:
    value = shown(exc.value)
    return {"field": exc.field, "value": value, "allowed": exc.allowed,
            "message": f"{exc.field}: not allowed; allowed: {exc.allowed}"}


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """At start: batches left unfinished by an earlier process become ``interrupted``; the
    job queue starts. At shutdown: every run stops after its chunks in flight (resumable)."""
    jobs = BatchJobs()
    app.state.batch_jobs = jobs
    try:
        ids = mark_unfinished_interrupted(get_engine(get_settings().database_url))
        if ids:
            log.warning("%d unfinished batch(es) marked interrupted; resume them with "
                        "POST /v1/batches/{id}/resume", len(ids))
    except SQLAlchemyError as exc:
        log.error("could not check unfinished batches: %s", type(exc).__name__)
    yield
    jobs.shutdown()


def _jobs(request: Request) -> BatchJobs:
    jobs = getattr(request.app.state, "batch_jobs", None)
    if not isinstance(jobs, BatchJobs):  # an app served without its lifespan
        jobs = BatchJobs()
        request.app.state.batch_jobs = jobs
    return jobs


JobsDep = Annotated[BatchJobs, Depends(_jobs)]
