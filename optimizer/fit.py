"""Individual fit (MAP) of the patient's response parameters from their own history.

Parameters, each with a log-normal population prior ``log(theta) ~ N(log(median), log_sd^2)``:

* ``ec50_mg_per_l``: median = the request's ``response.ec50_mg_per_l`` (62.4, calibrated to the
  reference case); ``log_sd = 0.5``: modelling choice, a between-patient spread of about 50 %.
* ``baseline_score``: median = ``response.baseline_score`` (8.5, reference case 7-10 before
  therapy); ``log_sd = 0.12``: modelling choice so that the 95 % prior range is about 6.7-10.
  Capped at 10, the top of the scale.
* ``clearance_factor`` (multiplies ``ke``; 1 = label): median 1; ``log_sd = 0.44``: label,
  clearance 2.4 +/- 1.1 mL/kg/day, a coefficient of variation of 46 % -> sqrt(log(1 + 0.46^2)).
* ``hill`` (steepness of the score-concentration curve): median = the request's
  ``response.hill`` (4, a modelling choice calibrated to the reference case, not a measured
  value); ``log_sd = 0.7``: modelling choice, a 95 % prior range of about 1.0-15.7, from a plain
  hyperbolic response (hill 1) to a nearly switch-like one; wider than EC50's because the
  default steepness itself is not measured. Kept inside ``HILL_RANGE`` (0.5-30). Fitted, like
  the others, whenever there are observations: the prior keeps it near 4 when the data say
  little, and the report's ``sd_ratio`` shows how much they said. Steepness decides how far
  the threshold concentration lies below the concentration at which a patient is observed
  symptom-free, so a fixed value would pass as certainty.

Measurement model (modelling choices, documented in ``docs/individual.md``):

* A score ``y`` in [0, 10] is the predicted score plus ``N(0, score_sd^2)`` noise, recorded
  on the bounded whole-point scale: ``y > 0`` stands for the latent interval
  ``[y - 0.5, y + 0.5]``, open at 10 (a 10 means "above 9.5"). A recorded 0 means "no symptoms
  reported": the latent score lay below the detection level ``zero_below_score`` (1 point), so
  a positive score's interval starts no lower than that level (or than ``y`` itself), and the
  categories do not overlap: 0 below 1, 1 in [1, 1.5], 2 in [1.5, 2.5], ...
  This interval-censored (ordinal-probit) likelihood keeps the probability mass inside 0-10
  and treats a run of zeros as "below the detection level", not as "exactly 0".
  ``score_sd = 1`` point: modelling choice (day-to-day variation of a symptom score).
* A yes/no "symptomatic" is the same latent score above ``symptom_cutoff_score`` (default 2,
  "mild", the default threshold): a probit model, ``P(yes) = Phi((mu - cut) / score_sd)``.

The MAP is found with ``scipy.optimize.minimize`` (L-BFGS-B from the prior median and the
best points of a profile screen over clearance and Hill, see ``_starts``) on the standardised
log scale ``z = (log theta - log median) / log_sd``; uncertainty is the Laplace approximation
(inverse finite-difference Hessian there), giving 95 % intervals ``exp(log theta +/- 1.96 sd)``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize
from scipy.special import log_ndtr

from optimizer.history import MAX_SCORE, PatientHistory
from optimizer.pk import PKModel
from optimizer.problem import RecommendationProblem, ResponseParameters
from optimizer.symptoms import score

__all__ = ["FitResult", "IndividualParameters", "LogNormalPrior", "ParameterFit", "Priors",
           "default_priors", "fit_individual"]

FloatArray = NDArray[np.float64]
_Z95 = 1.959963984540054
_Z_BOUND = 6.0
#: Half a score point: scores are recorded in whole points (modified MSAF).
_HALF_POINT = 0.5
#: An observation the fitted model gives a probability below this is reported as not
#: explained by the model (modelling choice: 5 %, a conventional "surprising" level).
SURPRISE_PROBABILITY = 0.05
#: Optimiser starts taken from the profile screen, besides the prior median.
_GRID_STARTS = 3
#: Levels (prior SDs) of the shape parameters in the profile screen of the starting points.
_SHAPE_LEVELS = {"clearance_factor": (-1.0, 0.5, 2.0), "hill": (-1.0, 0.5, 1.5, 2.5)}
#: Two optima closer than this on the standardised scale (prior SDs) are the same mode.
_SAME_MODE_Z = 0.25
#: A mode carrying less of the posterior weight than this is ignored (modelling choice).
_MIN_MODE_WEIGHT = 0.02
#: Mixture draws behind the reported intervals when the posterior has several modes.
_REPORT_DRAWS = 4000
_NAMES = ("ec50_mg_per_l", "baseline_score", "clearance_factor", "hill")
#: Sane range of the Hill coefficient (modelling choice: from a very shallow curve to one that
#: is nearly a switch); the fit and the samples stay inside it.
HILL_RANGE = (0.5, 30.0)
#: Detection level of a reported score of 0, points (modelling choice: "no symptoms reported"
#: covers latent scores too faint to report; the smallest reported score is 1).
ZERO_BELOW_SCORE = 1.0


@dataclass(frozen=True)
class LogNormalPrior:
    median: float
    log_sd: float
    source: str


@dataclass(frozen=True)
class Priors:
    ec50_mg_per_l: LogNormalPrior
    baseline_score: LogNormalPrior
    clearance_factor: LogNormalPrior
    hill: LogNormalPrior
    fit_baseline: bool = True
    fit_clearance: bool = True
    fit_hill: bool = True
    score_sd: float = 1.0
    symptom_cutoff_score: float = 2.0
    zero_below_score: float = ZERO_BELOW_SCORE

    def get(self, name: str) -> LogNormalPrior:
        prior = getattr(self, name)
        if not isinstance(prior, LogNormalPrior):
            raise KeyError(name)
        return prior

    @property
    def fitted(self) -> tuple[str, ...]:
        on = (True, self.fit_baseline, self.fit_clearance, self.fit_hill)
        return tuple(n for n, flag in zip(_NAMES, on, strict=True) if flag)

    def natural_bounds(self, name: str) -> tuple[float, float]:
        """Range of a parameter's value (always holding its prior median)."""
        median = self.get(name).median
        low, high = {"baseline_score": (0.0, MAX_SCORE), "hill": HILL_RANGE}.get(
            name, (0.0, math.inf))
        return min(low, median), max(high, median)

    def z_bounds(self) -> FloatArray:
        """Bounds of the fitted parameters on the standardised log scale, shape (n, 2)."""
        out = np.empty((len(self.fitted), 2))
        for k, name in enumerate(self.fitted):
            p, (low, high) = self.get(name), self.natural_bounds(name)
            out[k, 0] = -_Z_BOUND if low <= 0.0 else max(-_Z_BOUND,
                                                         math.log(low / p.median) / p.log_sd)
            out[k, 1] = min(_Z_BOUND, math.log(high / p.median) / p.log_sd)
        return out


