"""A throw-away uvicorn server on a free loopback port, with its own SQLite file and its output
captured to a file; and a check of that output for what must never appear. One launcher for the
live-server tests (``tests/api/test_live_server.py``) and the scripts that need a real server
(``benchmarks/http_load.py``, ``fuzz_api.py``, ``load_mixed.py``)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: A patient reference the scripts plant in their requests: it must never reach the output.
PLANTED = "PLANTED-REF-7Q4K"
#: What a server's output must never contain: solver banners and reports, a write to a closed
#: stream, an unhandled error, and the planted patient reference.
FORBIDDEN = ("Running HiGHS", "HiGHS", "Solving report", "I/O operation on closed file",
             "Traceback", PLANTED)
START_TIMEOUT_S = 90.0
#: Request bodies that carry the planted reference: a plain question and one with a history,
#: a probability target and a plan (the heaviest kind a client sends).
PATIENT = {"weight_kg": 30, "patient_reference": PLANTED}
HISTORY = {
    "patient": PATIENT,
    "history": {"doses": [{"date": d, "dose_mg": 300} for d in
                          ("2020-01-06", "2020-02-03", "2020-03-02", "2020-03-30")],
                "observations": [{"date": "2020-03-30", "score": 0},
                                 {"date": "2020-04-27", "score": 1}]},
    "evaluation_date": "2020-04-27", "min_probability": 0.9, "samples": 100,
    "interval_options_days": {"min": 14, "max": 84, "step": 7}, "plan": {"horizon_weeks": 8}}


class ServerDidNotStart(RuntimeError):
    """The server never answered its health check; the message ends with its log's tail."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """``uvicorn <app>`` as a context: on entry it waits for ``health_path`` to answer (raising
    :class:`ServerDidNotStart` with the log's tail when it does not within ``START_TIMEOUT_S``
    or exits); on exit it stops the server. ``url``, ``log_path`` and ``ready_s`` (seconds from
    launch to the first healthy answer) are set on entry; ``database`` (a SQLite file) and
    ``log_path`` default to a fresh temporary directory, and a restart on the same ones
    appends to the log; ``env`` adds to (or overrides) the server's environment."""

    def __init__(self, app: str = "api.main:app", *, health_path: str = "/v1/health",
                 workers: int = 1, log_level: str = "info",
                 extra_path: tuple[Path, ...] = (), database: Path | None = None,
                 log_path: Path | None = None, env: dict[str, str] | None = None) -> None:
        self.app, self.health_path, self.workers, self.log_level = (app, health_path, workers,
                                                                     log_level)
        tmp = Path(tempfile.mkdtemp(prefix="doseopt-live-"))
        self.database = database or tmp / "live.db"
        self.log_path = log_path or tmp / "server.log"
        self.env = env or {}
        self.url = f"http://127.0.0.1:{free_port()}"
        self.pythonpath = os.pathsep.join(str(p) for p in (REPO, *extra_path))
        self.proc: subprocess.Popen[bytes] | None = None
        self.ready_s = 0.0

    def __enter__(self) -> LiveServer:
        env = {**os.environ, "DOSEOPT_DATABASE_URL": f"sqlite:///{self.database}",
               "DOSEOPT_WORKERS": "1", "PYTHONPATH": self.pythonpath, **self.env}
        env.pop("DOSEOPT_API_KEY", None)
        port = self.url.rsplit(":", 1)[1]
        start = time.monotonic()
        with open(self.log_path, "ab") as log:  # the server keeps its own descriptor
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", self.app, "--host", "127.0.0.1", "--port",
                 port, "--workers", str(self.workers), "--log-level", self.log_level],
                cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        while True:
            try:
                with urllib.request.urlopen(self.url + self.health_path, timeout=2):
                    self.ready_s = time.monotonic() - start
                    return self
            except OSError:
                if self.proc.poll() is not None:
                    self._fail(f"exited with code {self.proc.returncode}")
                if time.monotonic() - start > START_TIMEOUT_S:
                    self._fail(f"did not answer {self.health_path} within "
                               f"{START_TIMEOUT_S:.0f} s")
                time.sleep(0.1)

    def _fail(self, why: str) -> None:
        self.__exit__()
        tail = "".join(self.log_path.read_text(errors="replace").splitlines(True)[-20:])
        raise ServerDidNotStart(f"server {self.app} {why}; its log:\n{tail}")

    def __exit__(self, *_: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=60)


@contextmanager
def live_server(workers: int = 1) -> Iterator[tuple[str, Path]]:
    """``(base URL, path of the captured output)`` of the service; it stops when the block
    ends."""
    with LiveServer(workers=workers) as server:
        yield server.url, server.log_path


def forbidden_in(log_path: Path) -> dict[str, int]:
    """How often each forbidden text occurs in the captured output."""
    text = log_path.read_text(errors="replace")
    return {word: text.count(word) for word in FORBIDDEN if word in text}
