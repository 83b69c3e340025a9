"""Individual fit (MAP) of the patient's response parameters from their own history.

The parameters, their population priors and the standardised log scale ``z`` are in
:mod:`optimizer.individual.priors`; the optima, the report and the samples are in
:mod:`optimizer.individual.posterior`, the posterior sampler in
:mod:`optimizer.individual.sampling`. Their public names are importable from here as well.

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
  "mild"): a probit model, ``P(yes) = Phi((mu - cut) / score_sd)``.

The MAP is found on the standardised log scale from the prior median and the best points of
a profile screen over clearance and Hill (``_starts``): a vectorised projected Newton method
(``optimizer.individual.posterior.newton_minimise``) runs from all starts at once, and
``scipy.optimize.minimize`` (L-BFGS-B, analytic gradient) then confirms each optimum, usually
in one step, and supplies the convergence verdict. The MAP is the point estimate; the
uncertainty (every interval and probability) comes from weighted posterior draws
(:func:`optimizer.individual.sampling.sample_posterior`), whose first proposal is shaped by the
Laplace approximation (inverse finite-difference Hessian) at each optimum.

**Speed.** The objective (:class:`_Objective`) is built once per fit and evaluates many
parameter sets in one numpy pass: the absorption term of the concentration does not depend on
the parameters and is computed once; the elimination term, which depends on the clearance
factor, comes from running sums over the doses (:class:`_DoseSums`), so one evaluation costs
time linear in the number of doses plus observations. The twelve profile-screen problems, the
refinements from the four starts and the Hessian's difference points are each one pass; the
Newton line search evaluates its trial steps a few at a time. Few calls into L-BFGS-B also
matter: each of its iterations calls LAPACK, which under a multi-threaded BLAS on a busy
machine costs up to milliseconds.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize
from scipy.special import expit, log_ndtr

from optimizer.core.problem import RecommendationProblem
from optimizer.exposure.pk import PKModel
from optimizer.individual.history import MAX_SCORE, PatientHistory
from optimizer.individual.posterior import (
    FitResult,
    ParameterFit,
    find_modes,
    newton_minimise,
    prior_result,
    report,
)
from optimizer.individual.priors import (
    HILL_RANGE,
    NAMES,
    ZERO_BELOW_SCORE,
    IndividualParameters,
    LogNormalPrior,
    Priors,
    default_priors,
    params_from_z,
)
from optimizer.individual.sampling import PosteriorDraws, sample_posterior

__all__ = ["HILL_RANGE", "ZERO_BELOW_SCORE", "FitResult", "IndividualParameters",
           "LogNormalPrior", "ParameterFit", "Priors", "default_priors", "fit_individual",
           "log_posterior_for"]

FloatArray = NDArray[np.float64]
#: Half a score point: scores are recorded in whole points (modified MSAF).
_HALF_POINT = 0.5
#: An observation the fitted model gives a probability below this is reported as not
#: explained by the model (modelling choice: 5 %, a conventional "surprising" level).
SURPRISE_PROBABILITY = 0.05
#: Optimiser starts taken from the profile screen, besides the prior median.
_GRID_STARTS = 3
#: Levels (prior SDs) of the shape parameters in the profile screen of the starting points.
_SHAPE_LEVELS = {"clearance_factor": (-1.0, 0.5, 2.0), "hill": (-1.0, 0.5, 1.5, 2.5)}
#: Seed of the posterior sampler (the same history gives the same draws).
SAMPLER_SEED = 0
_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
#: The baseline's cap with room for rounding: its z bound maps back to 10 only up to the last
#: bits, and the gradient there must be the one from below (where the optimum lies).
_CAP_SCORE = MAX_SCORE * (1.0 + 1e-9)


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


class _DoseSums:
    """Sums over the doses given before each observation, for many elimination rates at once,
    in time linear in the history (running sums over the doses, not an observations x doses
    array):

    ``E_i(k) = sum_j D_j exp(-k lag_ij)`` and ``L_i(k) = sum_j D_j lag_ij exp(-k lag_ij)``
    over the doses ``j`` at or before observation ``i``. With times ``t`` counted from the
    first dose, ``E_i = exp(-k t_i) S_d`` and ``L_i = t_i E_i - exp(-k t_i) T_d``, where
    ``S_d = sum_(j <= d) D_j exp(k t_j)`` and ``T_d = sum_(j <= d) D_j t_j exp(k t_j)`` run up
    to the observation's last dose ``d``. The running sums are kept as logarithms
    (``np.logaddexp.accumulate``), so ``exp(k t)`` never overflows however long the history.
    """

    def __init__(self, dose_days: FloatArray, doses_mg: FloatArray, obs_days: FloatArray
                 ) -> None:
        origin = float(dose_days[0]) if dose_days.size else 0.0
        self.t_dose = dose_days - origin
        self.log_dose = np.log(doses_mg)
        with np.errstate(divide="ignore"):
            self.log_dose_t = np.log(doses_mg * self.t_dose)   # -inf for the first dose
        last = np.searchsorted(dose_days, obs_days, side="right") - 1
        self.any_dose = last >= 0
        self.last = np.maximum(last, 0)
        self.t_obs = obs_days - origin

    def sums(self, k: FloatArray, *, with_lags: bool) -> tuple[FloatArray, FloatArray]:
        """``E`` and ``L`` (zeros unless ``with_lags``), shape (m, n_obs), for rates ``k``
        of shape (m, 1), per day."""
        shape = (k.shape[0], self.t_obs.size)
        if self.t_dose.size == 0:
            return np.zeros(shape), np.zeros(shape)
        grow = k * self.t_dose[None, :]
        fade = -k * self.t_obs[None, :]
        log_s = np.logaddexp.accumulate(self.log_dose + grow, axis=1)[:, self.last]
        # exp of -inf (no dose before the observation) is 0 without an overflow warning: an
        # observation decades before the first dose would otherwise overflow the unused branch
        decay = np.exp(np.where(self.any_dose, fade + log_s, -np.inf))
        if not with_lags:
            return decay, np.zeros(shape)
        log_t = np.logaddexp.accumulate(self.log_dose_t + grow, axis=1)[:, self.last]
        lagged = np.where(self.any_dose, self.t_obs * decay
                          - np.exp(np.where(self.any_dose, fade + log_t, -np.inf)), 0.0)
        return decay, np.maximum(lagged, 0.0)


def _log_phi(x: FloatArray) -> FloatArray:
    """Log of the standard normal density (``-inf`` at +/- infinity)."""
    out: FloatArray = -0.5 * x * x - _LOG_SQRT_2PI
    return out


class _Objective:
    """Negative log posterior of one history on the standardised scale, for many parameter
    sets ``Z`` (shape ``(m, n_fitted)``) in one numpy pass, with its analytic gradient.

    The concentration at observation ``i`` is ``C_i = u(ke) (E_i(ke) - A_i)`` with
    ``E_i(ke) = sum_j D_j exp(-ke lag_ij)`` over the doses before it and the absorption term
    ``A_i = sum_j D_j exp(-ka lag_ij)``, ``u(ke) = ka / (V (ka - ke))``
    (:mod:`optimizer.exposure.pk`).
    ``A`` is computed once here; ``E`` and its derivative come from :class:`_DoseSums`.
    """

    def __init__(self, history: PatientHistory, base: PKModel, priors: Priors) -> None:
        self.obs = _ObsArrays.of(history, priors.zero_below_score)
        self.idx = [NAMES.index(n) for n in priors.fitted]
        self.log_median = np.array([math.log(priors.get(n).median) for n in NAMES])
        self.log_sd = np.array([priors.get(n).log_sd for n in NAMES])
        self.base, self.sd, self.cut = base, priors.score_sd, priors.symptom_cutoff_score
        self.doses = _DoseSums(history.dose_days, history.doses_mg, self.obs.days)
        self.score_cols = np.flatnonzero(self.obs.has)
        self.open_below = np.isneginf(self.obs.lower[self.score_cols])
        self.sign_cols = np.flatnonzero(self.obs.sign != 0.0)
        self.absorbed = self.doses.sums(np.array([[base.ka_per_day]]), with_lags=False)[0][0]

    def _theta(self, z: FloatArray) -> FloatArray:
        log_theta = np.broadcast_to(self.log_median, (z.shape[0], len(NAMES))).copy()
        log_theta[:, self.idx] += self.log_sd[self.idx] * z
        out: FloatArray = np.exp(log_theta)
        return out

    def _mean(self, theta: FloatArray, with_lags: bool = False) -> tuple[FloatArray, ...]:
        """Predicted scores ``mu`` (m, n_obs), then the pieces of their derivatives: ``log r``,
        ``C > 0``, ``C``, the lag-weighted decay sums (zeros unless ``with_lags``), ``u(ke)``,
        ``ke`` and the capped baseline."""
        ec50, s0, cf, hill = (theta[:, k, None] for k in range(4))
        ke, ka = self.base.ke_per_day * cf, self.base.ka_per_day
        decay, lagged = self.doses.sums(ke, with_lags=with_lags)
        unit = ka / (self.base.volume_l * (ka - ke))
        conc = np.maximum(unit * (decay - self.absorbed), 0.0)
        pos = conc > 0.0
        with np.errstate(divide="ignore"):
            log_r = np.where(pos, hill * (np.log(ec50) - np.log(np.where(pos, conc, 1.0))),
                             np.inf)
        s0c = np.minimum(s0, MAX_SCORE)
        mu = s0c * expit(log_r)                        # s0 * r / (1 + r), r = (ec50 / C)^h
        return mu, log_r, pos, conc, lagged, unit, ke, s0c

    def log_lik(self, z: FloatArray) -> FloatArray:
        """Log-likelihood of each observation, shape (m, n_obs)."""
        return self._log_lik(self._mean(self._theta(np.atleast_2d(z)))[0], False)[0]

    def _log_lik(self, mu: FloatArray, with_gradient: bool = True
                 ) -> tuple[FloatArray, FloatArray]:
        """Log-likelihood of each observation and its derivative in ``mu`` (zeros unless
        ``with_gradient``); each kind of observation is computed on its own columns only."""
        o, sd = self.obs, self.sd
        ll, d_mu = np.zeros_like(mu), np.zeros_like(mu)
        cols = self.score_cols
        if cols.size:
            # log(Phi(b) - Phi(a)) = log Phi(b) + log1p(-exp(log Phi(a) - log Phi(b))); when
            # the interval lies above mu use the mirror image Phi(-a) - Phi(-b) to stay accurate.
            m = mu[:, cols]
            za, zb = (o.lower[cols] - m) / sd, (o.upper[cols] - m) / sd
            interval = np.empty_like(m)
            op = self.open_below          # a recorded 0: only the upper end counts
            interval[:, op] = log_ndtr(zb[:, op])
            two = ~op
            a, b = za[:, two], zb[:, two]
            flip = a > 0.0
            hi = log_ndtr(np.where(flip, -a, b))
            lo = log_ndtr(np.where(flip, -b, a))
            interval[:, two] = hi + np.log1p(-np.exp(np.minimum(lo - hi, -1e-12)))
            ll[:, cols] = interval
            if with_gradient:
                d_mu[:, cols] = (np.exp(_log_phi(za) - interval)
                                 - np.exp(_log_phi(zb) - interval)) / sd
        cols = self.sign_cols
        if cols.size:
            x = o.sign[cols] * (mu[:, cols] - self.cut) / sd
            probit = log_ndtr(x)
            ll[:, cols] += probit
            if with_gradient:
                d_mu[:, cols] += o.sign[cols] / sd * np.exp(_log_phi(x) - probit)
        return ll, d_mu

    def values(self, z: FloatArray) -> FloatArray:
        """Negative log posterior at each row of ``z``, shape (m,)."""
        z = np.atleast_2d(np.asarray(z, dtype=np.float64))
        ll = self._log_lik(self._mean(self._theta(z))[0], False)[0]
        out: FloatArray = 0.5 * (z * z).sum(axis=1) - ll.sum(axis=1)
        return out

    def values_and_gradients(self, z: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Negative log posterior and its gradient in ``z`` at each row of ``z``."""
        z = np.atleast_2d(np.asarray(z, dtype=np.float64))
        theta = self._theta(z)
        mu, log_r, pos, conc, lagged, unit, ke, s0c = self._mean(theta, with_lags=True)
        ll, d_mu = self._log_lik(mu)
        s0, hill = theta[:, 1, None], theta[:, 3, None]
        slope = s0c * expit(log_r) * expit(-log_r)    # d mu / d log r
        safe = np.where(pos, conc, 1.0)
        # d log C / d log cf = ke (1 / (ka - ke) - u sum_j D_j lag_ij exp(-ke lag_ij) / C)
        dlogc = ke * (1.0 / (self.base.ka_per_day - ke)
                      - unit * lagged / safe)
        d_theta = np.stack([slope * hill,                                       # log ec50
                            np.where(s0 <= _CAP_SCORE, mu, 0.0),                # log baseline
                            np.where(pos, -slope * hill * dlogc, 0.0),          # log clearance
                            slope * np.where(pos, log_r, 0.0)], axis=2)         # log hill
        grad_log = np.einsum("mi,mik->mk", d_mu, d_theta)
        grad = z - grad_log[:, self.idx] * self.log_sd[self.idx]
        value: FloatArray = 0.5 * (z * z).sum(axis=1) - ll.sum(axis=1)
        return value, grad

    def scalar(self, z: FloatArray) -> tuple[float, FloatArray]:
        """Value and gradient at one point (the form scipy's ``jac=True`` expects)."""
        value, grad = self.values_and_gradients(z)
        return float(value[0]), grad[0]


