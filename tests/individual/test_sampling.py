"""Story: the posterior sampler reproduces posteriors whose answer is known in closed form,
finds mass far from the optimum it was given, says when it cannot be trusted, and gives the
same draws for the same input."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from optimizer.individual import sampling
from optimizer.individual.sampling import (
    prior_draws,
    psis,
    resample,
    sample_posterior,
    weighted_quantiles,
)
from optimizer.schemas.recommendation import RecommendationRequest
from optimizer.services.recommendation import recommend

BOUNDS = np.array([[-6.0, 6.0]] * 3)


def gaussian(mean: np.ndarray, cov: np.ndarray) -> Any:
    prec = np.linalg.inv(cov)

    def fn(z: np.ndarray) -> np.ndarray:
        d = z - mean
        out: np.ndarray = 0.5 * np.einsum("mi,ij,mj->m", d, prec, d)
        return out
    return fn


def test_a_gaussian_posterior_is_reproduced_in_mean_covariance_and_quantiles() -> None:
    mean = np.array([0.5, -1.0, 2.0])
    cov = np.array([[0.04, 0.01, 0.0], [0.01, 0.09, -0.02], [0.0, -0.02, 0.25]])
    draws = sample_posterior(gaussian(mean, cov), [(1.0, mean, cov)], BOUNDS, 20, seed=1)
    assert draws.diagnostics.converged and draws.diagnostics.pareto_k is not None
    w = draws.weight
    m = w @ draws.z
    c = ((draws.z - m) * w[:, None]).T @ (draws.z - m)
    n_eff = draws.diagnostics.effective_sample_size
    se = np.sqrt(np.diag(cov) / n_eff)
    assert np.all(np.abs(m - mean) <= 4 * se)
    assert np.allclose(np.diag(c), np.diag(cov), rtol=0.15)
    q = weighted_quantiles(draws.z[:, 2], w, (0.025, 0.975))
    assert q == pytest.approx(mean[2] + np.array([-1.96, 1.96]) * 0.5, abs=0.1)


def test_mass_far_from_the_given_optimum_is_found() -> None:
    """Two equal bumps, the sampler told about one: the defensive prior component finds the
    other, and each gets about half the weight."""
    a, b = np.array([-2.0, 0.0, 0.0]), np.array([2.0, 0.5, 0.0])
    cov = np.eye(3) * 0.1

    def fn(z: np.ndarray) -> np.ndarray:
        da, db = z - a, z - b
        la, lb = -0.5 * (da * da).sum(1) / 0.1, -0.5 * (db * db).sum(1) / 0.1
        out: np.ndarray = -np.logaddexp(la, lb)
        return out
    draws = sample_posterior(fn, [(1.0, a, cov)], BOUNDS, 20, seed=2)
    share_b = float(draws.weight @ (draws.z[:, 0] > 0))
    assert share_b == pytest.approx(0.5, abs=0.08)


def test_failed_diagnostics_are_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sampling, "MIN_EFFECTIVE_SAMPLE_SIZE", 1e9)
    mean, cov = np.zeros(3), np.eye(3) * 0.04
    draws = sample_posterior(gaussian(mean, cov), [(1.0, mean, cov)], BOUNDS, 20, seed=3)
    assert not draws.diagnostics.converged


def test_an_answer_whose_sampler_failed_carries_the_warning(monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    monkeypatch.setattr(sampling, "MIN_EFFECTIVE_SAMPLE_SIZE", 1e9)
    body = {"patient": {"weight_kg": 30},
            "history": {"doses": [{"date": "2020-01-06", "dose_mg": 300},
                                  {"date": "2020-02-03", "dose_mg": 300}],
                        "observations": [{"date": "2020-02-03", "score": 0}]}}
    out = recommend(RecommendationRequest.model_validate(body))
    assert out.fit is not None and out.fit.diagnostics is not None
    assert not out.fit.diagnostics.converged
    assert "sampler_not_converged" in {w.code for w in out.warnings}


def test_the_same_input_gives_the_same_draws_and_resamples() -> None:
    mean, cov = np.ones(3), np.eye(3) * 0.2
    one = sample_posterior(gaussian(mean, cov), [(1.0, mean, cov)], BOUNDS, 20, seed=4)
    two = sample_posterior(gaussian(mean, cov), [(1.0, mean, cov)], BOUNDS, 20, seed=4)
    assert np.array_equal(one.z, two.z) and np.array_equal(one.log_weight, two.log_weight)
    assert np.array_equal(resample(one, 50, 9), resample(two, 50, 9))


def test_prior_draws_outside_the_bounds_get_no_weight_and_equal_ratios_are_not_smoothed(
        ) -> None:
    draws = prior_draws(3, 2000, 0, np.array([[-1.0, 1.0]] * 3))
    z, w = draws.support()
    assert np.all(np.abs(z) <= 1.0) and w.sum() == pytest.approx(1.0)
    lw, k = psis(np.zeros(100))
    assert np.allclose(np.exp(lw), 0.01) and k == 0.0
