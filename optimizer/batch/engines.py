"""Where a batch's chunks run: a local process pool or a Dask cluster.

Both take chunks from an iterator that yields a list of tasks to submit, an empty list for
"nothing to submit now, ask again soon" (other runners hold the remaining claims) and ends when
the batch has no more work for this run. Both yield each finished :class:`ChunkResult`; the
local pool also yields an empty one every ``tick_s`` seconds while it waits, so the caller can
renew its claims.

``local`` uses ``concurrent.futures`` with the ``forkserver`` start method: safe from a
multi-threaded parent such as the HTTP service, and each worker starts from a process that has
already imported the answering code (services, fast path, numpy; not the database layer).
Every worker watches the process that started the pool and exits when it is gone — also
after ``SIGKILL``, which runs no clean-up code in the parent.
Pyomo is not thread-safe: work is spread over processes, one chunk at a time each (Dask local
workers get one thread each).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, Literal

from optimizer.batch.chunks import Answer, ChunkResult, Task, run_chunk

__all__ = ["BatchEngine", "PARENT_POLL_S", "dask_results", "local_results"]

BatchEngine = Literal["local", "dask"]
Chunks = Iterator[list[Task]]

#: How often a pool worker checks that the process that started it is alive (modelling choice:
#: a lost worker lingers at most this long; the check is one system call).
PARENT_POLL_S = 1.0


def _parent_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # the pid now belongs to someone else's process
        return False
    return True


def _watch_parent(pid: int) -> None:
    """Pool worker initializer: end this process when process ``pid`` has ended."""
    def watch() -> None:
        while _parent_alive(pid):
            time.sleep(PARENT_POLL_S)
        os._exit(1)

    threading.Thread(target=watch, name="doseopt-parent-watch", daemon=True).start()


def local_results(chunks: Chunks, workers: int, answer: Answer | None,
                  stop: threading.Event | None, tick_s: float) -> Iterator[ChunkResult]:
    """Run ``chunks`` on a pool of ``workers`` processes; at most ``4 × workers`` in flight."""
    import concurrent.futures as cf
    import multiprocessing as mp

    method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
    ctx = mp.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload(["optimizer.batch.chunks",
                                    "optimizer.services.recommendation"])
    window = 4 * workers
    pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx,
                                  initializer=_watch_parent, initargs=(os.getpid(),))
    inflight: set[cf.Future[ChunkResult]] = set()
    exhausted = False
    try:
        while True:
            idle = False
            while not exhausted and len(inflight) < window and not _stopped(stop):
                chunk = next(chunks, None)
                if chunk is None:
                    exhausted = True
                elif not chunk:
                    idle = True
                    break
                else:
                    inflight.add(pool.submit(run_chunk, chunk, answer))
            if _stopped(stop) or (exhausted and not inflight):
                return
            if not inflight:
                time.sleep(tick_s if idle else 0)
                yield ChunkResult(rows=[], worker_ms=0.0)
                continue
            finished, inflight = cf.wait(inflight, timeout=tick_s,
                                         return_when=cf.FIRST_COMPLETED)
            if not finished:
                yield ChunkResult(rows=[], worker_ms=0.0)
            for fut in finished:
                yield fut.result()
    finally:
        # Never wait for chunks nobody will store (a stop, a database fault).
        pool.shutdown(wait=False, cancel_futures=True)


def _stopped(stop: threading.Event | None) -> bool:
    return stop is not None and stop.is_set()


def dask_results(chunks: Chunks, workers: int, scheduler: str | None, answer: Answer | None,
                 stop: threading.Event | None, tick_s: float) -> Iterator[ChunkResult]:
    """Run ``chunks`` on a Dask ``LocalCluster`` of ``workers`` processes, or on the existing
    cluster at ``scheduler``."""
    import importlib

    dd: Any = importlib.import_module("distributed")  # untyped library
    cluster = None
    if scheduler:
        client = dd.Client(scheduler)
    else:
        # Workers import the domain (Pyomo, HiGHS: ~1 s) while the cluster starts, in parallel.
        cluster = dd.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                  dashboard_address=None,
                                  preload=["optimizer.batch.chunks"])
        client = dd.Client(cluster)
    try:
        window = 4 * max(workers, len(client.scheduler_info().get("workers", {})), 1)
        queue = dd.as_completed([])
        submit: Callable[[list[Task]], Any] = lambda c: client.submit(  # noqa: E731
            run_chunk, c, answer, pure=False)
        pending = 0
        while True:
            chunk: list[Task] | None = []
            while pending < window and not _stopped(stop):
                chunk = next(chunks, None)
                if chunk is None or not chunk:
                    break
                queue.add(submit(chunk))
                pending += 1
            if pending == 0:
                if chunk is None or _stopped(stop):
                    return
                time.sleep(tick_s)
                yield ChunkResult(rows=[], worker_ms=0.0)
                continue
            fut = next(queue)
            pending -= 1
            yield fut.result()
            if _stopped(stop):
                return
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
