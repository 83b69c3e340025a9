"""Fault drills: a batch runner killed, terminated, sharing its batch with another runner, or
losing its database. Whatever happens, no result is lost, stored twice or computed twice, and a
database fault ends the run at once with one line naming the database and the cause."""

from __future__ import annotations

import functools
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest
from pydantic import BaseModel

from optimizer.batch.grid import Scenario, batch_id_of, expand_document, expand_file
from optimizer.batch.runner import RunOptions, run_stored_batch
from optimizer.cli.batch import EXIT_DATABASE, EXIT_INTERRUPTED
from optimizer.services.recommendation import recommend
from optimizer.storage.batch_submissions import cancel_batch
from optimizer.storage.batches import BatchStatus, create_batch, get_batch
from optimizer.storage.engine import get_engine
from tests.conftest import REPO

#: Generous: the machine is shared and busy.
TIMEOUT_S = 120


def doseopt(*args: str) -> list[str]:
    return [sys.executable, "-m", "optimizer.cli.main", *args]


def cli_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO),
            "DOSEOPT_DATABASE_URL": f"sqlite:///{tmp_path / 'unused.db'}", **extra}


def grid_file(tmp_path: Path, weights: int = 30) -> Path:
    grid = tmp_path / "grid.toml"
    grid.write_text(
        'kind = "recommendation"\n'
        "dose_options_mg = [75, 150, 225, 300, 375, 450, 525, 600]\n"
        # every interval from 1 day (short ones exceed the label's 2-week maximum) and a
        # probability target: ~10 ms a question, off the batch fast path, so a kill lands mid-run
        "allow_above_label_max = true\nmin_probability = 0.9\nsamples = 50\n"
        "[interval_options_days]\nmin = 1\nmax = 365\n"
        "[grid]\n"
        f'"patient.weight_kg" = {[20 + 2 * i for i in range(weights)]}\n'
        "threshold_score = [0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5]\n")
    return grid


def count(db: Path, where: str = "status = 'done'") -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            (n,) = conn.execute(f"SELECT COUNT(*) FROM batch_results WHERE {where}").fetchone()
        return int(n)
    except sqlite3.OperationalError:  # tables not created yet
        return 0


