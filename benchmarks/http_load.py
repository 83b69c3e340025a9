"""HTTP load for the benchmarks: start uvicorn, wait for it, drive it with keep-alive clients.

``trivial_app`` is the floor: a FastAPI endpoint that returns a fixed, recommendation-sized JSON
body without computing or storing anything, served the same way (one uvicorn worker).
A server that does not answer its health check in time stops the benchmark with its log.
"""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # the server launcher is shared with the tests (tests/)
    sys.path.insert(0, str(REPO))
from tests.live_server import (  # noqa: E402
    HISTORY,
    PATIENT,
    PLANTED,
    LiveServer,
    ServerDidNotStart,
    forbidden_in,
    live_server,
)

__all__ = ["HISTORY", "PATIENT", "PLANTED", "LiveServer", "Load", "Server", "ServerDidNotStart",
           "drive", "forbidden_in", "live_server"]


@dataclass(frozen=True)
class Load:
    clients: int
    seconds: float
    requests: int
    errors: int
    p50_ms: float
    p95_ms: float

    @property
    def per_s(self) -> float:
        return self.requests / self.seconds

    def line(self) -> str:
        return (f"{self.clients} client(s): {self.per_s:6.0f} req/s, p50 {self.p50_ms:6.1f} ms, "
                f"p95 {self.p95_ms:6.1f} ms, errors {self.errors}")


class Server(LiveServer):
    """``uvicorn <app>`` with a temporary database, its log at warning level; a context that
    raises :class:`ServerDidNotStart` (with the log's tail) when the app does not come up."""

    def __init__(self, app: str, health_path: str) -> None:
        super().__init__(app, health_path=health_path, log_level="warning",
                         extra_path=(REPO / "benchmarks",))


def drive(url: str, path: str, body: dict[str, object], clients: int, seconds: float) -> Load:
    """``clients`` keep-alive clients (threads) POSTing ``body`` for ``seconds``."""
    import httpx

    with httpx.Client(base_url=url) as c:  # warm-up
        for _ in range(20):
            c.post(path, json=body)
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def client() -> None:
        local, bad = [], 0
        with httpx.Client(base_url=url, timeout=30) as c:
            while time.perf_counter() < stop:
                t = time.perf_counter()
                r = c.post(path, json=body)
                local.append(time.perf_counter() - t)
                bad += r.status_code != 200
        with lock:
            latencies.extend(local)
            errors[0] += bad

    threads = [threading.Thread(target=client) for _ in range(clients)]
    begin = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - begin
    lat = np.array(latencies) * 1e3
    return Load(clients=clients, seconds=elapsed, requests=int(lat.size), errors=errors[0],
                p50_ms=float(np.percentile(lat, 50)), p95_ms=float(np.percentile(lat, 95)))
