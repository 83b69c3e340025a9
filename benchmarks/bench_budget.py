"""Benchmark: the per-unit costs behind the request-time budget (optimizer.services.budget),
and the budget's estimate next to the measured time of a few requests.

Prints (wall-clock, this machine, one warm-up call each): the binding model's cost per
steady-state step and per grid cell (from two grids that differ only in doses), the surrogate
check's cost per patient-day, the comparison's per patient-day-schedule, and then one line per
request: estimate, measured median, and their ratio (the estimates are meant to lie at or
above the measured time, within a factor of about 3). Run (about 60 s):
``PYTHONPATH=. .venv/bin/python benchmarks/bench_budget.py``
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from timing import median_ms  # benchmarks/timing.py

from optimizer.comparison.population import population_work
from optimizer.schemas.comparison import ComparisonRequest
from optimizer.schemas.free_ige import DosingGridRequest, SurrogateCheckRequest
from optimizer.schemas.recommendation import RecommendationRequest
from optimizer.services import budget
from optimizer.services.comparison import compare
from optimizer.services.free_ige import dosing_grid_public, surrogate_check_public
from optimizer.services.recommendation import recommend
from optimizer.settings import Settings

NO_BUDGET = Settings(request_time_limit_s=0)


def _grid(n_w: int, n_g: int, n_d: int, intervals: list[int]) -> DosingGridRequest:
    return DosingGridRequest.model_validate({
        "weights_kg": [30 + 10 * i for i in range(n_w)],
        "ige_iu_per_ml": [100 + 100 * i for i in range(n_g)],
        "dose_options_mg": [75.0 * k for k in range(1, n_d + 1)],
        "interval_options_days": intervals,
        "target": {"kind": "free_ige", "max_dose_mg": 2400, "allow_extrapolation": True}})


def _history(samples: int, weeks: int, weekdays: list[str]) -> RecommendationRequest:
    doses = [f"2019-{m:02d}-07" for m in range(1, 13)]
    return RecommendationRequest.model_validate({
        "patient": {"weight_kg": 30}, "evaluation_date": "2020-01-13", "samples": samples,
        "history": {"doses": [{"date": d, "dose_mg": 300} for d in doses],
                    "observations": [{"date": d, "score": 1} for d in doses[2:]]},
        "min_probability": 0.9, "interval_options_days": {"min": 14, "max": 84, "step": 7},
        "plan": {"horizon_weeks": weeks, "clinic_weekdays": weekdays}})


def unit_costs() -> None:
    a = median_ms(lambda: dosing_grid_public(_grid(10, 10, 8, [28]), NO_BUDGET), 3) / 1e3
    b = median_ms(lambda: dosing_grid_public(_grid(10, 10, 32, [28]), NO_BUDGET), 3) / 1e3
    steps = budget.FREE_IGE_STEPS_PER_DAY * 28
    per_step = (b - a) / (100 * 24 * steps)
    per_cell = (a - 100 * 8 * steps * per_step) / 100
    print(f"steady-state step: {per_step * 1e6:.2f} us (budget "
          f"{budget.S_PER_STEADY_STATE_STEP * 1e6:.2f} us)")
    print(f"grid cell:         {per_cell * 1e3:.2f} ms (budget "
          f"{budget.S_PER_FREE_IGE_CELL * 1e3:.2f} ms)")
    one = _check(1, 1825, False)
    per_day = median_ms(lambda: surrogate_check_public(one, NO_BUDGET), 3) / 1e3 / 1825
    many = _check(50, 365, False)
    s = median_ms(lambda: surrogate_check_public(many, NO_BUDGET), 3) / 1e3
    per_pd = (s - 365 * per_day) / (50 * 365)
    fitted = _check(5, 1825, True)
    f = median_ms(lambda: surrogate_check_public(fitted, NO_BUDGET), 3) / 1e3
    per_fit = (f - 1825 * per_day - 5 * 1825 * per_pd) / (5 * 1825)
    print(f"check day:         {per_day * 1e3:.2f} ms (budget "
          f"{budget.S_PER_CHECK_DAY * 1e3:.2f} ms)")
    print(f"patient-day:       {per_pd * 1e6:.2f} us (budget "
          f"{budget.S_PER_PATIENT_DAY * 1e6:.2f} us)")
    print(f"fit patient-day:   {per_fit * 1e6:.2f} us (budget "
          f"{budget.S_PER_FIT_PATIENT_DAY * 1e6:.2f} us)")
    cmp = _comparison(10_000)
    c = median_ms(lambda: compare(cmp, NO_BUDGET), 3) / 1e3
    print(f"population unit:   {c / _work(cmp) * 1e9:.1f} ns (budget "
          f"{budget.S_PER_POPULATION_UNIT * 1e9:.1f} ns)")


def _check(n: int, horizon_days: int, fit: bool) -> SurrogateCheckRequest:
    return SurrogateCheckRequest.model_validate(
        {"patients": [{"weight_kg": 20 + i, "baseline_ige_iu_per_ml": 100 + 10 * i}
                      for i in range(n)], "horizon_days": horizon_days, "fit": fit})


def _comparison(n: int) -> ComparisonRequest:
    return ComparisonRequest.model_validate(
        {"patient": {"weight_kg": 30}, "schedules": ["300 mg q4w", "300 mg q2w", "150 mg q4w"],
         "horizon_days": 364, "population": {"n": n}})


def _work(req: ComparisonRequest) -> int:
    from optimizer.core.regimen import parse_schedule

    assert req.population is not None
    scheds = [parse_schedule(s) for s in req.schedules if isinstance(s, str)]
    return population_work(req.population.n, scheds, req.horizon_days)


def requests() -> list[tuple[str, budget.Estimate, Callable[[], Any]]]:
    """(name, the budget's estimate, the call) for a few requests."""
    out: list[tuple[str, budget.Estimate, Callable[[], Any]]] = []
    for dims in [(10, 10, 32, [14, 28]), (4, 4, 32, [365]), (3, 3, 8, [182]),
                 (1, 1, 8, [14, 28])]:
        req = _grid(*dims)
        out.append((f"grid {dims}", budget.dosing_grid_estimate(*dims),
                    lambda r=req: dosing_grid_public(r, NO_BUDGET)))
    for n, h, fit in [(7, 364, True), (10, 3650, False), (25, 3650, True)]:
        chk = _check(n, h, fit)
        out.append((f"surrogate check {n} x {h} days{', fit' if fit else ''}",
                    budget.surrogate_check_estimate(n, h, fit),
                    lambda c=chk: surrogate_check_public(c, NO_BUDGET)))
    cmp = _comparison(20_000)
    out.append(("comparison n=20,000", budget.comparison_estimate(_work(cmp), 20_000),
                lambda: compare(cmp, NO_BUDGET)))
    plain = RecommendationRequest.model_validate(
        {"patient": {"weight_kg": 30}, "dose_options_mg": [75.0 * k for k in range(1, 9)],
         "interval_options_days": {"min": 7, "max": 365, "step": 1},
         "allow_above_label_max": True})
    out.append(("score target, 2,872 candidates", budget.recommendation_estimate(2_872),
                lambda: recommend(plain, NO_BUDGET)))
    ind = _history(2000, 52, ["mon", "wed"])
    out.append(("individual, 2,000 samples, plan 52 w x 2 d",
                budget.individual_estimate(2000, 10, 52 * 2),
                lambda: recommend(ind, NO_BUDGET)))
    return out


def main() -> None:
    unit_costs()
    print(f"{'request':45s} {'estimate s':>10s} {'measured s':>10s} {'ratio':>6s}")
    for name, est, call in requests():
        measured = median_ms(call, 3) / 1e3
        print(f"{name:45s} {est.seconds:10.3f} {measured:10.3f} "
              f"{est.seconds / measured:6.2f}")
    slow = budget.dosing_grid_estimate(10, 10, 32, [363, 364, 365])
    print(f"the 10 x 10 x 32 x (363-365) grid: estimate {slow.seconds:.1f} s (not run; "
          f"refused at the default {Settings().request_time_limit_s:g} s)")


if __name__ == "__main__":
    main()
