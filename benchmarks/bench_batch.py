"""Batch throughput: scenarios per second for the 2,000-scenario recommendation grid
(scenarios/bench-grid-2000.toml) with 1 and 2 workers, local process pool and Dask LocalCluster,
with the fast path (plain recommendations of a chunk answered together,
:mod:`optimizer.batch.fast_path`) and without it (one service call per scenario), each with and
without start-up and as a share of the numpy floor (troughs and choices of all scenarios in one
numpy pass, no response), and how the time of one scenario splits: in this process, chunk
after chunk (the steadiest figure on a shared machine), and summed over the pool's workers.

Run: ``.venv/bin/python benchmarks/bench_batch.py`` (prints figures; each run uses a fresh
temporary SQLite database).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from optimizer.batch.chunks import Answer, run_chunk
from optimizer.batch.chunks import service_answer as one_by_one
from optimizer.batch.export import export_batch as export_results
from optimizer.batch.fast_path import FAST_KIND
from optimizer.batch.grid import Scenario, expand_file
from optimizer.batch.runner import BatchSummary, RunOptions, run_batch
from optimizer.exposure.pk import PKModel, series_concentration_mg_per_l
from optimizer.schemas.recommendation import RecommendationRequest
from optimizer.services.recommendation import recommend
from optimizer.storage.batches import PendingScenario
from optimizer.storage.engine import get_engine

REPEATS = 2
GRID = Path(__file__).resolve().parent.parent / "scenarios" / "bench-grid-2000.toml"


def sequential_baseline(requests: list[RecommendationRequest]) -> float:
    """The service called in a loop in this process: no pool, no database."""
    recommend(requests[0])
    start = time.perf_counter()
    for r in requests:
        recommend(r)
    return len(requests) / (time.perf_counter() - start)


def numpy_floor(requests: list[RecommendationRequest]) -> float:
    """Scenarios/s of the bare numpy work: every trough of every scenario in one pass and the
    longest controlled interval (smallest dose) of each; no checks, response or storage."""
    problems = [r.to_problem() for r in requests]
    pks = [PKModel.from_parameters(p.pk, p.patient.weight_kg) for p in problems]
    iv = np.asarray(problems[0].interval_options.days, dtype=np.float64)
    doses = np.asarray(problems[0].doses_sorted_mg, dtype=np.float64)
    ke, ka, vol = (np.array([getattr(m, k) for m in pks])[:, None, None]
                   for k in ("ke_per_day", "ka_per_day", "volume_l"))
    ec50 = np.array([p.response.ec50_mg_per_l for p in problems])[:, None, None]
    hill = np.array([p.response.hill for p in problems])[:, None, None]
    base = np.array([p.response.baseline_score for p in problems])[:, None, None]
    thr = np.array([p.threshold_score for p in problems])[:, None, None]
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        trough = series_concentration_mg_per_l(ke, ka, vol, doses[None, None, :],
                                               iv[None, :, None], 0.0)
        c_star = ec50 * (base / thr - 1.0) ** (1.0 / hill)
        ok = (trough >= c_star).reshape(len(problems), -1)
        rank = np.where(ok, np.arange(ok.shape[1])[::-1] % doses.size
                        + np.arange(ok.shape[1]) // doses.size * doses.size, -1)
        rank.argmax(axis=1)
        best = min(best, time.perf_counter() - t0)
    return len(problems) / best


def one_run(engine: str, workers: int, scenarios: list[Scenario], tmp: Path,
            repeat: int, floor: float, answer: Answer | None = None) -> tuple[BatchSummary, float]:
    path = "fast" if answer is None else "one-by-one"
    url = f"sqlite:///{tmp / f'{engine}-{workers}-{path}-{repeat}.db'}"
    start = time.perf_counter()
    summary = run_batch(scenarios, RunOptions(workers=workers, engine=engine,  # type: ignore[arg-type]
                                              answer=answer),
                        database_url=url)
    t_export = time.perf_counter()
    export_results(get_engine(url), summary.batch_id, tmp / f"{engine}-{workers}.parquet")
    export_s = time.perf_counter() - t_export
    wall = t_export - start
    steady = summary.ran / max(summary.elapsed_s - summary.startup_s, 1e-9)
    print(f"{engine:>5} x{workers} {path:>10}: {summary.ran} scenarios, {summary.failed} failed, "
          f"{wall:5.2f} s wall ({summary.ran / wall:5.0f}/s incl. start-up "
          f"{summary.startup_s:.2f} s; {steady:5.0f}/s after start-up = 1/{floor / steady:.0f} "
          f"of the numpy floor); export to Parquet {export_s:.2f} s")
    return summary, wall


def split(summary: BatchSummary) -> None:
    n = summary.ran
    t = summary.timings_ms
    per = {k: v / n for k, v in t.items()}
    domain = per.get("domain.total", 0.0)
    readback = per["answer"] - domain
    worker = summary.worker_ms / n
    print("  per scenario, ms (summed over workers):")
    for label, value in [
        ("exposures (numpy)", per.get("domain.exposure", 0.0)),
        ("model build (none: arrays straight to HiGHS)", per.get("domain.build", 0.0)),
        ("solve (HiGHS)", per.get("domain.solve", 0.0)),
        ("read-back, probabilities, label checks, wording", readback),
        ("request validation in worker", per["validate"]),
        ("response serialisation (JSON)", per["serialise"]),
        ("worker total", worker),
        ("database writes (main process, batched)", summary.write_ms / n),
    ]:
        print(f"    {label:<48} {value:7.3f}")


def load_average() -> str:
    """The machine's 1-minute load average (figures on a shared machine need it beside them)."""
    return f"{os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "unknown"


