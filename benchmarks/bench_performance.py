"""Every performance figure in one run, each beside its floor measured in the same run.

Run: ``PYTHONPATH=. .venv/bin/python benchmarks/bench_performance.py [--http-seconds 4]``
(about 1-2 minutes on 2 cores). Sections: start-up (vs a bare ``import numpy``), the interval
choice at 71 / 710 / 7,100 / ~20,000 candidates (vs a numpy search), the probability step (vs a
plain count), the fit at 19 / 160 / 2,000 observations, 26-week plans, HTTP at 1 and 8 clients
(vs a trivial FastAPI endpoint) and batch throughput. Medians of wall-clock time; the machine
is shared, so read the ratios, which are taken within one run.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from bench_sections import bench_batch, bench_http
from timing import median_ms

from optimizer.core.problem import IntervalOptions, Patient, RecommendationProblem
from optimizer.exposure.pk import PKModel
from optimizer.score_target.interval_search import evaluate_candidates, recommend_interval
from optimizer.solve.choice import choose_candidate

REPO = Path(__file__).resolve().parent.parent


def run_ms(args: list[str], reps: int = 3) -> float:
    """Median wall time of a fresh Python process running ``args``, ms."""
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        subprocess.run([sys.executable, *args], cwd=REPO, check=True, capture_output=True)
        times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times)


def bench_startup() -> None:
    print("== start-up (fresh process each, median of 3)")
    floor = run_ms(["-c", "import numpy"])
    print(f"  python -c 'import numpy'                       {floor:7.0f} ms  (floor)")
    for label, args in (
            ("python -c 'import optimizer'", ["-c", "import optimizer"]),
            ("doseopt --help", ["-m", "optimizer.cli.main", "--help"]),
            ("doseopt recommend reference-case.toml --json",
             ["-m", "optimizer.cli.main", "recommend", "scenarios/reference-case.toml",
              "--json"])):
        ms = run_ms(args)
        print(f"  {label:<46} {ms:7.0f} ms  {ms / floor:5.1f}x numpy")


def numpy_search(problem: RecommendationProblem) -> tuple[int, float] | None:
    """The floor: troughs in numpy, then the longest controlled interval, smallest dose."""
    pk = PKModel.from_parameters(problem.pk, problem.patient.weight_kg)
    ok = evaluate_candidates(problem, pk).controlled
    rows = np.flatnonzero(ok.any(axis=1))
    if rows.size == 0:
        return None
    i = int(rows[-1])
    return problem.interval_options.days[i], problem.doses_sorted_mg[int(np.argmax(ok[i]))]


def interval_problem(max_days: int, n_doses: int) -> RecommendationProblem:
    doses = tuple(float(d) for d in np.linspace(75.0, 600.0, n_doses)) if n_doses > 1 \
        else (300.0,)
    return RecommendationProblem(patient=Patient(weight_kg=30.0), dose_options_mg=doses,
                                 interval_options=IntervalOptions(14, max_days, 1))


def bench_interval() -> None:
    print("== interval choice (score target), median ms; floor = numpy search")
    recommend_interval(interval_problem(40, 1))  # imports, the first highspy object
    for label, (max_days, n_doses) in (("71", (84, 1)), ("710", (84, 10)),
                                       ("7,100", (155, 50)), ("19,712", (365, 56))):
        problem = interval_problem(max_days, n_doses)
        t = time.perf_counter()
        rec = recommend_interval(problem)
        first = (time.perf_counter() - t) * 1e3
        assert (rec.interval_days, rec.dose_mg) == numpy_search(problem)
        reps = 200 if n_doses < 50 else 40
        floor = median_ms(lambda p=problem: numpy_search(p), reps)  # type: ignore[misc]
        total = median_ms(lambda p=problem: recommend_interval(p), reps)  # type: ignore[misc]
        pk = PKModel.from_parameters(problem.pk, problem.patient.weight_kg)
        data = evaluate_candidates(problem, pk).model_data()
        choice = median_ms(lambda d=data: choose_candidate(d), reps)  # type: ignore[misc]
        print(f"  {label:>6} candidates: numpy {floor:6.3f} | choice (HiGHS) {choice:6.3f} | "
              f"recommendation {total:6.3f} = {total / floor:4.1f}x numpy | first of this "
              f"size {first:5.1f}")


def bench_probability() -> None:
    from optimizer.individual.fit import default_priors, fit_individual
    from optimizer.individual.history import PatientHistory
    from optimizer.individual.probability import (
        brute_force_choice,
        control_matrix,
        required_count,
        solve_chance,
    )
    from optimizer.solve.chance import ChanceModelData
    from optimizer.solve.choice import preference_rank

    print("== probability step (matrix -> choice), median ms; floor = plain count")
    for n_i, n_k in ((11, 200), (11, 800), (71, 200), (71, 2000)):
        problem = RecommendationProblem(patient=Patient(weight_kg=30.0),
                                        interval_options=IntervalOptions(14, 13 + n_i, 1))
        empty = PatientHistory(doses=(), observations=(), evaluation_date=date(2020, 1, 1))
        samples = fit_individual(empty, problem, default_priors(problem.response)).samples(
            n_k, seed=1)
        ok = control_matrix(problem, samples)
        rank = preference_rank(n_i, 1)
        required = required_count(0.9, n_k)
        data = ChanceModelData(ok=ok, rank=rank, required=required)
        assert solve_chance(data)[0] == brute_force_choice(ok, rank, required)
        floor = median_ms(lambda d=data: brute_force_choice(d.ok, d.rank, d.required), 100)  # type: ignore[misc]
        ms = median_ms(lambda d=data: solve_chance(d), 100)  # type: ignore[misc]
        print(f"  {n_k:5d} samples x {n_i:2d} candidates: count {floor:6.3f} | HiGHS choice "
              f"{ms:6.3f} = {ms / floor:5.1f}x count")


def synthetic_history(n_obs: int) -> object:
    from optimizer.individual.history import DoseRecord, Observation, build_history

    start = date(2018, 1, 1)
    step = max(1, 1000 // n_obs) if n_obs < 1000 else 1
    days = [k * step for k in range(n_obs)]
    doses = [DoseRecord(start + timedelta(days=d), 300.0) for d in range(0, days[-1] + 1, 28)]
    obs = [Observation(start + timedelta(days=d), score=1.0 + 0.8 * np.sin(d / 9.0))
           for d in days]
    return build_history(doses, obs, start + timedelta(days=days[-1] + 1))


def bench_fit(include_2000: bool) -> None:
    from optimizer.individual.fit import default_priors, fit_individual

    print("== individual fit (MAP + weighted posterior draws), median ms")
    problem = RecommendationProblem(patient=Patient(weight_kg=30.0))
    priors = default_priors(problem.response)
    times: dict[int, float] = {}
    for n_obs in (19, 160, 2000):
        if n_obs == 2000 and not include_2000 and times[160] > 2000.0:
            print(f"  {n_obs:5d} observations: skipped (160 took {times[160]:.0f} ms, a very "
                  "loaded machine; --fit-2000 runs it anyway)")
            continue
        history = synthetic_history(n_obs)
        reps = 3 if n_obs < 2000 else 1
        times[n_obs] = median_ms(lambda h=history: fit_individual(  # type: ignore[misc]
            h, problem, priors), reps, warm_up=n_obs == 19)
        print(f"  {n_obs:5d} observations: {times[n_obs]:8.1f} ms")


def bench_plan() -> None:
    from bench_sections import reference_plan_context

    from optimizer.individual.plan import plan_transition

    print("== 26-week transition plan, median of 3, ms")
    for target in (35, 42):
        for weekdays, label in (((0,), "1 clinic day/week"), ((0, 1, 2, 3, 4), "5 days/week")):
            ctx = reference_plan_context(weekdays, target)
            plan = plan_transition(ctx)
            ms = median_ms(lambda c=ctx: plan_transition(c), 3)  # type: ignore[misc]
            print(f"  target {target} d, {label:<18} {ms:7.1f} ms -> {plan.injections} "
                  f"injections (greedy {plan.greedy_injections}), {plan.slots} slots, "
                  f"{plan.solver_status}")


def section(fn: Callable[[], None]) -> None:
    t = time.perf_counter()
    fn()
    print(f"   ({time.perf_counter() - t:.0f} s)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--http-seconds", type=float, default=4.0)
    parser.add_argument("--fit-2000", action="store_true")
    parser.add_argument("--skip", nargs="*", default=[],
                        choices=["startup", "interval", "probability", "fit", "plan", "http",
                                 "batch"])
    args = parser.parse_args()
    steps: dict[str, Callable[[], None]] = {
        "startup": bench_startup, "interval": bench_interval, "probability": bench_probability,
        "fit": lambda: bench_fit(args.fit_2000), "plan": bench_plan,
        "http": lambda: bench_http(args.http_seconds), "batch": bench_batch}
    for name, fn in steps.items():
        if name not in args.skip:
            section(fn)


if __name__ == "__main__":
    main()
