"""The batch runner: many scenarios through the same domain functions as the API.

Flow: files -> :mod:`optimizer.batch.grid` (expand and validate all, before any work) -> the batch
and one pending row per scenario in the store (:mod:`optimizer.storage.batches`) -> chunks of
pending scenarios to worker processes -> results written in transactions of many rows as
chunks complete -> the ``--out`` file written from the store at the end.

Engines: ``local`` (default) is a process pool (``concurrent.futures`` with the
``forkserver`` start method: safe from a multi-threaded parent such as the HTTP service, and
each worker starts from a process that has already imported Pyomo and HiGHS); ``dask`` runs
the same chunks on Dask distributed, either a ``LocalCluster`` of ``workers`` processes or an
existing cluster at ``scheduler``. Pyomo is not thread-safe: work is spread over processes,
each running one chunk at a time (Dask local workers get one thread each).

A scenario that raises is stored as ``failed`` with its error; the batch goes on. A batch's id
is the hash of its scenario ids, so rerunning the same command resumes it: finished scenarios
are skipped and a result is written only into a still-pending row.
"""

from __future__ import annotations

import json
import math
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal, Protocol

from pydantic import BaseModel

from optimizer.batch.grid import Scenario, batch_id_of, request_model, service_function
from optimizer.storage.batches import (
    ResultRow,
    create_batch,
    get_batch,
    mark_interrupted,
    pending_scenarios,
    set_status,
    write_results,
)
from optimizer.versions import PACKAGES, package_versions

__all__ = [
    "PACKAGES",
    "Answer",
    "BatchSummary",
    "ChunkResult",
    "Engine",
    "Progress",
    "run_batch",
    "run_chunk",
    "run_stored_batch",
    "default_workers",
    "versions",
]

Engine = Literal["local", "dask"]
#: ``answer(kind, request) -> response``; default: the service function of the kind.
Answer = Callable[[str, BaseModel], BaseModel]
Task = tuple[str, str, str]  # (scenario id, kind, request JSON)

#: Rows per database transaction, and the longest wait before a partial flush (seconds).
FLUSH_ROWS = 500
FLUSH_SECONDS = 0.5
#: Largest chunk sent to a worker (modelling choice: ~0.2 s of work, keeps progress lively).
MAX_CHUNK = 100


@lru_cache(maxsize=1)
def versions() -> str:
    """JSON of the installed versions of :data:`PACKAGES` in this (worker) process."""
    return json.dumps(package_versions(), sort_keys=True, separators=(",", ":"))


def _default_answer(kind: str, request: BaseModel) -> BaseModel:
    return service_function(kind)(request)


@dataclass(frozen=True)
class ChunkResult:
    rows: list[ResultRow]
    worker_ms: float
    timings_ms: dict[str, float] = field(default_factory=dict)


def _solver_status(out: dict[str, Any]) -> str | None:
    solver = out.get("solver")
    if isinstance(solver, dict) and isinstance(solver.get("status"), str):
        return str(solver["status"])
    status = out.get("status")
    return status if isinstance(status, str) else None


def run_chunk(tasks: Sequence[Task], answer: Answer | None = None) -> ChunkResult:
    """Answer each task in this process; a scenario that raises is returned as failed."""
    start = time.perf_counter()
    fn = answer or _default_answer
    rows: list[ResultRow] = []
    timings: dict[str, float] = {"validate": 0.0, "answer": 0.0, "serialise": 0.0}
    for scenario_id, kind, request_json in tasks:
        t0 = time.perf_counter()
        try:
            request = request_model(kind).model_validate_json(request_json)
            t1 = time.perf_counter()
            out = fn(kind, request)
            t2 = time.perf_counter()
            data = out.model_dump(mode="json")
            for key, value in (data.get("timings_ms") or {}).items():
                timings[f"domain.{key}"] = timings.get(f"domain.{key}", 0.0) + float(value)
            rows.append(ResultRow(scenario_id, "done", json.dumps(data, separators=(",", ":")),
                                  None, _solver_status(data), versions()))
            timings["validate"] += (t1 - t0) * 1e3
            timings["answer"] += (t2 - t1) * 1e3
            timings["serialise"] += (time.perf_counter() - t2) * 1e3
        except Exception as exc:  # noqa: BLE001 - any failure is stored, the batch goes on
            rows.append(ResultRow(scenario_id, "failed", None, f"{type(exc).__name__}: {exc}",
                                  None, versions()))
    return ChunkResult(rows=rows, worker_ms=(time.perf_counter() - start) * 1e3,
                       timings_ms=timings)