def default_priors(response: ResponseParameters) -> Priors:
    """Population priors centred on the request's response parameters (see module doc)."""
    return Priors(
        ec50_mg_per_l=LogNormalPrior(response.ec50_mg_per_l, 0.5,
                                     "median: calibrated to the reference case; spread: "
                                     "modelling choice (about 50 % between patients)"),
        baseline_score=LogNormalPrior(response.baseline_score, 0.12,
                                      "median: reference case (7-10 before therapy); spread: "
                                      "modelling choice"),
        clearance_factor=LogNormalPrior(1.0, 0.44, "label: clearance 2.4 +/- 1.1 mL/kg/day "
                                        "(46 % coefficient of variation)"),
        hill=LogNormalPrior(response.hill, 0.7, "median: the request's response.hill "
                            "(calibrated to the reference case); spread: modelling choice "
                            "(95 % range about 1-16, hyperbolic to switch-like); range 0.5-30"))


@dataclass(frozen=True)
class IndividualParameters:
    """One patient's parameters; ``clearance_factor`` scales the elimination rate ``ke``."""

    ec50_mg_per_l: float
    baseline_score: float
    clearance_factor: float
    hill: float

    def pk_model(self, base: PKModel) -> PKModel:
        return replace(base, ke_per_day=base.ke_per_day * self.clearance_factor)

    def response(self) -> ResponseParameters:
        return ResponseParameters(baseline_score=min(self.baseline_score, MAX_SCORE),
                                  ec50_mg_per_l=self.ec50_mg_per_l, hill=self.hill)

    def threshold_conc_mg_per_l(self, threshold_score: float) -> float:
        """Concentration at which the score equals the threshold (0 if never above it)."""
        s0 = min(self.baseline_score, MAX_SCORE)
        if s0 <= threshold_score:
            return 0.0
        return float(self.ec50_mg_per_l * (s0 / threshold_score - 1.0) ** (1.0 / self.hill))


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
    #: Dates of observations the fitted model gives less than ``SURPRISE_PROBABILITY``.
    unexplained: tuple[str, ...] = ()
    #: Distinct posterior modes (weight, z mean, z covariance) when more than one carries
    #: weight; the samples are then drawn from this mixture of Laplace approximations.
    modes: tuple[tuple[float, FloatArray, FloatArray], ...] = ()

    def samples(self, n: int, seed: int = 0) -> list[IndividualParameters]:
        """``n`` draws from the posterior (Laplace, or a mixture of Laplace approximations
        when the posterior has several modes), or from the prior when not fitted."""
        rng = np.random.default_rng(seed)
        z = _draw(rng, n, self.modes or ((1.0, self.z_mean, self.z_cov),))
        zb = self.priors.z_bounds()
        return [_params(self.priors, np.clip(row, zb[:, 0], zb[:, 1])) for row in z]


