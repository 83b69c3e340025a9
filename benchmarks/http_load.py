"""HTTP load for the benchmarks: start uvicorn, wait for it, drive it with keep-alive clients.

``trivial_app`` is the floor: a FastAPI endpoint that returns a fixed, recommendation-sized JSON
body without computing or storing anything, served the same way (one uvicorn worker).
A server that does not answer its health check in time stops the benchmark with its log.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 60.0


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


class ServerDidNotStart(SystemExit):
    """The server under test never answered its health check (message carries its log)."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``uvicorn <app>`` on a free loopback port, with a temporary database; a context."""

    def __init__(self, app: str, health_path: str) -> None:
        self.app, self.health_path = app, health_path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile("w+", suffix=".log")  # noqa: SIM115
        self.proc: subprocess.Popen[bytes] | None = None
        self.ready_s = 0.0

    def __enter__(self) -> Server:
        import httpx

        db = Path(tempfile.mkdtemp()) / "bench.db"
        env = {**os.environ, "DOSEOPT_DATABASE_URL": f"sqlite:///{db}",
               "PYTHONPATH": f"{REPO}{os.pathsep}{REPO / 'benchmarks'}"}
        start = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", self.app, "--host", "127.0.0.1", "--port",
             str(self.port), "--log-level", "warning"],
            cwd=REPO, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        while time.perf_counter() - start < START_TIMEOUT_S:
            if self.proc.poll() is not None:
                self._fail(f"exited with code {self.proc.returncode}")
            try:
                if httpx.get(self.url + self.health_path, timeout=1).status_code == 200:
                    self.ready_s = time.perf_counter() - start
                    return self
            except httpx.HTTPError:
                time.sleep(0.05)
        self._fail(f"did not answer {self.health_path} within {START_TIMEOUT_S:.0f} s")
        raise AssertionError("unreachable")

    def _fail(self, why: str) -> None:
        self.__exit__()
        self.log.seek(0)
        tail = "".join(self.log.readlines()[-20:])
        raise ServerDidNotStart(f"server {self.app} {why}; its log:\n{tail}")

    def __exit__(self, *_: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)


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