def in_process_cost(scenarios: list[Scenario]) -> None:
    """Per scenario cost of the fast path in this process: the chunks a worker would get, run
    one after another without a pool or a database (best of 3 passes; steadier than the pool
    figures on a shared machine, and an upper bound of what one core can do)."""
    tasks = [PendingScenario(s.id, FAST_KIND, json.dumps(s.request)) for s in scenarios]
    chunks = [tasks[k:k + 100] for k in range(0, len(tasks), 100)]
    run_chunk(chunks[0])  # first HiGHS object, population samples
    best: tuple[float, dict[str, float]] | None = None
    for _ in range(3):
        worker_ms = 0.0
        timings: dict[str, float] = {}
        for chunk in chunks:
            result = run_chunk(chunk)
            worker_ms += result.worker_ms
            for key, value in result.timings_ms.items():
                timings[key] = timings.get(key, 0.0) + value
        if best is None or worker_ms < best[0]:
            best = (worker_ms, timings)
    assert best is not None
    n = len(tasks)
    total, t = best[0] / n, {k: v / n for k, v in best[1].items()}
    print(f"in process, chunks of 100, per scenario ms: troughs {t.get('domain.exposure', 0):.3f}"
          f" | HiGHS {t.get('domain.solve', 0):.3f} | read-back, probabilities, label checks, "
          f"wording {t['answer'] - t.get('domain.total', 0):.3f} | validation {t['validate']:.3f}"
          f" | JSON {t['serialise']:.3f} | total {total:.3f} ({1e3 / total:,.0f}/s on one core)")


def main() -> None:
    print(f"load average (1 min) at start: {load_average()}")
    t0 = time.perf_counter()
    scenarios = expand_file(GRID)
    print(f"expanded and validated {len(scenarios)} scenarios in "
          f"{time.perf_counter() - t0:.2f} s")
    requests = [RecommendationRequest.model_validate(s.request) for s in scenarios]
    print(f"sequential service loop in one process: {sequential_baseline(requests):.0f}/s")
    floor = numpy_floor(requests)
    print(f"numpy floor (troughs and choices only, one pass): {floor:,.0f}/s "
          f"({len(requests) / floor * 1e3:.2f} ms for all)")
    in_process_cost(scenarios)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        t0 = time.perf_counter()
        run_batch(scenarios[:4], RunOptions(workers=1),
                  database_url=f"sqlite:///{tmp / 'warm.db'}")
        print(f"first local pool of this process (forkserver importing the domain once): "
              f"{time.perf_counter() - t0:.2f} s; later pools fork from it")
        # The machine is shared: each configuration runs REPEATS times, interleaved with the
        # others so that a burst of load hits them alike; compare the best of each.
        runs: list[tuple[str, int, Answer | None]] = [
            ("local", 1, None), ("local", 2, None), ("local", 2, one_by_one), ("dask", 2, None)]
        for repeat in range(REPEATS):
            for engine, workers, answer in runs:
                summary, _ = one_run(engine, workers, scenarios, tmp, repeat, floor, answer)
                if engine == "local" and workers == 1 and repeat == REPEATS - 1:
                    split(summary)
    print(f"load average (1 min) at end: {load_average()}")


if __name__ == "__main__":
    main()
