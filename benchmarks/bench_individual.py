"""Benchmark: the individual reference request (fit, posterior samples, probabilities, plan)
and the fit's cost against history length.

Prints medians over a few repetitions (wall-clock, this machine; the fit also in processor
time). Run: ``.venv/bin/python benchmarks/bench_individual.py`` (``--fit-only``: the fit
against history length alone, ~30 s).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from timing import median_ms  # benchmarks/timing.py

from optimizer.batch.scenario_files import load_recommendation
from optimizer.core.problem import Patient, RecommendationProblem
from optimizer.exposure.pk import PKModel
from optimizer.individual.fit import _Objective, fit_individual
from optimizer.individual.history import DoseRecord, Observation, PatientHistory, build_history
from optimizer.individual.priors import default_priors
from optimizer.services.individual import _history, _priors
from optimizer.services.recommendation import recommend
from optimizer.settings import get_settings

REPO = Path(__file__).resolve().parent.parent


def reference_request() -> None:
    request = load_recommendation(REPO / "scenarios" / "reference-case-history.toml")
    settings = get_settings()
    t0 = time.perf_counter()
    first = recommend(request, settings)          # imports, HiGHS start-up, PSIS import
    cold_ms = (time.perf_counter() - t0) * 1e3
    total_ms = median_ms(lambda: recommend(request, settings), 5, warm_up=False)
    out = recommend(request, settings)
    d = out.fit.diagnostics if out.fit is not None else None
    print(f"reference request (fit, samples, probabilities, sensitivity, plan, advice): "
          f"{total_ms:7.1f} ms median (first call {cold_ms:.0f} ms)")
    print("  stages of one run: " + ", ".join(f"{k} {v:.0f} ms"
                                               for k, v in out.timings_ms.items()))
    print(f"  -> {out.interval_days} days, probability {out.probability_controlled}, next "
          f"longer {out.next_longer_probability}; sampler {d}")
    assert first.interval_days == out.interval_days
    no_target = request.model_copy(update={"min_probability": None, "plan": None})
    ms = median_ms(lambda: recommend(no_target, settings), 5, warm_up=True)
    print(f"the same without min_probability and plan: {ms:7.1f} ms")
    problem = request.to_problem()
    history = _history(request)
    assert history is not None
    priors = _priors(request.priors, problem)
    fit_ms = median_ms(lambda: fit_individual(history, problem, priors), 5, warm_up=False)
    print(f"fit alone (MAP, adaptive importance sampling, PSIS): {fit_ms:7.1f} ms")


def synthetic(n_obs: int) -> tuple[RecommendationProblem, PatientHistory]:
    problem = RecommendationProblem(patient=Patient(weight_kg=30.0))
    d0 = date(2000, 1, 3)
    rng = np.random.default_rng(0)
    doses = [DoseRecord(d0 + timedelta(days=28 * k), 300.0) for k in range(n_obs // 4 + 1)]
    obs = [Observation(d0 + timedelta(days=7 * k + 1), score=float(rng.integers(0, 3)))
           for k in range(n_obs)]
    return problem, build_history(doses, obs, None)


def cpu_ms(fn: Callable[[], object], reps: int) -> float:
    """Median processor time of ``reps`` calls, ms: on a shared machine it moves less with
    the other users' load than wall-clock time does."""
    times = []
    for _ in range(reps):
        t0 = time.process_time()
        fn()
        times.append((time.process_time() - t0) * 1e3)
    return statistics.median(times)


def time_fit(n: int) -> tuple[float, float, float]:
    problem, history = synthetic(n)
    priors = default_priors(problem.response)
    objective = _Objective(history, PKModel.from_parameters(problem.pk, 30.0), priors)
    z = np.zeros((100, 4))
    obj_ms = median_ms(lambda: objective.values(z), 5, warm_up=True)
    fit_ms = median_ms(lambda: fit_individual(history, problem, priors), 5, warm_up=False)
    fit_cpu = cpu_ms(lambda: fit_individual(history, problem, priors), 5)
    return obj_ms, fit_ms, fit_cpu


def history_length() -> None:
    print("history length: objective for 100 parameter sets, and the whole fit "
          "(median of 5, wall-clock and processor time)")
    for n in (160, 640, 2000):
        obj_ms, fit_ms, fit_cpu = time_fit(n)
        print(f"  {n:5d} observations: objective {obj_ms:7.2f} ms, fit {fit_ms:8.1f} ms "
              f"(processor {fit_cpu:6.1f} ms)")


if __name__ == "__main__":
    if "--fit-only" not in sys.argv[1:]:
        reference_request()
    history_length()
