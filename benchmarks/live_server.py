"""A throw-away uvicorn server for the long-running scripts (fuzz, load): its own SQLite file,
its output captured to a file, and a check of that output for what must never appear."""

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
#: What a server's output must never contain: solver banners and reports, a write to a closed
#: stream, an unhandled error, and the patient reference the scripts plant in their requests.
PLANTED = "PLANTED-REF-7Q4K"
FORBIDDEN = ("Running HiGHS", "HiGHS", "Solving report", "I/O operation on closed file",
             "Traceback", PLANTED)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def live_server(workers: int = 1) -> Iterator[tuple[str, Path]]:
    """``(base URL, path of the captured output)`` of a server that stops when the block ends."""
    tmp = Path(tempfile.mkdtemp(prefix="doseopt-live-"))
    port = _free_port()
    env = {**os.environ, "DOSEOPT_DATABASE_URL": f"sqlite:///{tmp / 'live.db'}",
           "DOSEOPT_WORKERS": "1", "PYTHONPATH": str(REPO)}
    env.pop("DOSEOPT_API_KEY", None)
    log_path = tmp / "server.log"
    url = f"http://127.0.0.1:{port}"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port",
             str(port), "--workers", str(workers), "--log-level", "info"],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    with urllib.request.urlopen(url + "/v1/health", timeout=2):
                        break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(log_path.read_text()) from None
                    time.sleep(0.2)
            yield url, log_path
        finally:
            proc.terminate()
            proc.wait(timeout=60)


def forbidden_in(log_path: Path) -> dict[str, int]:
    """How often each forbidden text occurs in the captured output."""
    text = log_path.read_text(errors="replace")
    return {word: text.count(word) for word in FORBIDDEN if word in text}
