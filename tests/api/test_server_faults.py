"""Story: the server is killed (SIGKILL) in the middle of a batch. Its worker processes end
with it; the restarted server reports the batch ``interrupted``; resuming it stores every
scenario exactly once, the ones finished before the kill kept, none computed twice."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil

from tests.live_server import LiveServer

TIMEOUT_S = 180


def _start(db: Path, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    server = LiveServer(log_level="warning", database=db, log_path=log,
                        env={"DOSEOPT_BATCH_CLAIM_LEASE_S": "2"}).__enter__()
    assert server.proc is not None
    return server.proc, server.url


def _up(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/v1/health", timeout=2):
            return True
    except OSError:
        return False


def _until(check: Callable[[], bool], timeout_s: float = TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.05)


def _json(url: str, path: str, body: Any = None) -> dict[str, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url + path, data=data, method="POST" if data or
                                     path.endswith(("resume", "cancel")) else "GET",
                                     headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as r:
        result: dict[str, Any] = json.loads(r.read())
        return result


def _done(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            (n,) = conn.execute("SELECT COUNT(*) FROM batch_results WHERE status = 'done'"
                                ).fetchone()
        return int(n)
    except sqlite3.OperationalError:
        return 0


def test_a_server_killed_mid_batch_loses_nothing_and_repeats_nothing(tmp_path: Path) -> None:
    db, log = tmp_path / "server.db", tmp_path / "server.log"
    proc, url = _start(db, log)
    # intervals from 1 day (beyond the label's 2-week maximum: allowed here) and a probability
    # target: ~10 ms a question, off the batch fast path, so the run lasts seconds
    grid = {"dose_options_mg": [75, 150, 225, 300, 375, 450, 525, 600],
            "interval_options_days": {"min": 1, "max": 365}, "allow_above_label_max": True,
            "min_probability": 0.9, "samples": 50,
            "grid": {"patient.weight_kg": list(range(20, 80)), "threshold_score": [1, 2, 3]}}
    try:
        batch_id = _json(url, "/v1/batches", {"scenarios": [grid]})["id"]
        _until(lambda: _done(db) >= 10 or proc.poll() is not None)
        workers = [p.pid for p in psutil.Process(proc.pid).children(recursive=True)]
    finally:  # the kill is the drill; it also ends the server if a step above failed
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    before = _done(db)
    assert 10 <= before < 180
    _until(lambda: not any(psutil.pid_exists(p) and psutil.Process(p).status() !=
                           psutil.STATUS_ZOMBIE for p in workers), timeout_s=30)

    proc, url = _start(db, log)
    try:
        assert _json(url, f"/v1/batches/{batch_id}")["status"] == "interrupted"
        assert _json(url, f"/v1/batches/{batch_id}/resume")["status"] in ("pending", "running")
        _until(lambda: _json(url, f"/v1/batches/{batch_id}")["status"] == "done")
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    with sqlite3.connect(db) as conn:
        rows = sorted(conn.execute("SELECT status, run, COUNT(*) FROM batch_results "
                                   "GROUP BY status, run").fetchall())
    assert rows == [("done", 1, before), ("done", 2, 180 - before)]
    assert "Traceback" not in log.read_text(errors="replace")
