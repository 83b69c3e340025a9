"""The posterior of the individual fit: its optima (a vectorised Newton search), Laplace
approximations there (they shape the sampler's first proposal), the report of each parameter
and the posterior samples.

Everything works on the standardised log scale ``z`` of :mod:`optimizer.individual.priors`. The
Laplace approximation at an optimum ``z*`` is ``N(z*, H^-1)`` with ``H`` the finite-difference
Hessian of the negative log posterior there; distinct optima are weighted by their Laplace mass
``exp(-f) sqrt(det cov)``. Intervals, spreads and samples come from the weighted posterior
draws of :mod:`optimizer.individual.sampling`, not from these approximations.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from optimizer.individual.priors import IndividualParameters, LogNormalPrior, Priors, params_from_z
from optimizer.individual.sampling import (
    PosteriorDraws,
    SamplerDiagnostics,
    prior_draws,
    resample,
    weighted_quantiles,
)

__all__ = ["FitResult", "Mode", "ParameterFit", "find_modes", "hessian",
           "newton_minimise", "prior_result", "report"]

FloatArray = NDArray[np.float64]
#: A posterior mode: weight, z mean, z covariance.
Mode = tuple[float, FloatArray, FloatArray]
#: Many points in, one value each out: ``(m, n) -> (m,)``.
BatchObjective = Callable[[FloatArray], FloatArray]
_Z95 = 1.959963984540054
#: Two optima closer than this on the standardised scale (prior SDs) are the same mode.
SAME_MODE_Z = 0.25
#: A mode carrying less of the posterior weight than this is ignored (modelling choice).
MIN_MODE_WEIGHT = 0.02
#: Finite-difference step of the Hessian on the standardised scale (prior SDs).
HESSIAN_STEP_Z = 1e-3
#: Vectorised Newton (``newton_minimise``): difference step of the Hessian, smallest curvature used,
#: trial step lengths of the line search, iteration cap and convergence tolerance (all on the
#: standardised scale; numerical choices).
NEWTON_H = 1e-6
NEWTON_MIN_CURVATURE = 1e-3
NEWTON_STEPS = 0.5 ** np.arange(12)
NEWTON_ITERATIONS = 50
#: Prior draws behind an answer without observations (exact draws; numerical choice).
PRIOR_DRAWS = 6000
#: Trial steps of the line search evaluated together (index ranges into ``NEWTON_STEPS``).
NEWTON_CHUNKS = ((0, 2), (2, 5), (5, 12))
NEWTON_TOL = 1e-7


@dataclass(frozen=True)
class ParameterFit:
    name: str
    estimate: float
    lower_95: float
    upper_95: float
    prior_median: float
    prior_lower_95: float
    prior_upper_95: float
    shift_prior_sd: float
    sd_ratio: float
    source: str


@dataclass(frozen=True)
class FitResult:
    """``status``: "fitted", "prior" (no observations) or "not_converged"."""

    status: str
    message: str
    n_observations: int
    parameters: tuple[ParameterFit, ...]
    point: IndividualParameters
    fitted: tuple[str, ...]
    z_mean: FloatArray
    z_cov: FloatArray
    priors: Priors
    #: Dates of observations the fitted model gives less than the surprise probability.
    unexplained: tuple[str, ...] = ()
    #: Distinct posterior optima (weight, z mean, z covariance) when more than one carries
    #: weight (they shape the sampler's first proposal).
    modes: tuple[Mode, ...] = ()
    #: Weighted posterior draws (the prior's own draws when not fitted); every probability,
    #: interval and range of the answer comes from them.
    draws: PosteriorDraws | None = None

    @property
    def diagnostics(self) -> SamplerDiagnostics:
        return self._draws().diagnostics

    def _draws(self) -> PosteriorDraws:
        return self.draws or prior_draws(len(self.fitted), PRIOR_DRAWS, 0,
                                         self.priors.z_bounds())

    def samples_z(self, n: int, seed: int = 0) -> FloatArray:
        """``n`` equally weighted posterior draws on the z scale, shape (n, n_fitted)."""
        return resample(self._draws(), n, seed)

    def weighted_samples(self, max_draws: int) -> tuple[list[IndividualParameters], FloatArray]:
        """The posterior draws themselves with their importance weights (normalised), the
        draws of negligible weight (< 1e-9 of the largest) left out; at most ``max_draws``,
        the heaviest kept. Probabilities computed on these carry no resampling noise."""
        d = self._draws()
        w = d.weight
        keep = np.flatnonzero(w >= 1e-9 * w.max())
        if keep.size > max_draws:
            keep = keep[np.argsort(w[keep])[::-1][:max_draws]]
        kept = w[keep] / w[keep].sum()
        return [params_from_z(self.priors, d.z[k]) for k in keep], kept

    def samples(self, n: int, seed: int = 0) -> list[IndividualParameters]:
        """``n`` equally weighted posterior draws (importance resampling of :attr:`draws`;
        exact prior draws when not fitted)."""
        return [params_from_z(self.priors, row) for row in self.samples_z(n, seed)]


def hessian(fn: BatchObjective, z: FloatArray, h: float = HESSIAN_STEP_Z) -> FloatArray:
    """Central four-point finite-difference Hessian of ``fn`` at ``z``; all points in one call."""
    n = z.size
    eye = np.eye(n) * h
    pairs = [(i, j) for i in range(n) for j in range(i, n)]
    points = np.array([z + si * eye[i] + sj * eye[j] for i, j in pairs
                       for si, sj in ((1, 1), (1, -1), (-1, 1), (-1, -1))])
    f = fn(points).reshape(len(pairs), 4)
    vals = (f[:, 0] - f[:, 1] - f[:, 2] + f[:, 3]) / (4 * h * h)
    hess = np.zeros((n, n))
    for (i, j), val in zip(pairs, vals, strict=True):
        hess[i, j] = hess[j, i] = val
    return hess


def report(priors: Priors, z: FloatArray, draws: PosteriorDraws) -> tuple[ParameterFit, ...]:
    """Estimates at ``z`` (the MAP, or the prior median); 95 % intervals are the weighted 2.5
    and 97.5 % quantiles of the posterior ``draws`` and the SD ratio their weighted SD."""
    out = []
    w = draws.weight
    for k, name in enumerate(priors.fitted):
        p = priors.get(name)
        col = draws.z[:, k]
        mean = float(w @ col)
        sd_z = math.sqrt(max(float(w @ (col - mean) ** 2), 0.0))
        lo_z, hi_z = (float(q) for q in weighted_quantiles(col, w, (0.025, 0.975)))
        low, cap = priors.natural_bounds(name)

        def value(zk: float, p: LogNormalPrior = p, low: float = low, cap: float = cap) -> float:
            return min(max(p.median * math.exp(p.log_sd * zk), low), cap)
        out.append(ParameterFit(
            name=name, estimate=value(float(z[k])), lower_95=value(lo_z),
            upper_95=value(hi_z), prior_median=p.median,
            prior_lower_95=math.exp(math.log(p.median) - _Z95 * p.log_sd),
            prior_upper_95=min(math.exp(math.log(p.median) + _Z95 * p.log_sd), cap),
            shift_prior_sd=float(z[k]), sd_ratio=sd_z, source=p.source))
    return tuple(out)


def prior_result(priors: Priors, n_obs: int, status: str, message: str) -> FitResult:
    """The population prior itself, reported as the answer (its exact 95 % ranges; the
    samples are exact prior draws)."""
    n = len(priors.fitted)
    z0, cov0 = np.zeros(n), np.eye(n)
    draws = prior_draws(n, PRIOR_DRAWS, 0, priors.z_bounds())
    exact = tuple(replace(p, lower_95=p.prior_lower_95, upper_95=p.prior_upper_95,
                          sd_ratio=1.0) for p in report(priors, z0, draws))
    return FitResult(status=status, message=message, n_observations=n_obs,
                     parameters=exact,
                     point=params_from_z(priors, z0), fitted=priors.fitted,
                     z_mean=z0, z_cov=cov0, priors=priors, draws=draws)


class BatchObjectiveWithGradient(Protocol):
    """Values ``(m,)`` and gradients ``(m, n)`` at many points ``(m, n)`` in one call."""

    def values(self, z: FloatArray) -> FloatArray: ...

    def values_and_gradients(self, z: FloatArray) -> tuple[FloatArray, FloatArray]: ...


class OptimiserRun(Protocol):
    """What :func:`find_modes` reads of an optimiser's answer (scipy's ``OptimizeResult``)."""

    x: FloatArray
    fun: float


def find_modes(fn: BatchObjective, runs: Sequence[OptimiserRun]) -> tuple[Mode, ...]:
    """Distinct local optima with a positive curvature, best first, each weighted by its
    Laplace mass ``exp(-f) sqrt(det cov)``; modes under ``MIN_MODE_WEIGHT`` are dropped.
    Empty when the best optimum has no positive curvature."""
    found: list[Mode] = []
    for r in sorted(runs, key=lambda r: float(r.fun)):
        z = np.asarray(r.x, dtype=np.float64)
        if any(np.max(np.abs(z - m)) < SAME_MODE_Z for _, m, _ in found):
            continue
        hess = hessian(fn, z)
        if not np.all(np.isfinite(hess)) or np.linalg.eigvalsh(hess).min() <= 1e-8:
            if not found:
                return ()
            continue
        cov = np.linalg.inv(hess)
        cov = 0.5 * (cov + cov.T)
        found.append((-float(r.fun) + 0.5 * float(np.linalg.slogdet(cov)[1]), z, cov))
    if not found:
        return ()
    logw = np.array([w for w, _, _ in found])
    w = np.exp(logw - logw.max())
    w /= w.sum()
    keep = [k for k in range(len(found)) if w[k] >= MIN_MODE_WEIGHT]
    total = float(w[keep].sum())
    return tuple((float(w[k]) / total, found[k][1], found[k][2]) for k in keep)


def newton_minimise(objective: BatchObjectiveWithGradient, start: FloatArray, free: list[int],
                    zb: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Minimise over the ``free`` coordinates from every row of ``start`` at once (the other
    coordinates stay put): projected Newton steps with the Hessian from differences of the
    analytic gradient, its eigenvalues made positive, and a backtracking line search whose
    trial steps are evaluated a few at a time for all rows at once (:func:`_line_search_values`).
    Returns each row's minimum and minimiser."""
    z = start.copy()
    m, k = z.shape[0], len(free)
    low, high = zb[free, 0], zb[free, 1]
    eye = np.eye(z.shape[1])[free] * NEWTON_H
    for _ in range(NEWTON_ITERATIONS):
        probe = np.concatenate([z, *(z + e for e in eye)])
        value, grad = objective.values_and_gradients(probe)
        g = grad[:m, free]
        hess = np.stack([(grad[(j + 1) * m:(j + 2) * m, free] - g) / NEWTON_H
                         for j in range(k)], axis=2)
        x = z[:, free]
        held = ((x <= low) & (g > 0.0)) | ((x >= high) & (g < 0.0))   # pressed on a bound
        move = ~held[:, :, None] & ~held[:, None, :]
        hess = np.where(move, 0.5 * (hess + hess.transpose(0, 2, 1)), 0.0)
        lam, vec = np.linalg.eigh(hess + held[:, :, None] * np.eye(k))
        lam = np.maximum(np.abs(lam), NEWTON_MIN_CURVATURE)
        step = -np.einsum("mij,mj,mlj,ml->mi", vec, 1.0 / lam, vec, np.where(held, 0.0, g))
        trial = np.clip(x[:, None, :] + NEWTON_STEPS[None, :, None] * step[:, None, :],
                        low, high)                                       # (m, T, k)
        points = np.repeat(z[:, None, :], NEWTON_STEPS.size, axis=1)
        points[:, :, free] = trial
        drop = np.einsum("mk,mtk->mt", g, trial - x[:, None, :])
        f = _line_search_values(objective, points, value[:m, None] + 1e-4 * drop)
        ok = np.isfinite(f) & (f <= value[:m, None] + 1e-4 * drop)
        take = np.argmax(ok, axis=1)
        moved = ok.any(axis=1)
        new = np.where(moved[:, None], trial[np.arange(m), take], x)
        done = np.max(np.abs(new - x)) < NEWTON_TOL
        z[:, free] = new
        if done:
            break
    return objective.values(z), z



def _line_search_values(objective: BatchObjectiveWithGradient, points: FloatArray,
                        accept: FloatArray) -> FloatArray:
    """Objective values at the trial points ``(m, T, n)``, longest steps first, in chunks
    (``NEWTON_CHUNKS``): a row whose chunk holds an acceptable step (value at most
    ``accept``, shape ``(m, T)``) is not evaluated further; its later entries stay ``inf``.
    The first acceptable step of each row is the one an evaluation of all steps would find,
    at a fraction of the cost on a long history."""
    m, n_steps, n = points.shape
    f = np.full((m, n_steps), np.inf)
    pending = np.arange(m)
    for lo, hi in NEWTON_CHUNKS:
        if pending.size == 0:
            break
        vals = objective.values(points[pending, lo:hi].reshape(-1, n)).reshape(pending.size, -1)
        f[pending, lo:hi] = vals
        found = (np.isfinite(vals) & (vals <= accept[pending, lo:hi])).any(axis=1)
        pending = pending[~found]
    return f