def _draw(rng: np.random.Generator, n: int,
          modes: tuple[tuple[float, FloatArray, FloatArray], ...]) -> FloatArray:
    if len(modes) == 1:
        out: FloatArray = rng.multivariate_normal(modes[0][1], modes[0][2], size=n,
                                                  method="cholesky")
        return out
    pick = rng.choice(len(modes), size=n, p=[w for w, _, _ in modes])
    out = np.empty((n, modes[0][1].size))
    for k, (_, mean, cov) in enumerate(modes):
        rows = np.flatnonzero(pick == k)
        out[rows] = rng.multivariate_normal(mean, cov, size=rows.size, method="cholesky")
    return out


def _params(priors: Priors, z: FloatArray) -> IndividualParameters:
    values = {n: priors.get(n).median for n in _NAMES}
    for k, name in enumerate(priors.fitted):
        p = priors.get(name)
        values[name] = p.median * math.exp(p.log_sd * float(z[k]))
    return IndividualParameters(**values)


@dataclass(frozen=True)
class _ObsArrays:
    """Observations split by kind, as arrays (built once per fit)."""

    days: FloatArray
    lower: FloatArray  # latent interval of a score; -inf / +inf at the ends of the scale
    upper: FloatArray
    has: NDArray[np.bool_]  # a score was recorded
    sign: FloatArray  # +1 symptomatic, -1 not, 0 no yes/no used

    @classmethod
    def of(cls, history: PatientHistory, zero_below_score: float) -> _ObsArrays:
        y = np.array([np.nan if o.score is None else float(o.score)
                      for o in history.observations])
        has = ~np.isnan(y)
        sign = np.array([0.0 if o.score is not None or o.symptomatic is None
                         else (1.0 if o.symptomatic else -1.0) for o in history.observations])
        yy = np.where(has, y, 5.0)
        # 0: below the detection level; y > 0: its whole point, not below the detection level
        # (or y itself, for a fractional score under it); open above 9.5.
        lower = np.where(yy <= 0.0, -np.inf,
                         np.maximum(yy - _HALF_POINT, np.minimum(zero_below_score, yy)))
        upper = np.where(yy <= 0.0, zero_below_score,
                         np.where(yy + _HALF_POINT >= MAX_SCORE, np.inf, yy + _HALF_POINT))
        return cls(days=history.observation_days, lower=lower, upper=upper, has=has, sign=sign)


