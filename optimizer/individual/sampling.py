"""Posterior samples of the individual parameters: adaptive importance sampling with
Pareto-smoothed importance weights (PSIS) and their diagnostics.

Why importance sampling and not a Markov chain: the negative log posterior
(:class:`optimizer.individual.fit._Objective`) evaluates thousands of parameter sets in one numpy
pass, so a few independent batches of draws cost milliseconds, need no burn-in, and give a
diagnostic with a known meaning (the Pareto shape ``k`` of the largest weights: below 0.7 the
estimates are reliable, Vehtari et al. 2024, "Pareto smoothed importance sampling", JMLR 25).
An ensemble sampler would have to walk a long curved ridge step by step.

Flow, on the standardised scale ``z`` of :mod:`optimizer.individual.priors` (the posterior is
``exp(-f(z))`` inside the z bounds, zero outside):

1. The first proposal is a defensive mixture: a Student-t (4 degrees of freedom) around each
   posterior optimum with its Laplace covariance widened 1.5 times in scale, and the prior
   ``N(0, I)`` itself, which covers every region the data leave plausible (weights 0.5 optima,
   0.5 prior).
2. ``ADAPT_ROUNDS`` times (half-size batches): draw, weight, and fit a Student-t to the weighted
   draws (mean and covariance, scale 1.2); the next proposal is that component (0.7), the
   optima's (0.2) and the prior (0.1), so no region found once is lost.
3. A final batch from the adapted mixture; PSIS smooths the largest weights and gives ``k``.

Every draw and its log weight is kept, so an answer under another measurement or prior choice
is the same draws reweighted (:mod:`optimizer.individual.sensitivity`). Seeded: the same
history gives the same draws.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["MAX_PARETO_K", "MIN_EFFECTIVE_SAMPLE_SIZE", "PosteriorDraws", "SamplerDiagnostics",
           "ess", "prior_draws", "psis", "resample", "sample_posterior", "weighted_quantiles"]

FloatArray = NDArray[np.float64]
BatchObjective = Callable[[FloatArray], FloatArray]
#: Mode: weight, z mean, z covariance (as in :mod:`optimizer.individual.posterior`).
Mode = tuple[float, FloatArray, FloatArray]

#: PSIS reliability limit of the Pareto shape (Vehtari et al. 2024: k < 0.7 reliable).
MAX_PARETO_K = 0.7
#: Fewest effective draws for a converged answer (modelling choice: the Monte Carlo SD of a
#: probability is then at most 0.5 / sqrt(400) = 2.5 points).
MIN_EFFECTIVE_SAMPLE_SIZE = 400.0
#: Draws per batch, and fewer for long histories so a batch costs about the same
#: (``DRAW_BUDGET`` observation-draws; numerical choices).
DRAWS = 6000
MIN_DRAWS = 1500
DRAW_BUDGET = 300_000
#: Adaptation rounds before the final batch; extra rounds when the diagnostics fail.
ADAPT_ROUNDS = 2
EXTRA_ROUNDS = 2
#: Student-t degrees of freedom and scale factors of the proposal (numerical choices: heavy
#: tails and a wider spread than the target keep the weights bounded).
T_DF = 4.0
MODE_SCALE = 1.5
ADAPTED_SCALE = 1.2
#: Mixture weights: adapted component, optima, prior (modelling choice, defensive mixture);
#: the prior's share of the first proposal.
MIX = (0.7, 0.2, 0.1)
FIRST_PRIOR_SHARE = 0.5


def logsumexp(a: FloatArray, axis: int | None = None) -> FloatArray:
    """``log(sum(exp(a)))`` along ``axis`` without overflow (shift by the maximum). The same
    result as ``scipy.special.logsumexp`` for finite and ``-inf`` entries; written with numpy
    so that a population answer, which draws from the prior, does not import scipy (~0.5 s)."""
    m = np.max(a, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):  # all -inf: the sum is 0 and the answer -inf
        out = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
    return np.asarray(out.squeeze() if axis is None else np.squeeze(out, axis=axis))


@dataclass(frozen=True)
class SamplerDiagnostics:
    """How far the samples can be trusted: ``effective_sample_size`` (Kish, of the smoothed
    weights), ``pareto_k`` (PSIS shape; None for exact prior draws), ``converged``."""

    method: str
    draws: int
    effective_sample_size: float
    pareto_k: float | None
    converged: bool


@dataclass(frozen=True)
class PosteriorDraws:
    """Draws on the z scale ``(N, n)``, their normalised log weights ``(N,)`` (PSIS-smoothed)
    and the raw log importance ratios (log posterior - log proposal), kept for reweighting."""

    z: FloatArray
    log_weight: FloatArray
    log_ratio: FloatArray
    log_target: FloatArray  # unnormalised log posterior at each draw
    diagnostics: SamplerDiagnostics

    @property
    def weight(self) -> FloatArray:
        out: FloatArray = np.exp(self.log_weight)
        return out

    def support(self) -> tuple[FloatArray, FloatArray]:
        """The draws with a positive weight (inside the bounds) and their weights."""
        keep = np.isfinite(self.log_weight)
        return self.z[keep], self.weight[keep]


@dataclass(frozen=True)
class _Component:
    weight: float
    mean: FloatArray
    chol: FloatArray  # Cholesky factor of the scale matrix
    df: float | None  # None: Gaussian

    def draw(self, rng: np.random.Generator, n: int) -> FloatArray:
        g = rng.standard_normal((n, self.mean.size))
        if self.df is not None:
            g /= np.sqrt(rng.chisquare(self.df, size=(n, 1)) / self.df)
        out: FloatArray = self.mean + g @ self.chol.T
        return out

    def log_pdf(self, z: FloatArray) -> FloatArray:
        d = self.mean.size
        x = np.linalg.solve(self.chol, (z - self.mean).T).T
        q = (x * x).sum(axis=1)
        log_det = float(np.log(np.diag(self.chol)).sum())
        if self.df is None:
            out: FloatArray = -0.5 * q - 0.5 * d * math.log(2 * math.pi) - log_det
            return out
        v = self.df
        const = math.lgamma((v + d) / 2) - math.lgamma(v / 2) - 0.5 * d * math.log(v * math.pi)
        out = const - log_det - 0.5 * (v + d) * np.log1p(q / v)
        return out


def _chol(cov: FloatArray, scale: float) -> FloatArray:
    sym = 0.5 * (cov + cov.T) * scale * scale
    lam, vec = np.linalg.eigh(sym)
    lam = np.clip(lam, 1e-6, 25.0)               # keep every direction between 0.001 and 5 SDs
    out: FloatArray = np.linalg.cholesky((vec * lam) @ vec.T)
    return out


def _mixture_log_pdf(parts: Sequence[_Component], z: FloatArray) -> FloatArray:
    logs = np.stack([math.log(c.weight) + c.log_pdf(z) for c in parts])
    out: FloatArray = logsumexp(logs, axis=0)
    return out


def _draw_mixture(parts: Sequence[_Component], rng: np.random.Generator, n: int) -> FloatArray:
    counts = rng.multinomial(n, [c.weight for c in parts])
    return np.concatenate([c.draw(rng, int(k)) for c, k in zip(parts, counts, strict=True)])


def _log_target(fn: BatchObjective, z: FloatArray, zb: FloatArray) -> FloatArray:
    inside = np.all((z >= zb[:, 0]) & (z <= zb[:, 1]), axis=1)
    out = np.full(z.shape[0], -np.inf)
    if inside.any():
        out[inside] = -fn(z[inside])
    out[~np.isfinite(out)] = -np.inf
    return out


def psis(log_ratio: FloatArray) -> tuple[FloatArray, float]:
    """Smoothed, normalised log weights and the Pareto shape ``k`` (arviz-stats' PSIS)."""
    # imported here: it loads scipy.signal (about 1 s), needed only once a fit samples
    from arviz_stats.base.array import array_stats

    finite = np.isfinite(log_ratio)
    smoothed = np.full(log_ratio.shape, -np.inf)
    # psislw reads its input as a log-likelihood whose negative is the log ratio (LOO's use)
    centred = log_ratio[finite] - np.max(log_ratio[finite])
    if np.ptp(centred) < 1e-12:       # equal weights: no tail to smooth (bounded, k <= 0)
        smoothed[finite] = -math.log(centred.size)
        return smoothed, 0.0
    try:
        lw, k = array_stats.psislw(-centred)  # type: ignore[no-untyped-call]
    except ValueError:                # a tail of equal weights: likewise nothing to smooth
        lw, k = centred, 0.0
    smoothed[finite] = lw - logsumexp(lw)
    return smoothed, float(k)


def ess(log_weight: FloatArray) -> float:
    w = np.exp(log_weight - logsumexp(log_weight))
    return float(1.0 / np.sum(w * w))


def _weighted_moments(z: FloatArray, log_weight: FloatArray) -> tuple[FloatArray, FloatArray]:
    w = np.exp(log_weight - logsumexp(log_weight))
    mean = w @ z
    d = z - mean
    cov: FloatArray = (d * w[:, None]).T @ d
    return mean, cov


def _draw_count(n_observations: int) -> int:
    return int(min(DRAWS, max(MIN_DRAWS, DRAW_BUDGET // max(n_observations, 1))))


def sample_posterior(fn: BatchObjective, modes: Sequence[Mode], zb: FloatArray,
                     n_observations: int, seed: int = 0) -> PosteriorDraws:
    """Adaptive importance sampling of ``exp(-fn(z))`` inside the bounds ``zb`` (shape
    ``(n, 2)``); ``modes`` are the optima found by the fit (their Laplace covariances shape the
    first proposal). See the module doc for the steps and the sources of the limits."""
    rng = np.random.default_rng(seed)
    n = zb.shape[0]
    prior = _Component(MIX[2], np.zeros(n), np.eye(n), None)
    optima = [_Component(MIX[1] * w, mean, _chol(cov, MODE_SCALE), T_DF)
              for w, mean, cov in modes]
    half = FIRST_PRIOR_SHARE
    parts: list[_Component] = [
        *(_Component((1.0 - half) * w, mean, _chol(cov, MODE_SCALE), T_DF)
          for w, mean, cov in modes),
        _Component(half if modes else 1.0, np.zeros(n), np.eye(n), None)]
    size = _draw_count(n_observations)
    rounds = ADAPT_ROUNDS + 1
    best: PosteriorDraws | None = None
    for r in range(ADAPT_ROUNDS + 1 + EXTRA_ROUNDS):
        # adaptation batches are half size: they only shape the next proposal
        z = _draw_mixture(parts, rng, size if r + 1 >= rounds else size // 2)
        log_target = _log_target(fn, z, zb)
        log_ratio = log_target - _mixture_log_pdf(parts, z)
        if not np.isfinite(log_ratio).any():
            break
        log_weight, k = psis(log_ratio)
        n_eff = ess(log_weight)
        ok = k < MAX_PARETO_K and n_eff >= MIN_EFFECTIVE_SAMPLE_SIZE
        current = PosteriorDraws(z=z, log_weight=log_weight, log_ratio=log_ratio,
                                 log_target=log_target,
                                 diagnostics=SamplerDiagnostics(
                                     method="importance sampling (PSIS), adaptive mixture",
                                     draws=z.shape[0], effective_sample_size=n_eff,
                                     pareto_k=k,
                                     converged=ok))
        if r + 1 >= rounds and (ok or r + 1 == ADAPT_ROUNDS + 1 + EXTRA_ROUNDS):
            return current
        if best is None or n_eff > best.diagnostics.effective_sample_size:
            best = current
        mean, cov = _weighted_moments(z, log_weight)
        if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(cov))):
            break
        adapted = _Component(MIX[0] if modes else MIX[0] + MIX[1], mean,
                             _chol(cov, ADAPTED_SCALE), T_DF)
        parts = [adapted, *optima, prior]
    if best is None:
        return prior_draws(n, size, seed, zb)
    return best


def prior_draws(n: int, size: int, seed: int = 0, zb: FloatArray | None = None
                ) -> PosteriorDraws:
    """Exact draws from the prior ``N(0, I)`` on the z scale, equally weighted; draws outside
    the bounds ``zb`` (shape (n, 2)), when given, get weight zero."""
    z = np.random.default_rng(seed).standard_normal((size, n))
    log_target = -0.5 * (z * z).sum(axis=1)
    if zb is not None:
        inside = np.all((z >= zb[:, 0]) & (z <= zb[:, 1]), axis=1)
        log_target = np.where(inside, log_target, -np.inf)
    log_ratio = np.where(np.isfinite(log_target), 0.0, -np.inf)
    log_weight = log_ratio - logsumexp(log_ratio)
    return PosteriorDraws(z=z, log_weight=log_weight, log_ratio=log_ratio,
                          log_target=log_target,
                          diagnostics=SamplerDiagnostics(method="prior (exact draws)",
                                                         draws=size,
                                                         effective_sample_size=ess(log_weight),
                                                         pareto_k=None, converged=True))


def resample(draws: PosteriorDraws, n: int, seed: int = 0) -> FloatArray:
    """``n`` equally weighted rows of ``draws.z`` by systematic resampling (one uniform
    offset; lower variance than multinomial resampling), in random order."""
    rng = np.random.default_rng(seed)
    cum = np.cumsum(draws.weight)
    cum /= cum[-1]
    points = (rng.random() + np.arange(n)) / n
    idx = np.minimum(np.searchsorted(cum, points, side="right"), cum.size - 1)
    out: FloatArray = draws.z[rng.permutation(idx)]
    return out


def weighted_quantiles(x: FloatArray, weight: FloatArray, q: Sequence[float]) -> FloatArray:
    """Quantiles ``q`` of ``x`` (shape (N,)) under normalised weights (inverse of the weighted
    empirical distribution)."""
    order = np.argsort(x, kind="stable")
    cum = np.cumsum(weight[order])
    cum /= cum[-1]
    idx = np.minimum(np.searchsorted(cum, np.asarray(q), side="left"), x.size - 1)
    out: FloatArray = x[order][idx]
    return out