def wait_until(check: Callable[[], bool], timeout_s: float = TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not reached")
        time.sleep(0.02)


def rows_by_run(db: Path) -> list[tuple[str, int | None, int]]:
    with sqlite3.connect(db) as conn:
        return sorted(conn.execute("SELECT status, run, COUNT(*) FROM batch_results "
                                   "GROUP BY status, run").fetchall())


def descendants(pid: int) -> list[int]:
    try:
        return [p.pid for p in psutil.Process(pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def all_gone(pids: list[int]) -> bool:
    return not any(psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE
                   for p in pids)


def test_killed_run_resumes_with_every_scenario_exactly_once(tmp_path: Path) -> None:
    grid, db, out = grid_file(tmp_path), tmp_path / "kill.db", tmp_path / "out.jsonl"
    cmd = doseopt("batch", str(grid), "--out", str(out), "--workers", "1", "--chunk-size", "4",
                  "--database", f"sqlite:///{db}", "--no-progress")
    env = cli_env(tmp_path, DOSEOPT_BATCH_CLAIM_LEASE_S="2")
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    wait_until(lambda: count(db) >= 8 or proc.poll() is not None)
    os.killpg(proc.pid, signal.SIGKILL)  # the runner and its worker processes
    proc.wait()
    after_kill = count(db)
    assert 8 <= after_kill < 300, "the kill must land in the middle of the batch"
    assert not out.exists()

    rerun = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=TIMEOUT_S)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{after_kill} already stored" in rerun.stderr
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    ids = [line["id"] for line in lines]
    assert len(ids) == len(set(ids)) == 300
    assert {line["output"]["status"] for line in lines} <= {"optimal", "infeasible"}
    # run 1 stored `after_kill` results; run 2 computed exactly the rest (including the
    # scenarios run 1 had claimed when it was killed: their lease ran out)
    assert rows_by_run(db) == [("done", 1, after_kill), ("done", 2, 300 - after_kill)]
    assert {s.id for s in expand_file(grid)} == set(ids)


def test_workers_end_with_their_runner_even_after_sigkill(tmp_path: Path) -> None:
    grid, db = grid_file(tmp_path), tmp_path / "orphans.db"
    proc = subprocess.Popen(
        doseopt("batch", str(grid), "--workers", "2", "--chunk-size", "4",
                "--database", f"sqlite:///{db}", "--no-progress"),
        env=cli_env(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_until(lambda: count(db) >= 8 or proc.poll() is not None)
    children = descendants(proc.pid)
    assert len(children) >= 2, "the pool's processes were running"
    proc.send_signal(signal.SIGKILL)  # the runner alone: no clean-up code runs in it
    proc.wait()
    wait_until(lambda: all_gone(children), timeout_s=30)


def test_sigterm_stores_finished_results_and_gives_back_its_claims(tmp_path: Path) -> None:
    grid, db = grid_file(tmp_path), tmp_path / "term.db"
    cmd = doseopt("batch", str(grid), "--workers", "1", "--chunk-size", "4",
                  "--database", f"sqlite:///{db}", "--no-progress")
    proc = subprocess.Popen(cmd, env=cli_env(tmp_path), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    wait_until(lambda: count(db) >= 8 or proc.poll() is not None)
    children = descendants(proc.pid)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=TIMEOUT_S)
    assert proc.returncode == EXIT_INTERRUPTED, err
    assert "finished results are stored" in err
    stored = count(db)
    assert 8 <= stored < 300
    assert count(db, "status = 'claimed'") == 0  # nothing held: the next run takes it all
    wait_until(lambda: all_gone(children), timeout_s=30)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT status FROM batches").fetchall() == [("interrupted",)]
    rerun = subprocess.run(cmd, env=cli_env(tmp_path), capture_output=True, text=True,
                           timeout=TIMEOUT_S)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{stored} already stored" in rerun.stderr
    assert rows_by_run(db) == [("done", 1, stored), ("done", 2, 300 - stored)]


def counting_answer(log: Path, kind: str, request: BaseModel) -> BaseModel:
    """Test hook: note every computation (one line per scenario, appended atomically)."""
    with log.open("a") as f:
        f.write(json.dumps(request.model_dump(mode="json"), sort_keys=True) + "\n")
    return recommend(request)  # type: ignore[arg-type]


def small_batch(n: int) -> list[Scenario]:
    return expand_document({"kind": "recommendation", "interval_options_days": {"step": 7},
                            "grid": {"patient.weight_kg": [20 + i for i in range(n)]}},
                           "inline")


@pytest.mark.parametrize("runners", [2, 3])
def test_runners_sharing_a_batch_compute_each_scenario_once(temp_database: str, tmp_path: Path,
                                                            runners: int) -> None:
    scenarios = small_batch(60)
    engine = get_engine(temp_database)
    batch_id = batch_id_of(scenarios)
    create_batch(engine, batch_id, scenarios, "{}")
    log = tmp_path / "computed.jsonl"
    answer = functools.partial(counting_answer, log)
    summaries = []
    start = threading.Barrier(runners)

    def run() -> None:
        start.wait()
        options = RunOptions(workers=1, chunk_size=3, answer=answer, claim_lease_s=30)
        summaries.append(run_stored_batch(batch_id, options, database_url=temp_database))

    threads = [threading.Thread(target=run) for _ in range(runners)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT_S)
    computed = log.read_text().splitlines()
    assert len(computed) == len(set(computed)) == 60  # 0 computed twice, 0 lost
    assert sum(s.ran for s in summaries) == 60
    # each runner's account is true: stored before it started, by it, by the others
    assert all(s.skipped + s.ran + s.by_others == 60 for s in summaries), summaries
    info = get_batch(engine, batch_id)
    assert info is not None and (info.status, info.done) == (BatchStatus.DONE, 60)


def test_a_locked_database_ends_the_run_with_one_line_and_a_distinct_exit_code(
        tmp_path: Path) -> None:
    grid, db = grid_file(tmp_path), tmp_path / "locked.db"
    cmd = doseopt("batch", str(grid), "--workers", "1", "--chunk-size", "4",
                  "--database", f"sqlite:///{db}", "--no-progress")
    env = cli_env(tmp_path, DOSEOPT_DATABASE_BUSY_TIMEOUT_S="1")
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    wait_until(lambda: count(db) >= 8 or proc.poll() is not None)
    holder = sqlite3.connect(db, timeout=30, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another program holds the write lock
    try:
        out, err = proc.communicate(timeout=TIMEOUT_S)
        stored = count(db)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert proc.returncode == EXIT_DATABASE, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and str(db) in lines[0] and "locked" in lines[0], err
    assert "UPDATE" not in err and "output_json" not in err and out == ""
    assert stored < 300
    rerun = subprocess.run(cmd, env=cli_env(tmp_path, DOSEOPT_BATCH_CLAIM_LEASE_S="2"),
                           capture_output=True, text=True, timeout=TIMEOUT_S)
    assert rerun.returncode == 0, rerun.stderr
    assert count(db) == 300 and count(db, "status != 'done'") == 0


def test_a_read_only_database_ends_the_run_at_once(tmp_path: Path) -> None:
    grid, db = grid_file(tmp_path, weights=3), tmp_path / "ro.db"
    scenarios = expand_file(grid)
    create_batch(get_engine(f"sqlite:///{db}"), batch_id_of(scenarios), scenarios, "{}")
    started = time.monotonic()
    run = subprocess.run(
        doseopt("batch", str(grid), "--workers", "1", "--no-progress",
                "--database", f"sqlite:///file:{db}?mode=ro&uri=true"),
        env=cli_env(tmp_path), capture_output=True, text=True, timeout=TIMEOUT_S)
    assert run.returncode == EXIT_DATABASE, run.stderr
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "readonly" in lines[0] and str(db) in lines[0], run.stderr
    assert time.monotonic() - started < 60  # nothing computed with nowhere to store it
    assert count(db, "status = 'pending'") == 30


def test_a_batch_cancelled_over_http_stops_a_command_running_it(tmp_path: Path) -> None:
    grid, db = grid_file(tmp_path), tmp_path / "cancel.db"
    url = f"sqlite:///{db}"
    proc = subprocess.Popen(
        doseopt("batch", str(grid), "--workers", "1", "--chunk-size", "4", "--database", url,
                "--no-progress"),
        env=cli_env(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wait_until(lambda: count(db) >= 8 or proc.poll() is not None)
    assert cancel_batch(get_engine(url), batch_id_of(expand_file(grid))) is not None
    _, err = proc.communicate(timeout=TIMEOUT_S)
    assert proc.returncode == EXIT_INTERRUPTED, err
    assert "cancelled" in err
    assert count(db) < 300 and count(db, "status = 'claimed'") == 0
