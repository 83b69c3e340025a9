"""Sections of ``bench_performance.py`` that need servers, databases or scenario files."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

from http_load import Server, drive
from timing import median_ms

REPO = Path(__file__).resolve().parent.parent
BODY: dict[str, Any] = {"patient": {"weight_kg": 30}, "threshold_score": 2}


def reference_plan_context(weekdays: tuple[int, ...], target_days: int) -> Any:
    """The reference history's plan context (point estimate of its fit)."""
    from optimizer.batch.scenario_files import load_recommendation
    from optimizer.exposure.pk import PKModel
    from optimizer.individual.fit import fit_individual
    from optimizer.individual.plan import PlanContext, PlanOptions
    from optimizer.services.individual import _history, _priors

    request = load_recommendation(REPO / "scenarios" / "reference-case-history.toml")
    problem = request.to_problem()
    history = _history(request)
    fit = fit_individual(history, problem, _priors(request.priors, problem))  # type: ignore[arg-type]
    pt = fit.point
    return PlanContext(
        history=history, pk=pt.pk_model(PKModel.from_parameters(problem.pk,  # type: ignore[arg-type]
                                                                 problem.patient.weight_kg)),
        response=pt.response(), threshold_score=problem.threshold_score,
        threshold_conc_mg_per_l=pt.threshold_conc_mg_per_l(problem.threshold_score),
        dose_mg=300.0, target_interval_days=target_days, current_interval_days=35,
        options=PlanOptions(horizon_weeks=26, clinic_weekdays=weekdays))


def _in_process(tmp: Path) -> str:
    """recommend(), the audit store and one HTTP request through the ASGI app, in process,
    beside the trivial endpoint driven the same way."""
    from asgi_timing import median_post_ms

    from optimizer.schemas.recommendation import RecommendationRequest
    from optimizer.services.recommendation import recommend
    from optimizer.settings import get_settings
    from optimizer.storage.audit import store_recommendation
    from optimizer.storage.engine import get_engine

    os.environ["DOSEOPT_DATABASE_URL"] = f"sqlite:///{tmp / 'inproc.db'}"
    get_settings.cache_clear()
    request = RecommendationRequest.model_validate(BODY)
    answer = recommend(request, get_settings())
    engine = get_engine(get_settings().database_url)
    rec_ms = median_ms(lambda: recommend(request, get_settings()), 300)
    store_ms = median_ms(lambda: store_recommendation(request, answer, engine=engine), 300)
    from api.main import app

    body_file = tmp / "body.json"
    body_file.write_text(answer.model_dump_json())
    os.environ["BENCH_TRIVIAL_BODY"] = str(body_file)
    from trivial_app import app as trivial

    http_ms = median_post_ms(app, "/v1/recommendations", BODY)
    floor_ms = median_post_ms(trivial, "/v1/recommendations", BODY)
    print(f"  in process (ASGI, no client): recommend() {rec_ms:.2f} ms, audit store "
          f"{store_ms:.2f} ms; one HTTP request {http_ms:.2f} ms, trivial endpoint "
          f"{floor_ms:.2f} ms")
    print(f"    request / recommend() = {http_ms / rec_ms:.1f}x; above the trivial endpoint: "
          f"{http_ms - floor_ms:.2f} ms = {(http_ms - floor_ms) / rec_ms:.1f}x recommend()")
    return str(body_file)


def bench_http(seconds: float) -> None:
    print(f"== HTTP, one uvicorn worker, keep-alive clients, {seconds:.0f} s each")
    with tempfile.TemporaryDirectory() as d:
        body_file = _in_process(Path(d))
        os.environ["BENCH_TRIVIAL_BODY"] = body_file
        results = {}
        for name, app in (("service", "api.main:app"), ("trivial", "trivial_app:app")):
            with Server(app, "/v1/health") as server:
                print(f"  {name}: up after {server.ready_s:.1f} s")
                for clients in (1, 8):
                    load = drive(server.url, "/v1/recommendations", BODY, clients, seconds)
                    results[name, clients] = load
                    print(f"    {load.line()}")
        for clients in (1, 8):
            s, t = results["service", clients], results["trivial", clients]
            print(f"  {clients} client(s): service / trivial = p95 {s.p95_ms / t.p95_ms:.1f}x, "
                  f"p50 {s.p50_ms / t.p50_ms:.1f}x, throughput {s.per_s / t.per_s:.2f}")


def bench_batch() -> None:
    from optimizer.batch.grid import expand_file
    from optimizer.batch.runner import RunOptions, run_batch
    from optimizer.schemas.recommendation import RecommendationRequest
    from optimizer.services.recommendation import recommend

    print("== batch: scenarios/bench-grid-2000.toml, local pool, 2 workers")
    scenarios = expand_file(REPO / "scenarios" / "bench-grid-2000.toml")
    requests = [RecommendationRequest.model_validate(s.request) for s in scenarios]
    recommend(requests[0])
    t = time.perf_counter()
    for r in requests:
        recommend(r)
    loop = len(requests) / (time.perf_counter() - t)
    with tempfile.TemporaryDirectory() as d:
        t = time.perf_counter()
        summary = run_batch(scenarios, RunOptions(workers=2),
                            database_url=f"sqlite:///{Path(d) / 'b.db'}")
        wall = time.perf_counter() - t
    steady = summary.ran / max(summary.elapsed_s - summary.startup_s, 1e-9)
    print(f"  {summary.ran} scenarios ({summary.failed} failed) in {wall:.2f} s: "
          f"{summary.ran / wall:.0f}/s including start-up {summary.startup_s:.2f} s, "
          f"{steady:.0f}/s after; service loop in one process {loop:.0f}/s")
