"""Batch throughput: scenarios per second for the 2,000-scenario recommendation grid
(scenarios/bench-grid-2000.toml) with 1 and 2 workers, local process pool and Dask LocalCluster,
and how the time of one scenario splits (exposures, model, solve, read-back, serialisation,
transfer, database).

Run: ``.venv/bin/python benchmarks/bench_batch.py`` (prints figures; each run uses a fresh
temporary SQLite database).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from optimizer.batch.export import export_batch as export_results
from optimizer.batch.grid import Scenario, expand_file
from optimizer.batch.runner import BatchSummary, RunOptions, run_batch
from optimizer.schemas.recommendation import RecommendationRequest
from optimizer.services.recommendation import recommend
from optimizer.storage.engine import get_engine

REPEATS = 3
GRID = Path(__file__).resolve().parent.parent / "scenarios" / "bench-grid-2000.toml"


def sequential_baseline(requests: list[RecommendationRequest]) -> float:
    """The service called in a loop in this process: no pool, no database."""
    recommend(requests[0])
    start = time.perf_counter()
    for r in requests:
        recommend(r)
    return len(requests) / (time.perf_counter() - start)


def one_run(engine: str, workers: int, scenarios: list[Scenario], tmp: Path,
            repeat: int) -> tuple[BatchSummary, float]:
    url = f"sqlite:///{tmp / f'{engine}-{workers}-{repeat}.db'}"
    start = time.perf_counter()
    summary = run_batch(scenarios, RunOptions(workers=workers, engine=engine),  # type: ignore[arg-type]
                        database_url=url)
    t_export = time.perf_counter()
    export_results(get_engine(url), summary.batch_id, tmp / f"{engine}-{workers}.parquet")
    export_s = time.perf_counter() - t_export
    wall = t_export - start
    steady = summary.ran / max(summary.elapsed_s - summary.startup_s, 1e-9)
    print(f"{engine:>5} x{workers}: {summary.ran} scenarios, {summary.failed} failed, "
          f"{wall:5.2f} s wall ({summary.ran / wall:6.0f}/s incl. start-up "
          f"{summary.startup_s:.2f} s; {steady:6.0f}/s after start-up); "
          f"export to Parquet {export_s:.2f} s")
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
        ("read-back, late-dose root, explanation", readback),
        ("request validation in worker", per["validate"]),
        ("response serialisation (JSON)", per["serialise"]),
        ("worker total", worker),
        ("database writes (main process, batched)", summary.write_ms / n),
    ]:
        print(f"    {label:<48} {value:7.3f}")


def main() -> None:
    t0 = time.perf_counter()
    scenarios = expand_file(GRID)
    print(f"expanded and validated {len(scenarios)} scenarios in "
          f"{time.perf_counter() - t0:.2f} s")
    requests = [RecommendationRequest.model_validate(s.request) for s in scenarios]
    print(f"sequential service loop in one process: {sequential_baseline(requests):.0f}/s")
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        t0 = time.perf_counter()
        run_batch(scenarios[:4], RunOptions(workers=1),
                  database_url=f"sqlite:///{tmp / 'warm.db'}")
        print(f"first local pool of this process (forkserver importing the domain once): "
              f"{time.perf_counter() - t0:.2f} s; later pools fork from it")
        # The machine is shared: each configuration runs REPEATS times; compare the best.
        for engine in ("local", "dask"):
            for workers in (1, 2):
                for repeat in range(REPEATS):
                    summary, _ = one_run(engine, workers, scenarios, tmp, repeat)
                if engine == "local" and workers == 1:
                    split(summary)


if __name__ == "__main__":
    main()
