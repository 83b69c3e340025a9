"""Benchmark: individual fit + probabilistic recommendation (200 samples) and a 26-week plan.

Prints medians over a few repetitions (wall-clock, this machine). Run:
``.venv/bin/python benchmarks/bench_individual.py``
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
from timing import median_ms  # benchmarks/timing.py

from optimizer.batch.scenario_files import load_recommendation
from optimizer.core.problem import IntervalOptions
from optimizer.exposure.pk import PKModel
from optimizer.individual.fit import _Objective, fit_individual
from optimizer.individual.plan import PlanContext, PlanOptions, plan_transition
from optimizer.individual.probability import recommend_with_probability
from optimizer.services.individual import _history, _priors

REPO = Path(__file__).resolve().parent.parent



def main() -> None:
    request = load_recommendation(REPO / "scenarios" / "reference-case-history.toml")
    problem = request.to_problem()
    history = _history(request)
    assert history is not None
    priors = _priors(request.priors, problem)
    fit = fit_individual(history, problem, priors)
    samples = fit.samples(200, seed=0)
    chance = recommend_with_probability(problem, samples, 0.9)   # warm-up (imports, HiGHS)
    fit_ms = median_ms(lambda: fit_individual(history, problem, priors), 5, warm_up=False)
    sample_ms = median_ms(lambda: fit.samples(200, seed=0), 5, warm_up=False)
    chance_ms = median_ms(lambda: recommend_with_probability(problem, samples, 0.9), 5,
                          warm_up=False)
    print(f"reference history: {len(history.doses)} doses, {len(history.observations)} "
          f"observations; fit status {fit.status}")
    print(f"fit (MAP + Laplace)                      {fit_ms:8.1f} ms")
    objective = _Objective(history, PKModel.from_parameters(problem.pk,
                                                            problem.patient.weight_kg), priors)
    for m in (1, 144):
        z = np.zeros((m, len(priors.fitted)))
        obj_ms = median_ms(lambda z=z: objective.values_and_gradients(z), 20, warm_up=False)  # type: ignore[misc]
        print(f"  objective + gradient, {m:3d} parameter set(s) in one pass {obj_ms:6.2f} ms")
    print(f"200 posterior samples                    {sample_ms:8.1f} ms")
    print(f"probability model, 200 samples x {problem.interval_options.days.__len__()} "
          f"candidates {chance_ms:8.1f} ms  -> {chance.interval_days} days, "
          f"p = {chance.probability}")
    print(f"fit + samples + probability              {fit_ms + sample_ms + chance_ms:8.1f} ms")
    daily = replace(problem, interval_options=IntervalOptions(14, 84, 1))
    daily_ms = median_ms(lambda: recommend_with_probability(daily, samples, 0.9), 5, warm_up=False)
    answer = recommend_with_probability(daily, samples, 0.9)
    print(f"probability model, 200 samples x 71 candidates (daily) {daily_ms:8.1f} ms  -> "
          f"{answer.interval_days} days, p = {answer.probability}")
    pt = fit.point
    pk = pt.pk_model(PKModel.from_parameters(problem.pk, problem.patient.weight_kg))
    for weekdays, label in (((0,), "1 clinic day/week"), ((0, 1, 2, 3, 4), "5 clinic days/week")):
        ctx = PlanContext(history=history, pk=pk, response=pt.response(),
                          threshold_score=problem.threshold_score,
                          threshold_conc_mg_per_l=pt.threshold_conc_mg_per_l(
                              problem.threshold_score),
                          dose_mg=300.0, target_interval_days=int(chance.interval_days or 35),
                          current_interval_days=35,
                          options=PlanOptions(horizon_weeks=26, clinic_weekdays=weekdays))
        plan = plan_transition(ctx)
        ms = median_ms(lambda c=ctx: plan_transition(c), 3, warm_up=False)  # type: ignore[misc]
        print(f"26-week plan, {label:18s}      {ms:8.1f} ms  -> {plan.injections} injections "
              f"(greedy {plan.greedy_injections}), {plan.slots} slots, status "
              f"{plan.status.value}, gap {plan.mip_gap}")


if __name__ == "__main__":
    main()
