"""Story: the population's probability of control printed on every answer is a share of
samples computed in numpy over all samples at once; it equals, to the last bit, the share the
per-sample loop computed (kept here as the reference), with or without weights, one option at
a time or several together, from a list of parameter sets or their cached columns."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from optimizer.core.problem import Patient, PKParameters, RecommendationProblem
from optimizer.exposure.pk import PKModel
from optimizer.individual.priors import IndividualParameters, default_priors
from optimizer.individual.probability import (
    SampleSet,
    population_sample_set,
    population_samples,
    share_controlled,
    shares_controlled,
)


def loop_share(problem: RecommendationProblem, samples: list[IndividualParameters],
               interval_days: float, dose_mg: float,
               weights: NDArray[np.float64] | None = None) -> float:
    """The reference: each sample's rate and threshold concentration read one by one."""
    base = PKModel.from_parameters(problem.pk, problem.patient.weight_kg)
    ke = np.array([base.ke_per_day * s.clearance_factor for s in samples])
    ka, vol = base.ka_per_day, base.volume_l
    trough = dose_mg * ka / (vol * (ka - ke)) * (1.0 / -np.expm1(-ke * interval_days)
                                                  - 1.0 / -np.expm1(-ka * interval_days))
    c_star = np.array([s.threshold_conc_mg_per_l(problem.threshold_score) for s in samples])
    ok = (trough >= c_star).astype(np.float64)
    return float(ok.mean() if weights is None else ok @ weights / weights.sum())


_sample = st.builds(IndividualParameters, ec50_mg_per_l=st.floats(1.0, 500.0),
                    baseline_score=st.floats(0.5, 12.0), clearance_factor=st.floats(0.2, 5.0),
                    hill=st.floats(0.3, 30.0))


@settings(max_examples=150, deadline=None)
@given(samples=st.lists(_sample, min_size=1, max_size=40),
       threshold=st.floats(0.05, 8.4), weight_kg=st.floats(20.0, 150.0),
       half_life_days=st.floats(10.0, 40.0),
       options=st.lists(st.tuples(st.integers(1, 200), st.floats(1.0, 2400.0)),
                        min_size=1, max_size=4),
       weighted=st.booleans(), seed=st.integers(0, 1000))
def test_vectorised_shares_equal_the_per_sample_loop(
        samples: list[IndividualParameters], threshold: float, weight_kg: float,
        half_life_days: float, options: list[tuple[int, float]], weighted: bool,
        seed: int) -> None:
    problem = RecommendationProblem(patient=Patient(weight_kg=weight_kg),
                                    pk=PKParameters(half_life_days=half_life_days),
                                    threshold_score=threshold)
    weights = np.random.default_rng(seed).random(len(samples)) + 0.01 if weighted else None
    expected = [loop_share(problem, samples, tau, dose, weights) for tau, dose in options]
    table = SampleSet.of(samples)
    for tau, dose in options:
        got = [share_controlled(problem, s, tau, dose, weights) for s in (samples, table)]
        assert got == [loop_share(problem, samples, tau, dose, weights)] * 2
    together = shares_controlled(problem, table, [(float(t), d) for t, d in options], weights)
    assert together.tolist() == expected


def test_population_sample_set_is_the_population_samples_read_only_and_shared() -> None:
    priors = default_priors(RecommendationProblem(patient=Patient(weight_kg=60.0)).response)
    listed = population_samples(priors, 200, 0)
    table = population_sample_set(priors, 200, 0)
    assert table is population_sample_set(priors, 200, 0)
    assert len(table) == 200
    assert table.hill.tolist() == [s.hill for s in listed]
    assert table.clearance_factor.tolist() == [s.clearance_factor for s in listed]
    with pytest.raises(ValueError, match="read-only"):
        table.hill[0] = 1.0
