"""The batch runner: many scenarios through the same domain functions as the API.

Flow: files -> :mod:`optimizer.batch.grid` (expand and validate all, before any work) -> the batch
and one pending row per scenario in the store (:mod:`optimizer.storage.batches`) -> the runner
claims chunks of scenarios (:mod:`optimizer.storage.batch_claims`) and sends them to worker
processes (:mod:`optimizer.batch.engines`) -> results written in transactions of many rows as
chunks complete -> the ``--out`` file written from the store at the end.

Several runners may work on one batch at once (two commands, or a command and the service):
each claims its own scenarios, so every scenario is computed once. A batch's id is the hash of
its scenario ids, so rerunning the same command resumes it: finished scenarios are skipped.

Faults: a database that cannot be written ends the run at once with :class:`StoreError`
(workers stopped, nothing more computed); a stop (``stop`` set, Ctrl-C, ``SIGTERM`` handled by
the caller) stores what finished, gives back the unfinished claims and marks the batch
``interrupted``.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError

from optimizer.batch.chunks import Answer, ChunkResult, Task
from optimizer.batch.engines import BatchEngine, dask_results, local_results
from optimizer.batch.grid import Scenario, batch_id_of
from optimizer.errors import StoreError
from optimizer.storage.batch_claims import (
    claim_scenarios,
    refresh_claims,
    release_claims,
    unfinished_claims,
)
from optimizer.storage.batches import (
    BatchStatus,
    ResultRow,
    create_batch,
    finish_run,
    get_batch,
    mark_interrupted,
    set_status,
    write_results,
)
from optimizer.storage.engine import get_engine

__all__ = ["BatchEngine", "BatchSummary", "Progress", "RunOptions", "default_workers",
           "run_batch", "run_stored_batch"]

#: Rows per database transaction, and the longest wait before a partial flush (seconds).
FLUSH_ROWS = 500
FLUSH_SECONDS = 0.5
#: Largest chunk sent to a worker (modelling choice: ~0.2 s of work, keeps progress lively).
MAX_CHUNK = 100
#: Seconds after which a claim that its runner stopped renewing may be taken over (modelling
#: choice: well above the longest chunk measured, ~3 s for 100 comparisons of 1,000 patients).
CLAIM_LEASE_S = 60.0


class Progress(Protocol):
    """Receives the batch size, then every finished chunk's rows (e.g. a progress bar)."""

    def start(self, total: int, finished: int) -> None: ...

    def advance(self, rows: Sequence[ResultRow]) -> None: ...


@dataclass(frozen=True)
class RunOptions:
    """How to run a batch. ``workers`` None: ``DOSEOPT_WORKERS`` or one per core;
    ``chunk_size`` None: automatic (at most :data:`MAX_CHUNK`)."""

    workers: int | None = None
    engine: BatchEngine = "local"
    scheduler: str | None = None
    chunk_size: int | None = None
    progress: Progress | None = None
    stop: threading.Event | None = None
    answer: Answer | None = None
    claim_lease_s: float = CLAIM_LEASE_S


@dataclass(frozen=True)
class BatchSummary:
    """What a run did. ``skipped`` were finished before it started; ``by_others`` were finished
    meanwhile by other runners of the same batch."""

    batch_id: str
    status: BatchStatus
    total: int
    done: int
    failed: int
    skipped: int
    ran: int
    elapsed_s: float
    worker_ms: float
    write_ms: float
    timings_ms: dict[str, float]
    #: Seconds from the start of the run to the first finished chunk (pool or cluster start).
    startup_s: float = 0.0
    by_others: int = 0

    @property
    def rate_per_s(self) -> float:
        return self.ran / self.elapsed_s if self.elapsed_s > 0 else 0.0


def default_workers(workers: int | None) -> int:
    if workers:
        return workers
    from optimizer.settings import get_settings

    return get_settings().workers or os.cpu_count() or 1


def shown_url(engine: Engine) -> str:
    """The database URL with its password hidden (for messages)."""
    return make_url(str(engine.url)).render_as_string(hide_password=True)


def store_error(engine: Engine, exc: SQLAlchemyError) -> StoreError:
    """A database fault as one line: the database and the driver's own words."""
    cause = str(getattr(exc, "orig", None) or exc).splitlines()[0]
    return StoreError(shown_url(engine), cause)


def _engine(database_url: str | None) -> Engine:
    """The store's engine; a database that cannot even be opened is a :class:`StoreError`."""
    try:
        return get_engine(database_url)
    except SQLAlchemyError as exc:
        cause = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        shown = make_url(database_url).render_as_string(hide_password=True) \
            if database_url else "(DOSEOPT_DATABASE_URL)"
        raise StoreError(shown, cause) from None


def run_batch(scenarios: Sequence[Scenario], options: RunOptions | None = None, *,
              database_url: str | None = None, source: str = "",
              batch_id: str | None = None) -> BatchSummary:
    """Store the batch (if new) and run what is still pending; see :func:`run_stored_batch`."""
    db = _engine(database_url)
    bid = batch_id or batch_id_of(scenarios)
    try:
        create_batch(db, bid, scenarios, source)
    except SQLAlchemyError as exc:
        raise store_error(db, exc) from None
    return run_stored_batch(bid, options, database_url=database_url)


