"""Story: the clinician asks for the longest interval controlled with probability >= p; the
model's answer equals a plain count over the same parameter samples."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer.core.problem import IntervalOptions, Patient, RecommendationProblem
from optimizer.core.results import Status
from optimizer.errors import InputError
from optimizer.exposure.pk import PKModel, steady_state_trough_mg_per_l
from optimizer.individual.fit import IndividualParameters, default_priors, fit_individual
from optimizer.individual.history import PatientHistory
from optimizer.individual.priors import params_from_z
from optimizer.individual.probability import (
    brute_force_choice,
    control_matrix,
    controlled_z,
    recommend_with_probability,
    required_count,
    share_controlled,
    solve_chance,
)
from optimizer.solve.chance_model import ChanceModelData


@st.composite
def control_tables(draw: st.DrawFn) -> tuple[np.ndarray, int]:
    n_c = draw(st.integers(1, 10))
    n_k = draw(st.integers(1, 12))
    flat = draw(st.lists(st.booleans(), min_size=n_c * n_k, max_size=n_c * n_k))
    return np.array(flat, dtype=bool).reshape(n_c, n_k), draw(st.integers(0, n_k))


@settings(max_examples=40)
@given(table=control_tables(), data=st.data())
def test_chance_model_equals_brute_force_count(table: tuple[np.ndarray, int],
                                                data: st.DataObject) -> None:
    ok, required = table
    rank = np.array(data.draw(st.permutations(range(ok.shape[0]))), dtype=np.float64)
    chosen, _, _, _ = solve_chance(ChanceModelData(ok=ok, rank=rank, required=required))
    assert chosen == brute_force_choice(ok, rank, required)
    if chosen is not None:
        assert ok[chosen].sum() >= required


def population_samples(n: int, problem: RecommendationProblem) -> list[IndividualParameters]:
    empty = PatientHistory(doses=(), observations=(), evaluation_date=date(2020, 1, 1))
    return fit_individual(empty, problem, default_priors(problem.response)).samples(n, seed=11)


@settings(max_examples=8)
@given(p=st.floats(0.5, 0.99), weight=st.sampled_from([20.0, 30.0, 60.0]),
       doses=st.sampled_from([(300.0,), (150.0, 300.0), (150.0, 300.0, 450.0)]))
def test_recommendation_equals_a_count_over_independent_troughs(
        p: float, weight: float, doses: tuple[float, ...]) -> None:
    problem = RecommendationProblem(patient=Patient(weight_kg=weight), dose_options_mg=doses,
                                    interval_options=IntervalOptions(14, 84, 7))
    samples = population_samples(60, problem)
    rec = recommend_with_probability(problem, samples, p)
    # independent count: per sample, the pk module's own steady-state trough
    base = PKModel.from_parameters(problem.pk, weight)
    best = None
    for tau in problem.interval_options.days:
        for d in sorted(doses):
            hits = sum(float(steady_state_trough_mg_per_l(s.pk_model(base), d, tau))
                       >= s.threshold_conc_mg_per_l(problem.threshold_score) for s in samples)
            if hits >= required_count(p, len(samples)):
                best = (tau, d, hits / len(samples))
                break
    if best is None:
        assert rec.status is Status.INFEASIBLE and rec.interval_days is None
    else:
        assert (rec.interval_days, rec.dose_mg) == best[:2]
        assert rec.probability == pytest.approx(best[2])


def test_probability_for_the_next_longer_interval_is_reported_and_below_target() -> None:
    problem = RecommendationProblem(patient=Patient(weight_kg=30.0))
    samples = population_samples(200, problem)
    rec = recommend_with_probability(problem, samples, 0.9)
    ok = control_matrix(problem, samples)
    assert rec.status is Status.OPTIMAL and rec.interval_days is not None
    assert rec.probability is not None and rec.probability >= 0.9
    i = problem.interval_options.days.index(rec.interval_days)
    assert rec.next_longer_probability == pytest.approx(ok[i + 1].mean())
    assert rec.next_longer_probability < 0.9


def test_too_many_samples_for_the_candidates_is_a_named_input_error() -> None:
    problem = RecommendationProblem(patient=Patient(weight_kg=30.0),
                                    dose_options_mg=tuple(75.0 * k for k in range(1, 33)))
    samples = population_samples(100, problem)
    with pytest.raises(InputError) as err:
        recommend_with_probability(problem, samples, 0.9)
    assert err.value.field == "samples"


def test_an_infeasible_answer_offers_the_option_controlled_most_often() -> None:
    problem = RecommendationProblem(patient=Patient(weight_kg=30.0),
                                    dose_options_mg=(150.0, 300.0),
                                    interval_options=IntervalOptions(28, 84, 14))
    samples = population_samples(80, problem)
    rec = recommend_with_probability(problem, samples, 1.0)
    assert rec.status is Status.INFEASIBLE
    share = control_matrix(problem, samples).mean(axis=1)
    # brute force: the highest share; on a tie the longest interval, then the smallest dose
    options = [(tau, d) for tau in problem.interval_options.days
               for d in problem.doses_sorted_mg]
    top = max(range(len(options)), key=lambda c: (share[c], options[c][0], -options[c][1]))
    best = rec.best_option
    assert (best.interval_days, best.dose_mg) == options[top]
    assert best.probability == pytest.approx(share[top]) and 0.0 < best.probability < 1.0


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), interval=st.sampled_from([14, 28, 42, 84]),
       dose=st.sampled_from([75.0, 300.0, 600.0]))
def test_the_vectorised_control_check_equals_the_per_sample_one(seed: int, interval: int,
                                                                 dose: float) -> None:
    problem = RecommendationProblem(patient=Patient(weight_kg=30.0))
    priors = default_priors(problem.response)
    z = np.random.default_rng(seed).normal(size=(50, 4)) * 1.5
    fast = controlled_z(problem, priors, z, interval, dose)
    slow = [share_controlled(problem, [params_from_z(priors, row)], interval, dose) == 1.0
            for row in z]
    assert fast.tolist() == slow