def _log_lik(z: FloatArray, history: PatientHistory, obs: _ObsArrays, base: PKModel,
             priors: Priors) -> FloatArray:
    """Log-likelihood of each observation."""
    p = _params(priors, z)
    mu = score(p.response(), history.concentration_mg_per_l(p.pk_model(base), obs.days))
    sd = priors.score_sd
    # log(Phi(b) - Phi(a)) = log Phi(b) + log1p(-exp(log Phi(a) - log Phi(b))); when the
    # interval lies above mu use the mirror image Phi(-a) - Phi(-b) to stay accurate.
    za, zb = (obs.lower - mu) / sd, (obs.upper - mu) / sd
    flip = za > 0.0
    hi = np.where(flip, log_ndtr(-za), log_ndtr(zb))
    lo = np.where(flip, log_ndtr(-zb), log_ndtr(za))
    ll = np.where(obs.has, hi + np.log1p(-np.exp(np.minimum(lo - hi, -1e-12))), 0.0)
    ll += np.where(obs.sign != 0.0,
                   log_ndtr(obs.sign * (mu - priors.symptom_cutoff_score) / sd), 0.0)
    out: FloatArray = ll
    return out


def _neg_log_posterior(z: FloatArray, history: PatientHistory, obs: _ObsArrays, base: PKModel,
                       priors: Priors) -> float:
    return 0.5 * float(z @ z) - float(_log_lik(z, history, obs, base, priors).sum())


def _hessian(fn: Callable[[FloatArray], float], z: FloatArray, h: float = 1e-3) -> FloatArray:
    n = z.size
    hess = np.zeros((n, n))
    eye = np.eye(n) * h
    for i in range(n):
        for j in range(i, n):
            val = (fn(z + eye[i] + eye[j]) - fn(z + eye[i] - eye[j])
                   - fn(z - eye[i] + eye[j]) + fn(z - eye[i] - eye[j])) / (4 * h * h)
            hess[i, j] = hess[j, i] = val
    return hess


def _report(priors: Priors, z: FloatArray, cov: FloatArray, draws: FloatArray | None = None
            ) -> tuple[ParameterFit, ...]:
    """Estimates at ``z``; 95 % intervals from the Laplace covariance, or from the 2.5 and
    97.5 % quantiles of ``draws`` (a mixture's samples, on the z scale) when given."""
    out = []
    for k, name in enumerate(priors.fitted):
        p = priors.get(name)
        sd_z = math.sqrt(max(float(cov[k, k]), 0.0))
        lo_z, hi_z = float(z[k]) - _Z95 * sd_z, float(z[k]) + _Z95 * sd_z
        if draws is not None:
            sd_z = float(np.std(draws[:, k]))
            lo_z, hi_z = (float(q) for q in np.quantile(draws[:, k], [0.025, 0.975]))
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


def _prior_result(priors: Priors, n_obs: int, status: str, message: str
                  ) -> FitResult:
    n = len(priors.fitted)
    z0, cov0 = np.zeros(n), np.eye(n)
    return FitResult(status=status, message=message, n_observations=n_obs,
                     parameters=_report(priors, z0, cov0),
                     point=_params(priors, z0), fitted=priors.fitted,
                     z_mean=z0, z_cov=cov0, priors=priors)