def _claimed_chunks(db: Engine, batch_id: str, run: int, size: int, lease_s: float,
                    stop: threading.Event | None) -> Iterator[list[Task]]:
    """Chunks claimed for ``run``; ``[]`` while only other runners' claims remain (they may
    finish them, or their lease runs out and this run takes them over)."""
    while stop is None or not stop.is_set():
        chunk = claim_scenarios(db, batch_id, run, size, lease_s)
        if chunk is None:  # cancelled (or finished) meanwhile
            return
        if chunk:
            yield chunk
        elif unfinished_claims(db, batch_id, exclude_run=run) > 0:
            yield []
        else:
            return


def run_stored_batch(batch_id: str, options: RunOptions | None = None, *,
                     database_url: str | None = None) -> BatchSummary:
    """Run every unclaimed scenario of a stored batch; results are stored as chunks complete.

    Raises :class:`StoreError` when the database cannot be read or written (the run ends at
    once). Stopped (``options.stop`` set, Ctrl-C): what finished stays stored, the batch is
    marked ``interrupted`` and the next run resumes it.
    """
    opts = options or RunOptions()
    db = _engine(database_url)
    try:
        before = get_batch(db, batch_id)
        if before is None:
            raise KeyError(batch_id)
        run = set_status(db, batch_id, BatchStatus.RUNNING, new_run=True)
    except SQLAlchemyError as exc:
        raise store_error(db, exc) from None
    n_workers = default_workers(opts.workers)
    size = opts.chunk_size or max(1, min(MAX_CHUNK, math.ceil(before.pending / (n_workers * 8))))
    tick_s = min(1.0, opts.claim_lease_s / 4)
    chunks = _claimed_chunks(db, batch_id, run, size, opts.claim_lease_s, opts.stop)
    results = (dask_results(chunks, n_workers, opts.scheduler, opts.answer, opts.stop, tick_s)
               if opts.engine == "dask" or opts.scheduler else
               local_results(chunks, n_workers, opts.answer, opts.stop, tick_s))
    bar = opts.progress or _NoProgress()
    bar.start(before.total, before.done + before.failed)
    start = time.perf_counter()
    stats = _Stats(lambda rows: write_results(db, batch_id, run, rows),
                   lambda: refresh_claims(db, batch_id, run), tick_s)
    try:
        stats.consume(results, bar)
        if opts.stop is not None and opts.stop.is_set():
            _give_back(db, batch_id, run)
        status = finish_run(db, batch_id)
    except SQLAlchemyError as exc:
        _give_back(db, batch_id, run)
        raise store_error(db, exc) from None
    except BaseException:
        _give_back(db, batch_id, run)
        raise
    after = get_batch(db, batch_id)
    assert after is not None  # batches are never deleted
    skipped = before.done + before.failed
    return BatchSummary(batch_id=batch_id, status=status, total=after.total,
                        done=after.done, failed=after.failed, skipped=skipped, ran=stats.ran,
                        elapsed_s=time.perf_counter() - start, worker_ms=stats.worker_ms,
                        write_ms=stats.write_ms, timings_ms=stats.timings_ms,
                        startup_s=(stats.first_at or start) - start,
                        by_others=after.done + after.failed - skipped - stats.ran)


def _give_back(db: Engine, batch_id: str, run: int) -> None:
    """Best effort after a stop or a fault: unfinished claims back to pending, the batch marked
    interrupted. A database that refuses even this is left to the lease and to the service's
    start-up check."""
    try:
        release_claims(db, batch_id, run)
        mark_interrupted(db, batch_id)
    except SQLAlchemyError:
        pass


class _Stats:
    """Collects chunk results, flushes them to the store in transactions of many rows, and
    renews this run's claims while it waits."""

    def __init__(self, write: Callable[[list[ResultRow]], None],
                 renew: Callable[[], None], renew_every_s: float) -> None:
        self.write = write
        self.renew = renew
        self.renew_every_s = renew_every_s
        self.ran = 0
        self.worker_ms = 0.0
        self.write_ms = 0.0
        self.timings_ms: dict[str, float] = {}
        self.first_at: float | None = None

    def consume(self, results: Iterator[ChunkResult], bar: Progress) -> None:
        buffer: list[ResultRow] = []
        last_flush = last_renew = time.perf_counter()
        failed = True
        try:
            for chunk in results:
                if chunk.rows and self.first_at is None:
                    self.first_at = time.perf_counter() - chunk.worker_ms / 1e3
                buffer.extend(chunk.rows)
                self.worker_ms += chunk.worker_ms
                for key, value in chunk.timings_ms.items():
                    self.timings_ms[key] = self.timings_ms.get(key, 0.0) + value
                if chunk.rows:
                    bar.advance(chunk.rows)
                now = time.perf_counter()
                if len(buffer) >= FLUSH_ROWS or now - last_flush > FLUSH_SECONDS:
                    self._flush(buffer)
                    last_flush = now
                if now - last_renew > self.renew_every_s:
                    self.renew()
                    last_renew = now
            failed = False
        finally:
            if buffer:
                try:
                    self._flush(buffer)
                except SQLAlchemyError:
                    if not failed:
                        raise  # otherwise the first fault is the one to report

    def _flush(self, buffer: list[ResultRow]) -> None:
        if buffer:
            t0 = time.perf_counter()
            self.write(buffer)
            self.write_ms += (time.perf_counter() - t0) * 1e3
            self.ran += len(buffer)
            buffer.clear()


class _NoProgress:
    def start(self, total: int, finished: int) -> None:
        """Nothing to show."""

    def advance(self, rows: Sequence[ResultRow]) -> None:
        """Nothing to show."""