def fit_individual(history: PatientHistory, problem: RecommendationProblem,
                   priors: Priors) -> FitResult:
    """MAP point estimate and weighted posterior draws (importance sampling, PSIS); the prior
    itself when there is nothing to fit. Seeded: the same history gives the same answer."""
    n_obs = len(history.observations)
    if n_obs == 0:
        return prior_result(priors, 0, "prior", "No observations in the history: the "
                            "population prior is used unchanged.")
    objective = _Objective(history, PKModel.from_parameters(problem.pk,
                                                            problem.patient.weight_kg), priors)
    zb = priors.z_bounds()
    # Newton from every start at once; L-BFGS-B then confirms each optimum (a step or two).
    _, refined = newton_minimise(objective, np.array(_starts(objective, zb, priors.fitted)),
                         list(range(zb.shape[0])), zb)
    runs = [minimize(objective.scalar, s, jac=True, method="L-BFGS-B",
                     bounds=[(float(a), float(b)) for a, b in zb]) for s in refined]
    best = min(runs, key=lambda r: float(r.fun))
    modes = find_modes(objective.values, [r for r in runs if r.success and np.isfinite(r.fun)])
    if not best.success or not np.isfinite(best.fun) or not modes \
            or not np.allclose(modes[0][1], best.x):
        reason = (best.message if not best.success
                  else "the curvature at the optimum is not positive")
        return prior_result(priors, n_obs, "not_converged",
                            f"The individual fit did not converge ({reason}); no individual "
                            "estimate is reported and the population prior is used instead.")
    _, z_hat, cov = modes[0]
    surprise = objective.log_lik(z_hat)[0] < math.log(SURPRISE_PROBABILITY)
    unexplained = tuple(history.observations[k].date.isoformat()
                        for k in np.flatnonzero(surprise))
    draws = sample_posterior(objective.values, modes, zb, n_obs, seed=SAMPLER_SEED)
    return FitResult(status="fitted", message=_message(n_obs, draws, unexplained),
                     n_observations=n_obs, unexplained=unexplained,
                     parameters=report(priors, z_hat, draws),
                     point=params_from_z(priors, z_hat), fitted=priors.fitted,
                     z_mean=z_hat, z_cov=cov, priors=priors,
                     modes=modes if len(modes) > 1 else (), draws=draws)


