"""Benchmark one recommendation: Python API (split by stage), numpy brute force, the service
call (validation and ``recommend()``), and HTTP.

Run: ``.venv/bin/python benchmarks/bench_recommend.py [--http-seconds 10] [--clients 8]``
Prints medians in milliseconds; the HTTP part starts uvicorn on a free loopback port with a
temporary database and drives it with keep-alive clients from threads.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
from http_load import LiveServer, drive

from optimizer.core.problem import Patient, RecommendationProblem
from optimizer.exposure.pk import PKModel
from optimizer.score_target.interval_search import evaluate_candidates, recommend_interval

REPO = Path(__file__).resolve().parent.parent


def numpy_brute_force(problem: RecommendationProblem) -> tuple[int, float] | None:
    pk = PKModel.from_parameters(problem.pk, problem.patient.weight_kg)
    table = evaluate_candidates(problem, pk)
    ok = table.controlled
    rows = np.flatnonzero(ok.any(axis=1))
    if rows.size == 0:
        return None
    i = int(rows[-1])
    j = int(np.flatnonzero(ok[i])[0])
    return int(table.intervals_days[i]), float(table.doses_mg[j])


def median_ms(fn: object, n: int) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e3


def bench_python(n: int) -> None:
    problem = RecommendationProblem(patient=Patient(weight_kg=30.0))
    brute = numpy_brute_force(problem)
    for backend in ("compiled", "pyomo"):
        rec = recommend_interval(problem, backend=backend)
        assert (rec.interval_days, rec.dose_mg) == brute
        stages = {"exposure": [], "build": [], "solve": [], "total": []}  # type: dict[str, list[float]]
        reps = n if backend == "compiled" else max(n // 10, 20)
        for _ in range(reps):
            t = recommend_interval(problem, backend=backend).timings
            stages["exposure"].append(t.exposure_ms)
            stages["build"].append(t.build_ms)
            stages["solve"].append(t.solve_ms)
        stages["total"] = [median_ms(
            lambda b=backend: recommend_interval(problem, backend=b), reps)]
        med = {k: statistics.median(v) for k, v in stages.items()}
        print(f"python API [{backend:8s}] 71 candidates: exposure {med['exposure']:.3f} ms, "
              f"build {med['build']:.3f} ms, solve+read {med['solve']:.3f} ms, "
              f"total {med['total']:.3f} ms")
        if backend == "compiled":
            compiled_total = med["total"]
    brute_ms = median_ms(lambda: numpy_brute_force(problem), n)
    print(f"numpy brute force: {brute_ms:.3f} ms; compiled recommendation / brute force = "
          f"{compiled_total / brute_ms:.1f}x")


def bench_service(n: int) -> None:
    """One plain answer through the service, as the API and the CLI call it: request
    validation, then ``recommend()`` (checks, choice, population probabilities, label
    warnings, wording), 71 candidates."""
    from optimizer.schemas.recommendation import RecommendationRequest
    from optimizer.services.recommendation import recommend

    raw = {"patient": {"weight_kg": 30.0}, "threshold_score": 2.0}
    request = RecommendationRequest.model_validate(raw)
    recommend(request)
    validate_ms = median_ms(lambda: RecommendationRequest.model_validate(raw), n)
    answer_ms = median_ms(lambda: recommend(request), n)
    print(f"service: request validation {validate_ms:.3f} ms, recommend() {answer_ms:.3f} ms")


def bench_http(seconds: float, clients: int, workers: int) -> None:
    import httpx

    body = {"patient": {"weight_kg": 30}, "threshold_score": 2}
    with LiveServer(workers=workers, log_level="warning") as server:
        with httpx.Client(base_url=server.url) as c:  # warm every worker
            for _ in range(20 * workers):
                c.post("/v1/recommendations", json=body)
        if shutil.which("wrk"):
            run_wrk(server.url, seconds, clients, workers, json.dumps(body))
            return
        load = drive(server.url, "/v1/recommendations", body, clients, seconds)
        print(f"HTTP {workers} worker(s), {clients} keep-alive clients, {load.seconds:.0f} s: "
              f"{load.per_s:.0f} req/s, p50 {load.p50_ms:.1f} ms, p95 {load.p95_ms:.1f} ms, "
              f"errors {load.errors}")


WRK_SCRIPT = """
wrk.method = "POST"
wrk.body = [[BODY]]
wrk.headers["Content-Type"] = "application/json"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %.3f %.3f %.3f %d\\n", summary.requests,
    summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""


def run_wrk(url: str, seconds: float, clients: int, workers: int, body: str) -> None:
    """Load from wrk (a C load generator, keep-alive): leaves the CPU to the server."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(WRK_SCRIPT.replace("BODY", body))
    out = subprocess.run(["wrk", "-t", str(min(clients, 2)), "-c", str(clients), "-d",
                          f"{seconds:.0f}s", "-s", f.name, f"{url}/v1/recommendations"],
                         capture_output=True, text=True, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT"))
    n, dur, p50, p95, errors = line.split()[1:]
    print(f"HTTP {workers} worker(s), {clients} keep-alive clients (wrk), {float(dur):.0f} s: "
          f"{int(n) / float(dur):.0f} req/s, p50 {float(p50):.1f} ms, p95 {float(p95):.1f} ms, "
          f"errors {errors}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--http-seconds", type=float, default=8.0)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    bench_python(args.n)
    bench_service(args.n)
    if args.http_seconds > 0:
        bench_http(args.http_seconds, 1, 1)
        bench_http(args.http_seconds, args.clients, 1)
        bench_http(args.http_seconds, args.clients, 2)


if __name__ == "__main__":
    main()