class Progress(Protocol):
    """Receives the batch size, then every finished chunk's rows (e.g. a progress bar)."""

    def start(self, total: int, finished: int) -> None: ...

    def advance(self, rows: Sequence[ResultRow]) -> None: ...


@dataclass(frozen=True)
class BatchSummary:
    """What a run did. ``skipped`` were finished by an earlier run of the same batch."""

    batch_id: str
    status: str
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

    @property
    def rate_per_s(self) -> float:
        return self.ran / self.elapsed_s if self.elapsed_s > 0 else 0.0


def _chunks(tasks: Sequence[Task], size: int) -> list[list[Task]]:
    return [list(tasks[i:i + size]) for i in range(0, len(tasks), size)]


def _local_results(chunks: list[list[Task]], workers: int, answer: Answer | None,
                   stop: threading.Event | None) -> Iterator[ChunkResult]:
    import concurrent.futures as cf
    import multiprocessing as mp

    method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
    ctx = mp.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload(["optimizer.batch.runner", "optimizer.services.recommendation"])
    window = 4 * workers
    todo = iter(chunks)
    with cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        inflight: set[cf.Future[ChunkResult]] = set()
        try:
            while True:
                while len(inflight) < window and (chunk := next(todo, None)) is not None:
                    inflight.add(pool.submit(run_chunk, chunk, answer))
                if not inflight or (stop is not None and stop.is_set()):
                    return
                finished, inflight = cf.wait(inflight, return_when=cf.FIRST_COMPLETED)
                for fut in finished:
                    yield fut.result()
        finally:
            for fut in inflight:
                fut.cancel()


def _dask_results(chunks: list[list[Task]], workers: int, scheduler: str | None,
                  answer: Answer | None, stop: threading.Event | None) -> Iterator[ChunkResult]:
    import importlib

    dd: Any = importlib.import_module("distributed")  # untyped library
    cluster = None
    if scheduler:
        client = dd.Client(scheduler)
    else:
        # Workers import the domain (Pyomo, HiGHS: ~1 s) while the cluster starts, in parallel.
        cluster = dd.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                  dashboard_address=None,
                                  preload=["optimizer.services.recommendation"])
        client = dd.Client(cluster)
    try:
        window = 4 * max(workers, len(client.scheduler_info().get("workers", {})), 1)
        todo = iter(chunks)
        first = [client.submit(run_chunk, c, answer, pure=False)
                 for c in (next(todo, None) for _ in range(window)) if c is not None]
        queue = dd.as_completed(first)
        for fut in queue:
            yield fut.result()
            if stop is not None and stop.is_set():
                return
            chunk = next(todo, None)
            if chunk is not None:
                queue.add(client.submit(run_chunk, chunk, answer, pure=False))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def default_workers(workers: int | None) -> int:
    if workers:
        return workers
    from optimizer.settings import get_settings

    return get_settings().workers or os.cpu_count() or 1


def run_batch(scenarios: Sequence[Scenario], *, database_url: str | None = None,
              source: str = "", batch_id: str | None = None,
              **options: Any) -> BatchSummary:
    """Store the batch (if new) and run what is still pending; see :func:`run_stored_batch`."""
    from optimizer.storage.engine import get_engine

    bid = batch_id or batch_id_of(scenarios)
    create_batch(get_engine(database_url), bid, scenarios, source)
    return run_stored_batch(bid, database_url=database_url, **options)