def _message(n_obs: int, draws: PosteriorDraws, unexplained: tuple[str, ...]) -> str:
    d = draws.diagnostics
    message = (f"Fitted to {n_obs} observations: the estimate is the most probable parameter "
               f"set (MAP); intervals and probabilities come from {d.draws} weighted posterior "
               f"draws ({d.effective_sample_size:.0f} effective).")
    if not d.converged:
        message += (" The posterior sampler's diagnostics failed (see fit.diagnostics): the "
                    "probabilities are less certain than their figures suggest.")
    if unexplained:
        message += (f" {len(unexplained)} observation(s) are poorly explained by the fitted "
                    f"model (probability below {SURPRISE_PROBABILITY:.0%}): "
                    f"{', '.join(unexplained)}; review them before relying on the answer.")
    return message


def _starts(objective: _Objective, zb: FloatArray, fitted: tuple[str, ...]
            ) -> list[FloatArray]:
    """The prior median and the best points of a profile screen: on a coarse grid of the
    shape parameters (``_SHAPE_LEVELS``, in prior SDs), the scale
    parameters (EC50, baseline) are optimised. Two explanations (steep and fast-clearing versus
    shallow and slow) can each be a narrow local optimum that a plain grid misses."""
    shape = [k for k, name in enumerate(fitted) if name in _SHAPE_LEVELS]
    scale = [k for k in range(len(fitted)) if k not in shape]
    grid = np.zeros((0, len(fitted)))
    for combo in itertools.product(*(_SHAPE_LEVELS[fitted[k]] for k in shape)):
        z = np.zeros(len(fitted))
        z[shape] = np.clip(combo, zb[shape, 0], zb[shape, 1])
        grid = np.vstack([grid, z])
    values, points = newton_minimise(objective, grid, scale, zb)
    order = np.argsort(values, kind="stable")[:_GRID_STARTS]
    return [np.zeros(len(fitted)), *(points[k] for k in order)]



def log_posterior_for(history: PatientHistory, problem: RecommendationProblem
                      ) -> Callable[[Priors], Callable[[FloatArray], FloatArray]]:
    """For other prior or measurement choices: ``priors -> (z (m, n) -> negative log
    posterior (m,))`` of the same history, on that choice's standardised scale (used to
    reweight the posterior draws, :mod:`optimizer.individual.sensitivity`)."""
    base = PKModel.from_parameters(problem.pk, problem.patient.weight_kg)

    def make(priors: Priors) -> Callable[[FloatArray], FloatArray]:
        return _Objective(history, base, priors).values
    return make
