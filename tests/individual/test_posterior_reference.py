"""Story: on the case report's own history, the probabilities and ranges the answer quotes are
those of the posterior itself, checked against an independent long random-walk Markov chain on
the same objective, priors and bounds.

Tolerance: four combined Monte Carlo standard errors, ``4 sqrt(se_mcmc^2 + se_is^2)``, with
``se_mcmc = sqrt(p (1 - p) / ess_mcmc)`` (ess of the chains' indicator, arviz-stats' bulk ESS)
and ``se_is = sqrt(p (1 - p) / ess_is)`` (Kish ESS of the importance weights). A correct
sampler fails this about once in 16,000 runs per figure; a sampler that misses the shallow end of
the posterior (the old Laplace approximation gave 0 % for 42 days against about 83 %) fails by
dozens of standard errors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from arviz_stats.base.array import array_stats

from optimizer.batch.scenario_files import load_recommendation
from optimizer.core.problem import RecommendationProblem
from optimizer.individual.fit import FitResult, fit_individual, log_posterior_for
from optimizer.individual.history import PatientHistory
from optimizer.individual.priors import Priors, params_from_z
from optimizer.individual.probability import control_matrix
from optimizer.services.individual import _history, _priors

REPO = Path(__file__).resolve().parents[2]
INTERVALS = (35, 42, 49)
CHAINS, WARM_UP, STEPS, THIN = 16, 4000, 12000, 10


@dataclass(frozen=True)
class Reference:
    problem: RecommendationProblem
    history: PatientHistory
    priors: Priors
    fit: FitResult
    chains_z: np.ndarray  # (chains, draws, n)


def random_walk_metropolis(log_post: object, zb: np.ndarray, seed: int) -> np.ndarray:
    """Vectorised random-walk Metropolis, ``CHAINS`` chains started from the prior (spread
    wider than the posterior); the proposal covariance is tuned during the warm-up from the
    chains' own states (2.38^2 / d x covariance), then frozen."""
    fn = log_post

    def logp(z: np.ndarray) -> np.ndarray:
        inside = np.all((z >= zb[:, 0]) & (z <= zb[:, 1]), axis=1)
        out = np.full(z.shape[0], -np.inf)
        out[inside] = -fn(z[inside])  # type: ignore[operator]
        return out

    rng = np.random.default_rng(seed)
    d = zb.shape[0]
    z = np.clip(rng.standard_normal((CHAINS, d)), zb[:, 0] + 1e-6, zb[:, 1] - 1e-6)
    lp = logp(z)
    chol = np.linalg.cholesky(np.eye(d) * 0.1)
    recent: list[np.ndarray] = []
    kept: list[np.ndarray] = []
    for step in range(WARM_UP + STEPS):
        prop = z + rng.standard_normal((CHAINS, d)) @ chol.T
        lq = logp(prop)
        accept = np.log(rng.random(CHAINS)) < lq - lp
        z = np.where(accept[:, None], prop, z)
        lp = np.where(accept, lq, lp)
        if step < WARM_UP:
            recent.append(z.copy())
            if step % 1000 == 999:
                states = np.concatenate(recent[-500:])
                chol = np.linalg.cholesky(2.38**2 / d * np.cov(states.T) + 1e-8 * np.eye(d))
        elif step % THIN == 0:
            kept.append(z.copy())
    return np.stack(kept, axis=1)


@pytest.fixture(scope="module")
def reference() -> Reference:
    request = load_recommendation(REPO / "scenarios" / "reference-case-history.toml")
    problem = request.to_problem()
    history = _history(request)
    assert history is not None
    priors = _priors(request.priors, problem)
    fit = fit_individual(history, problem, priors)
    chains = random_walk_metropolis(log_posterior_for(history, problem)(priors),
                                    priors.z_bounds(), seed=20261130)
    return Reference(problem, history, priors, fit, chains)


def controlled(ref: Reference, z: np.ndarray) -> dict[int, np.ndarray]:
    """Per interval of ``INTERVALS``: is each parameter set controlled at 300 mg?"""
    ok = control_matrix(ref.problem, [params_from_z(ref.priors, row) for row in z])
    days = ref.problem.interval_options.days
    return {iv: ok[days.index(iv)] for iv in INTERVALS}


def test_probabilities_of_control_agree_with_a_long_reference_chain(reference: Reference
                                                                    ) -> None:
    ref = reference
    assert ref.fit.diagnostics.converged
    draws = ref.fit.draws
    assert draws is not None
    z, w = draws.support()
    ess_is = ref.fit.diagnostics.effective_sample_size
    flat = ref.chains_z.reshape(-1, ref.chains_z.shape[2])
    by_chain = controlled(ref, flat)
    by_draw = controlled(ref, z)
    for iv in INTERVALS:
        p_is = float(by_draw[iv] @ w)
        ind = by_chain[iv].reshape(CHAINS, -1).astype(np.float64)
        p_mc = float(ind.mean())
        ess_mc = float(array_stats.ess(ind, chain_axis=0, draw_axis=1))
        p = min(max(0.5 * (p_is + p_mc), 0.02), 0.98)   # a floor keeps the SE honest at 0 / 1
        se = math.sqrt(p * (1 - p) / ess_mc + p * (1 - p) / ess_is)
        assert abs(p_is - p_mc) <= 4 * se, (iv, p_is, p_mc, se, ess_mc, ess_is)
    # the figures the docs quote (42 days controlled in about 83 %, not 0 %)
    assert 0.75 <= float(by_draw[42] @ w) <= 0.9
    assert float(by_draw[35] @ w) >= 0.98


def test_parameter_ranges_agree_with_the_reference_chain(reference: Reference) -> None:
    """The 95 % range of EC50 (the issue's 40-60 mg/L from the Laplace approximation against
    about 22-81 sampled) and of the Hill coefficient; the quantiles agree to within 0.25 prior
    SDs on the log scale (their Monte Carlo error at these sample sizes is about 0.1)."""
    ref = reference
    flat = ref.chains_z.reshape(-1, ref.chains_z.shape[2])
    for k, p in enumerate(ref.fit.parameters):
        lo, hi = np.quantile(flat[:, k], [0.025, 0.975])
        prior = ref.priors.get(p.name)
        lo_fit = math.log(p.lower_95 / prior.median) / prior.log_sd
        hi_fit = math.log(p.upper_95 / prior.median) / prior.log_sd
        assert abs(lo_fit - lo) <= 0.25 and abs(hi_fit - hi) <= 0.25, (p.name, lo, hi, p)
    ec50 = next(p for p in ref.fit.parameters if p.name == "ec50_mg_per_l")
    assert ec50.lower_95 < 30.0 and ec50.upper_95 > 70.0
