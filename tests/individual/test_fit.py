"""Story: the patient's own doses and scores pin down their sensitivity, with honest intervals."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from optimizer.core.problem import IntervalOptions, Patient, RecommendationProblem
from optimizer.exposure.pk import PKModel, concentration_mg_per_l
from optimizer.exposure.symptoms import score
from optimizer.individual.fit import (
    IndividualParameters,
    Priors,
    _Objective,
    default_priors,
    fit_individual,
)
from optimizer.individual.history import DoseRecord, Observation, PatientHistory, build_history
from optimizer.individual.likelihood import DoseSums
from optimizer.individual.missed import return_day
from optimizer.individual.priors import params_from_z
from optimizer.individual.probability import controlled_z, recommend_with_probability

PROBLEM = RecommendationProblem(patient=Patient(weight_kg=30.0))
# The stories below were built for the label-SD clearance prior (log-sd 0.44): their
# patients clear up to 1.5 x faster than typical, 1.9 SDs out under the sourced prior.
_SOURCED = default_priors(PROBLEM.response)
PRIORS = replace(_SOURCED, clearance_factor=replace(_SOURCED.clearance_factor, log_sd=0.44))
D0 = date(2019, 9, 2)
# 6 doses q4w, a missed dose (8 weeks), then q5w x 4: the reference case's shape.
DOSE_DAYS = [0, 28, 56, 84, 112, 140, 196, 231, 266, 301]


def record(latent: float) -> float:
    """A recorded score, as the fit's measurement model assumes: 0 below the detection level,
    otherwise the whole point, at most 10."""
    return 0.0 if latent < PRIORS.zero_below_score else float(np.clip(np.rint(latent), 1, 10))


def simulate(truth: IndividualParameters, rng: np.random.Generator) -> PatientHistory:
    """Scores every 5 days, drawn from the model itself: predicted + N(0, 1), recorded in whole
    points on 0-10 (:func:`record`); a few yes/no answers."""
    pk = truth.pk_model(PKModel.from_parameters(PROBLEM.pk, 30.0))
    obs_days = np.arange(0, 330, 5)
    conc = concentration_mg_per_l(pk, DOSE_DAYS, [300.0] * len(DOSE_DAYS), obs_days)
    latent = score(truth.response(), conc) + rng.normal(0.0, PRIORS.score_sd, obs_days.size)
    observations = []
    for k, (d, y) in enumerate(zip(obs_days, latent, strict=True)):
        when = D0 + timedelta(days=int(d))
        if k % 6 == 5:   # some visits only record "symptomatic: yes/no"
            yes = bool(y > PRIORS.symptom_cutoff_score)
            observations.append(Observation(when, symptomatic=yes))
        else:
            observations.append(Observation(when, score=record(float(y))))
    doses = [DoseRecord(D0 + timedelta(days=d), 300.0) for d in DOSE_DAYS]
    return build_history(doses, observations, D0 + timedelta(days=330))


def draw_truth(rng: np.random.Generator) -> IndividualParameters:
    z = rng.normal(size=4)
    p = [PRIORS.ec50_mg_per_l, PRIORS.baseline_score, PRIORS.clearance_factor, PRIORS.hill]
    ec50, s0, cl, hill = (q.median * math.exp(q.log_sd * zi) for q, zi in zip(p, z, strict=True))
    lo, hi = PRIORS.natural_bounds("hill")
    return IndividualParameters(ec50_mg_per_l=ec50, baseline_score=min(s0, 10.0),
                                clearance_factor=cl, hill=min(max(hill, lo), hi))


def test_fit_recovers_known_parameters_in_most_simulated_patients() -> None:
    rng = np.random.default_rng(20240601)
    hits = {"ec50_mg_per_l": 0, "clearance_factor": 0, "hill": 0}
    n = 40
    for _ in range(n):
        truth = draw_truth(rng)
        fit = fit_individual(simulate(truth, rng), PROBLEM, PRIORS)
        assert fit.status == "fitted"
        for p in fit.parameters:
            if p.name in hits:
                hits[p.name] += p.lower_95 <= getattr(truth, p.name) <= p.upper_95
    assert hits["ec50_mg_per_l"] / n >= 0.8, hits
    assert hits["clearance_factor"] / n >= 0.8, hits
    assert hits["hill"] / n >= 0.8, hits


def test_data_narrow_the_interval_and_the_report_says_how_far_they_moved() -> None:
    rng = np.random.default_rng(7)
    truth = IndividualParameters(ec50_mg_per_l=30.0, baseline_score=8.5, clearance_factor=1.0,
                                 hill=4.0)
    h = simulate(truth, rng)
    fit = fit_individual(h, PROBLEM, replace(PRIORS, fit_hill=False))
    ec50 = next(p for p in fit.parameters if p.name == "ec50_mg_per_l")
    assert ec50.sd_ratio < 0.75                      # narrower than the prior (sampled SD)
    # an unknown steepness is honest uncertainty: EC50's interval is wider when hill is fitted
    free = next(p for p in fit_individual(h, PROBLEM, PRIORS).parameters
                if p.name == "ec50_mg_per_l")
    assert free.sd_ratio > ec50.sd_ratio
    assert ec50.shift_prior_sd < -0.5                # moved down from the prior median 62.4
    assert ec50.lower_95 <= ec50.estimate <= ec50.upper_95
    assert math.log(ec50.estimate / ec50.prior_median) / PRIORS.ec50_mg_per_l.log_sd == \
        pytest.approx(ec50.shift_prior_sd)


def test_no_observations_returns_the_prior_and_says_so() -> None:
    h = build_history([DoseRecord(D0, 300.0)], [], D0 + timedelta(days=10))
    fit = fit_individual(h, PROBLEM, PRIORS)
    assert fit.status == "prior" and "prior" in fit.message
    for p in fit.parameters:
        assert p.estimate == pytest.approx(p.prior_median)
        assert p.lower_95 == pytest.approx(p.prior_lower_95)
        assert p.sd_ratio == pytest.approx(1.0)


def test_a_fit_that_does_not_converge_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(_fun: Any, x0: Any, *_: Any, **__: Any) -> SimpleNamespace:
        return SimpleNamespace(x=np.asarray(x0), fun=1.0, success=False,
                               message="iteration limit")

    monkeypatch.setattr("optimizer.individual.fit.minimize", failing)
    rng = np.random.default_rng(1)
    fit = fit_individual(simulate(draw_truth(rng), rng), PROBLEM, PRIORS)
    assert fit.status == "not_converged"
    assert "did not converge" in fit.message and "iteration limit" in fit.message


def test_posterior_samples_are_reproducible_and_centred_on_the_fit() -> None:
    rng = np.random.default_rng(3)
    fit = fit_individual(simulate(draw_truth(rng), rng), PROBLEM, PRIORS)
    a, b = fit.samples(300, seed=5), fit.samples(300, seed=5)
    assert a == b
    log_ec50 = np.log([s.ec50_mg_per_l for s in a])
    assert np.median(log_ec50) == pytest.approx(math.log(fit.point.ec50_mg_per_l), abs=0.1)


def test_an_observation_the_fitted_model_cannot_explain_is_named() -> None:
    rng = np.random.default_rng(4)
    truth = IndividualParameters(ec50_mg_per_l=40.0, baseline_score=8.5, clearance_factor=1.0,
                                 hill=4.0)
    h = simulate(truth, rng)
    odd = D0 + timedelta(days=143)     # a week after a dose: the concentration is high
    obs = sorted([*(o for o in h.observations if o.date != odd),
                  Observation(odd, symptomatic=True)], key=lambda o: o.date)
    fit = fit_individual(build_history(list(h.doses), obs, h.evaluation_date), PROBLEM, PRIORS)
    assert odd.isoformat() in fit.unexplained and odd.isoformat() in fit.message


# The reference case's shape: 4-weekly, a missed dose (8 weeks), 4-weekly again, then 5-weekly.
STEEP_DOSE_DAYS = [0, 28, 56, 84, 112, 140, 168, 217, 245, 273, 301,
                   336, 371, 406, 441, 476, 511, 546, 581]
STEEP_RELAPSE_DAY = 168 + 42          # six weeks after the last 4-weekly dose before the gap


def steep_patient() -> IndividualParameters:
    """A patient steeper than the default (hill 15, clearance 1.5 x label), with EC50 set so
    that six weeks after a 4-weekly dose the predicted score is 3 (symptomatic)."""
    hill, cl, s0 = 15.0, 1.5, 8.5
    pk = replace(BASE_PK, ke_per_day=BASE_PK.ke_per_day * cl)
    relapse_conc = float(concentration_mg_per_l(pk, STEEP_DOSE_DAYS[:7], [300.0] * 7,
                                                STEEP_RELAPSE_DAY))
    ec50 = relapse_conc / (s0 / 3.0 - 1.0) ** (1.0 / hill)   # score(relapse_conc) = 3
    return IndividualParameters(ec50_mg_per_l=ec50, baseline_score=s0, clearance_factor=cl,
                                hill=hill)


BASE_PK = PKModel.from_parameters(PROBLEM.pk, 30.0)


def steep_history(truth: IndividualParameters, rng: np.random.Generator) -> PatientHistory:
    """As in the reference case: a score before every injection but the one that resumed
    therapy, and a yes/no at the relapse, drawn from the truth (just before the injection)."""
    pk = truth.pk_model(BASE_PK)
    days = np.array(sorted({*STEEP_DOSE_DAYS, STEEP_RELAPSE_DAY} - {STEEP_DOSE_DAYS[7]}),
                    dtype=np.float64)
    conc = concentration_mg_per_l(pk, STEEP_DOSE_DAYS, [300.0] * len(STEEP_DOSE_DAYS),
                                  days - 1e-9)
    latent = score(truth.response(), conc) + rng.normal(0.0, PRIORS.score_sd, days.size)
    obs = [Observation(D0 + timedelta(days=int(d)), symptomatic=bool(y > 2.0))
           if d == STEEP_RELAPSE_DAY else Observation(D0 + timedelta(days=int(d)),
                                                      score=record(float(y)))
           for d, y in zip(days, latent, strict=True)]
    doses = [DoseRecord(D0 + timedelta(days=d), 300.0) for d in STEEP_DOSE_DAYS]
    return build_history(doses, obs, D0 + timedelta(days=STEEP_DOSE_DAYS[-1] + 28))


def reference_like_histories() -> list[PatientHistory]:
    """Simulated histories of the steep patient that show the reference case's story:
    symptomatic six weeks after a 4-weekly dose, no 5-weekly score above 1."""
    out = []
    relapse = D0 + timedelta(days=STEEP_RELAPSE_DAY)
    for seed in range(8):
        h = steep_history(steep_patient(), np.random.default_rng(seed))
        five_weekly = [o.score for o in h.observations if o.date >= D0 + timedelta(days=336)]
        if next(o for o in h.observations if o.date == relapse).symptomatic and \
                all(s is not None and s <= 1 for s in five_weekly):
            out.append(h)
    return out


def test_a_steep_responder_who_relapsed_at_six_weeks_is_explained_and_not_claimed_at_six(
        ) -> None:
    histories = reference_like_histories()
    assert len(histories) >= 4                          # the story is what the truth produces
    relapse = (D0 + timedelta(days=STEEP_RELAPSE_DAY)).isoformat()
    weekly = replace(PROBLEM, interval_options=IntervalOptions(14, 84, 7))
    explained = 0
    for h in histories:
        fit = fit_individual(h, PROBLEM, PRIORS)
        assert fit.status == "fitted"
        explained += relapse not in fit.unexplained
        hill = next(p for p in fit.parameters if p.name == "hill")
        assert hill.estimate > PRIORS.hill.median       # the data say: steeper than the default
        assert hill.lower_95 <= steep_patient().hill <= hill.upper_95
        # The posterior does not claim six weeks at the 90 % level: the history is also
        # explained by a shallower response (see docs/individual.md), so six weeks is
        # controlled in a large share of it, but below 90 % of the weighted draws; the answer
        # is chosen on those weighted draws (as the service asks), so it is shorter.
        z, w = fit.draws.support()  # type: ignore[union-attr]
        p42 = float(controlled_z(PROBLEM, PRIORS, z, 42, 300.0) @ w)
        p49 = float(controlled_z(PROBLEM, PRIORS, z, 49, 300.0) @ w)
        assert p49 < p42 < 0.9, (p42, p49)
        draws, weights = fit.weighted_samples(10_000)
        rec = recommend_with_probability(weekly, draws, 0.9, weights=weights)
        assert rec.interval_days is not None and rec.interval_days < 42
        if relapse not in fit.unexplained:   # the fitted model places the relapse by then
            pt = fit.point
            back = return_day(pt.pk_model(BASE_PK), h.dose_days[:7], h.doses_mg[:7],
                              float(h.dose_days[6]),
                              pt.threshold_conc_mg_per_l(PROBLEM.threshold_score))
            assert back <= h.day(D0 + timedelta(days=STEEP_RELAPSE_DAY))
    assert explained >= 0.75 * len(histories)


def test_with_the_steepness_fixed_the_same_relapse_is_mostly_not_explained() -> None:
    """The contrast: the same histories fitted with hill fixed at the default."""
    relapse = (D0 + timedelta(days=STEEP_RELAPSE_DAY)).isoformat()
    histories = reference_like_histories()
    flagged = sum(relapse in fit_individual(h, PROBLEM, replace(PRIORS, fit_hill=False))
                  .unexplained for h in histories)
    assert flagged > len(histories) / 2


def direct_neg_log_posterior(z: np.ndarray, h: PatientHistory, priors: Priors) -> float:
    """The objective written out plainly, one observation at a time, from the PK and symptom
    modules: the score's whole-point interval (0 = below the detection level, 10 = above
    9.5) or the yes/no probit, plus the standard normal prior on z."""
    p = params_from_z(priors, z)
    conc = concentration_mg_per_l(p.pk_model(BASE_PK), h.dose_days, h.doses_mg,
                                  h.observation_days)
    mu = score(p.response(), conc)
    total = 0.5 * float(z @ z)
    sd = priors.score_sd
    for o, m in zip(h.observations, mu, strict=True):
        if o.score is None:
            sign = 1.0 if o.symptomatic else -1.0
            total -= math.log(norm.cdf(sign * (m - priors.symptom_cutoff_score) / sd))
            continue
        y = o.score
        lo = -math.inf if y == 0 else max(y - 0.5, min(priors.zero_below_score, y))
        hi = priors.zero_below_score if y == 0 else (math.inf if y + 0.5 >= 10 else y + 0.5)
        a, b = (lo - m) / sd, (hi - m) / sd
        # the upper tails when the interval lies above the mean, to avoid 1 - 1
        prob = norm.sf(a) - norm.sf(b) if a > 0 else norm.cdf(b) - norm.cdf(a)
        total -= math.log(prob)
    return total


OBJECTIVE_HISTORY = simulate(draw_truth(np.random.default_rng(11)), np.random.default_rng(12))
OBJECTIVE = _Objective(OBJECTIVE_HISTORY, BASE_PK, PRIORS)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-1.5, 1.5), min_size=4, max_size=4))
def test_the_fast_objective_and_its_gradient_match_the_model_written_out(z_list: list[float]
                                                                          ) -> None:
    z = np.array(z_list)
    direct = direct_neg_log_posterior(z, OBJECTIVE_HISTORY, PRIORS)
    value, grad = OBJECTIVE.values_and_gradients(z[None, :])
    assert value[0] == pytest.approx(direct, rel=1e-9)
    step = 1e-5
    numeric = [(direct_neg_log_posterior(z + step * e, OBJECTIVE_HISTORY, PRIORS)
                - direct_neg_log_posterior(z - step * e, OBJECTIVE_HISTORY, PRIORS)) / (2 * step)
               for e in np.eye(4)]
    assert grad[0] == pytest.approx(numeric, rel=1e-4, abs=1e-4)


def test_many_parameter_sets_at_once_give_the_same_values_as_one_at_a_time() -> None:
    z = np.random.default_rng(5).normal(size=(25, 4))
    together = OBJECTIVE.values(z)
    alone = [OBJECTIVE.values(row[None, :])[0] for row in z]
    assert together == pytest.approx(alone, rel=1e-12)


def test_parameter_sets_spread_over_several_chunks_give_the_values_of_one_at_a_time() -> None:
    """More parameter sets than one pass holds (the objective works through them in
    cache-sized chunks): every value and gradient is the one its set gives alone."""
    z = np.random.default_rng(6).normal(size=(2 * OBJECTIVE.rows + 7, 4))
    values, grads = OBJECTIVE.values_and_gradients(z)
    assert OBJECTIVE.values(z) == pytest.approx(values, rel=1e-12)
    for k in (0, OBJECTIVE.rows - 1, OBJECTIVE.rows, z.shape[0] - 1):
        alone, grad = OBJECTIVE.values_and_gradients(z[k:k + 1])
        assert values[k] == pytest.approx(alone[0], rel=1e-12)
        assert grads[k] == pytest.approx(grad[0], rel=1e-10, abs=1e-12)


def test_the_fitted_point_is_a_minimum_of_the_model_written_out() -> None:
    """No nearby point (a star of steps along each parameter and the diagonals, inside the
    bounds) has a lower written-out objective than the reported estimate."""
    fit = fit_individual(OBJECTIVE_HISTORY, PROBLEM, PRIORS)
    assert fit.status == "fitted"
    z_hat, zb = fit.z_mean, PRIORS.z_bounds()
    best = direct_neg_log_posterior(z_hat, OBJECTIVE_HISTORY, PRIORS)
    directions = [*np.eye(4), *(np.ones(4) * s for s in (-1, 1)), *(-np.eye(4))]
    for d in directions:
        for size in (0.01, 0.05, 0.2):
            z = np.clip(z_hat + size * d, zb[:, 0], zb[:, 1])
            assert direct_neg_log_posterior(z, OBJECTIVE_HISTORY, PRIORS) >= best - 1e-7


@settings(max_examples=60, deadline=None)
@given(dose_days=st.lists(st.integers(-400, 0), min_size=0, max_size=12, unique=True),
       obs_days=st.lists(st.integers(-450, 0), min_size=1, max_size=15, unique=True),
       rates=st.lists(st.floats(1e-3, 0.5), min_size=1, max_size=4))
def test_the_linear_dose_sums_equal_the_dense_observations_x_doses_sums(
        dose_days: list[int], obs_days: list[int], rates: list[float]) -> None:
    """The recursion over doses gives the sums the dense array gave (observations before the
    first dose and on a dose day included)."""
    days = np.array(sorted(dose_days), dtype=np.float64)
    obs = np.array(sorted(obs_days), dtype=np.float64)
    amounts = np.linspace(75.0, 600.0, days.size)
    k = np.array(rates)[:, None]
    decay, lagged = DoseSums(days, amounts, obs).sums(k, with_lags=True)
    lag = obs[:, None] - days[None, :]
    weight = np.where(lag >= 0.0, amounts[None, :], 0.0)
    lag = np.maximum(lag, 0.0)
    dense = (weight * np.exp(-k[..., None] * lag)).sum(axis=2)
    dense_lagged = (weight * lag * np.exp(-k[..., None] * lag)).sum(axis=2)
    assert decay == pytest.approx(dense, rel=1e-10, abs=1e-10)
    assert lagged == pytest.approx(dense_lagged, rel=1e-10, abs=1e-8)
