"""Story: a probability of control computed on the weighted posterior draws is chosen on
directly — the HiGHS choice equals a brute-force count of the weighted shares."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer.core.problem import IntervalOptions, Patient, RecommendationProblem
from optimizer.individual.priors import IndividualParameters
from optimizer.individual.probability import control_matrix, weighted_choice


def _problem() -> RecommendationProblem:
    return RecommendationProblem(patient=Patient(weight_kg=30.0),
                                 interval_options=IntervalOptions(14, 70, 7),
                                 dose_options_mg=(150.0, 300.0))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.05, 0.99))
def test_weighted_choice_is_the_longest_interval_then_smallest_dose_meeting_the_share(
        seed: int, p: float) -> None:
    rng = np.random.default_rng(seed)
    problem = _problem()
    samples = [IndividualParameters(ec50_mg_per_l=float(e), hill=float(h),
                                    baseline_score=8.5, clearance_factor=float(c))
               for e, h, c in zip(rng.lognormal(np.log(63.7), 0.5, 60),
                                  rng.lognormal(np.log(4.0), 0.4, 60),
                                  rng.lognormal(0.0, 0.2, 60), strict=True)]
    w = rng.random(60) ** 3
    rec = weighted_choice(problem, samples, w, p)
    ok = control_matrix(problem, samples)
    share = ok.astype(float) @ (w / w.sum())
    days, doses = problem.interval_options.days, problem.doses_sorted_mg
    best = None
    for i, tau in enumerate(days):              # brute force: plain loops over the grid
        for j, dose in enumerate(doses):
            if share[i * len(doses) + j] >= p - 1e-12:
                if best is None or tau > best[0] or (tau == best[0] and dose < best[1]):
                    best = (tau, dose, share[i * len(doses) + j])
    if best is None:
        assert rec.interval_days is None
    else:
        assert (rec.interval_days, rec.dose_mg) == (best[0], best[1])
        assert rec.probability is not None and abs(rec.probability - best[2]) < 1e-12


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(1, 500), st.floats(0.5, 10), st.floats(0.2, 5),
                          st.floats(0.3, 30)), min_size=1, max_size=20),
       st.floats(0.5, 9.5))
def test_sample_arrays_equal_the_per_sample_threshold_concentrations(
        rows: list[tuple[float, float, float, float]], threshold: float) -> None:
    from optimizer.individual.probability import sample_arrays

    samples = [IndividualParameters(ec50_mg_per_l=e, baseline_score=s0, clearance_factor=c,
                                    hill=h) for e, s0, c, h in rows]
    factor, c_star = sample_arrays(samples, threshold)
    for s, f, c in zip(samples, factor, c_star, strict=True):
        assert f == s.clearance_factor
        assert c == pytest.approx(s.threshold_conc_mg_per_l(threshold), rel=1e-12, abs=0.0)