def fit_individual(history: PatientHistory, problem: RecommendationProblem,
                   priors: Priors) -> FitResult:
    """MAP fit with a Laplace approximation; the prior itself when there is nothing to fit."""
    n_obs = len(history.observations)
    if n_obs == 0:
        return _prior_result(priors, 0, "prior", "No observations in the history: the "
                             "population prior is used unchanged.")
    base = PKModel.from_parameters(problem.pk, problem.patient.weight_kg)

    arrays = _ObsArrays.of(history, priors.zero_below_score)

    def f(z: FloatArray) -> float:
        return _neg_log_posterior(np.asarray(z, dtype=np.float64), history, arrays, base,
                                  priors)

    zb = priors.z_bounds()
    runs = [minimize(f, s, method="L-BFGS-B", bounds=[(float(a), float(b)) for a, b in zb])
            for s in _starts(f, zb, priors.fitted)]
    best = min(runs, key=lambda r: float(r.fun))
    modes = _modes(f, [r for r in runs if r.success and np.isfinite(r.fun)])
    if not best.success or not np.isfinite(best.fun) or not modes \
            or not np.allclose(modes[0][1], best.x):
        reason = (best.message if not best.success
                  else "the curvature at the optimum is not positive")
        return _prior_result(priors, n_obs, "not_converged",
                             f"The individual fit did not converge ({reason}); no individual "
                             "estimate is reported and the population prior is used instead.")
    _, z_hat, cov = modes[0]
    surprise = _log_lik(z_hat, history, arrays, base, priors) < math.log(SURPRISE_PROBABILITY)
    unexplained = tuple(history.observations[k].date.isoformat()
                        for k in np.flatnonzero(surprise))
    message = (f"Fitted to {n_obs} observations (MAP with a Laplace approximation of the "
               "uncertainty).")
    draws = None
    if len(modes) > 1:
        draws = _draw(np.random.default_rng(0), _REPORT_DRAWS, modes)
        message += (f" The data fit {len(modes)} distinct explanations (posterior modes); the "
                    f"best one carries {modes[0][0]:.0%} of the weight, and the intervals and "
                    "the probability of control count all of them.")
    if unexplained:
        message += (f" {len(unexplained)} observation(s) are poorly explained by the fitted "
                    f"model (probability below {SURPRISE_PROBABILITY:.0%}): "
                    f"{', '.join(unexplained)}; review them before relying on the answer.")
    return FitResult(status="fitted", message=message, n_observations=n_obs,
                     unexplained=unexplained,
                     parameters=_report(priors, z_hat, cov, draws),
                     point=_params(priors, z_hat), fitted=priors.fitted,
                     z_mean=z_hat, z_cov=cov, priors=priors,
                     modes=modes if len(modes) > 1 else ())


def _starts(f: Callable[[FloatArray], float], zb: FloatArray, fitted: tuple[str, ...]
            ) -> list[FloatArray]:
    """The prior median and the best points of a profile screen: on a coarse grid of the
    shape parameters (``_SHAPE_LEVELS``, in prior SDs), the scale
    parameters (EC50, baseline) are optimised. Two explanations (steep and fast-clearing versus
    shallow and slow) can each be a narrow local optimum that a plain grid misses."""
    shape = [k for k, name in enumerate(fitted) if name in _SHAPE_LEVELS]
    scale = [k for k in range(len(fitted)) if k not in shape]
    screened: list[tuple[float, FloatArray]] = []
    for combo in itertools.product(*(_SHAPE_LEVELS[fitted[k]] for k in shape)):
        z = np.zeros(len(fitted))
        z[shape] = np.clip(combo, zb[shape, 0], zb[shape, 1])

        def inner(x: FloatArray, z: FloatArray = z) -> float:
            return f(np.where(np.isin(np.arange(z.size), scale), _put(z, scale, x), z))
        r = minimize(inner, z[scale], method="L-BFGS-B", options={"ftol": 1e-6, "maxiter": 50},
                     bounds=[(float(zb[k, 0]), float(zb[k, 1])) for k in scale])
        screened.append((float(r.fun), _put(z, scale, np.asarray(r.x))))
    screened.sort(key=lambda c: c[0])
    return [np.zeros(len(fitted)), *(z for _, z in screened[:_GRID_STARTS])]


def _put(z: FloatArray, idx: list[int], values: FloatArray) -> FloatArray:
    out = z.copy()
    out[idx] = values
    return out


def _modes(f: Callable[[FloatArray], float], runs: list[Any]
           ) -> tuple[tuple[float, FloatArray, FloatArray], ...]:
    """Distinct local optima with a positive curvature, best first, each weighted by its
    Laplace mass ``exp(-f) sqrt(det cov)``; modes under ``_MIN_MODE_WEIGHT`` are dropped."""
    found: list[tuple[float, FloatArray, FloatArray]] = []
    for r in sorted(runs, key=lambda r: float(r.fun)):
        z = np.asarray(r.x, dtype=np.float64)
        if any(np.max(np.abs(z - m)) < _SAME_MODE_Z for _, m, _ in found):
            continue
        hess = _hessian(f, z)
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
    keep = [k for k in range(len(found)) if w[k] >= _MIN_MODE_WEIGHT]
    total = float(w[keep].sum())
    return tuple((float(w[k]) / total, found[k][1], found[k][2]) for k in keep)