def run_stored_batch(batch_id: str, *, database_url: str | None = None,
                     workers: int | None = None, engine: Engine = "local",
                     scheduler: str | None = None, chunk_size: int | None = None,
                     progress: Progress | None = None, stop: threading.Event | None = None,
                     answer: Answer | None = None) -> BatchSummary:
    """Run every pending scenario of a stored batch; results are stored as chunks complete.

    Interrupted (Ctrl-C, ``stop`` set, a worker lost): what finished stays stored, the batch
    is marked ``interrupted`` and the next run resumes it.
    """
    from optimizer.storage.engine import get_engine

    db = get_engine(database_url)
    tasks = pending_scenarios(db, batch_id)
    n_workers = default_workers(workers)
    size = chunk_size or max(1, min(MAX_CHUNK, math.ceil(len(tasks) / (n_workers * 8))))
    chunks = _chunks(tasks, size)
    run = set_status(db, batch_id, "running", new_run=True)
    before = get_batch(db, batch_id)
    assert before is not None  # created above or by the caller; not user input
    start = time.perf_counter()
    stats = _Stats()
    results: Iterator[ChunkResult] = iter(())
    if chunks:
        results = (_dask_results(chunks, n_workers, scheduler, answer, stop)
                   if engine == "dask" or scheduler else
                   _local_results(chunks, n_workers, answer, stop))
    bar = progress or _NoProgress()
    bar.start(before.total, before.done + before.failed)
    try:
        stats.consume(results, lambda rows: write_results(db, batch_id, run, rows), bar)
    except BaseException:
        mark_interrupted(db, batch_id)
        raise
    finished = stats.ran == len(tasks)
    status = "done" if finished else "interrupted"
    set_status(db, batch_id, status)
    after = get_batch(db, batch_id)
    assert after is not None
    return BatchSummary(batch_id=batch_id, status=after.status, total=after.total,
                        done=after.done, failed=after.failed,
                        skipped=before.done + before.failed, ran=stats.ran,
                        elapsed_s=time.perf_counter() - start, worker_ms=stats.worker_ms,
                        write_ms=stats.write_ms, timings_ms=stats.timings_ms,
                        startup_s=(stats.first_at or start) - start)


class _Stats:
    """Collects chunk results, flushes them to the store in transactions of many rows."""

    def __init__(self) -> None:
        self.ran = 0
        self.worker_ms = 0.0
        self.write_ms = 0.0
        self.timings_ms: dict[str, float] = {}
        self.first_at: float | None = None

    def consume(self, results: Iterator[ChunkResult],
                write: Callable[[list[ResultRow]], None], bar: Progress) -> None:
        buffer: list[ResultRow] = []
        last_flush = time.perf_counter()
        try:
            for chunk in results:
                if self.first_at is None:
                    self.first_at = time.perf_counter() - chunk.worker_ms / 1e3
                buffer.extend(chunk.rows)
                self.worker_ms += chunk.worker_ms
                for key, value in chunk.timings_ms.items():
                    self.timings_ms[key] = self.timings_ms.get(key, 0.0) + value
                bar.advance(chunk.rows)
                if len(buffer) >= FLUSH_ROWS or time.perf_counter() - last_flush > FLUSH_SECONDS:
                    self._flush(buffer, write)
                    last_flush = time.perf_counter()
        finally:
            self._flush(buffer, write)

    def _flush(self, buffer: list[ResultRow], write: Callable[[list[ResultRow]], None]) -> None:
        if buffer:
            t0 = time.perf_counter()
            write(buffer)
            self.write_ms += (time.perf_counter() - t0) * 1e3
            self.ran += len(buffer)
            buffer.clear()


class _NoProgress:
    def start(self, total: int, finished: int) -> None:
        """Nothing to show."""

    def advance(self, rows: Sequence[ResultRow]) -> None:
        """Nothing to show."""
