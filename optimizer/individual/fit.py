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
factor, comes from running sums over the doses (:class:`optimizer.individual.likelihood.DoseSums`),
so one evaluation costs time linear in the number of doses plus observations. The interval
probabilities come from ``erfc`` with ``log_ndtr`` only in the far tails, and the parameter
sets go through in chunks small enough for the processor's cache
(:mod:`optimizer.individual.likelihood`). The twelve profile-screen problems, the
refinements from the four starts and the Hessian's difference points are each one pass; the
Newton line search evaluates its trial steps a few at a time. Few calls into L-BFGS-B also
matter: each of its iterations calls LAPACK, which under a multi-threaded BLAS on a busy
machine costs up to milliseconds.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize

from optimizer.core.problem import RecommendationProblem
from optimizer.exposure.pk import PKModel
from optimizer.individual.history import MAX_SCORE, PatientHistory
from optimizer.individual.likelihood import (
    DoseSums,
    ObservationBounds,
    log_interval_probability,
    log_tail_probability,
)
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
#: An observation the fitted model gives a probability below this is reported as not
#: explained by the model (modelling choice: 5 %, a conventional "surprising" level).
SURPRISE_PROBABILITY = 0.05
#: Optimiser starts taken from the profile screen, besides the prior median.
_GRID_STARTS = 3
#: Levels (prior SDs) of the shape parameters in the profile screen of the starting points.
_SHAPE_LEVELS = {"clearance_factor": (-1.0, 0.5, 2.0), "hill": (-1.0, 0.5, 1.5, 2.5)}
#: Seed of the posterior sampler (the same history gives the same draws).
SAMPLER_SEED = 0
_SQRT_2 = math.sqrt(2.0)
#: Bound of the exponent ``h log(C / ec50)``: ``exp(700)`` is finite, and ``1 / (1 + exp(700))``
#: is zero to the last bit of any score (numerical choice).
_MAX_EXPONENT = 700.0
#: (Parameter set, observation) pairs evaluated per pass: a pass's arrays then stay in the
#: processor's cache (numerical choice, measured with ``benchmarks/bench_individual.py``).
_CHUNK_ENTRIES = 16_384
#: The baseline's cap with room for rounding: its z bound maps back to 10 only up to the last
#: bits, and the gradient there must be the one from below (where the optimum lies).
_CAP_SCORE = MAX_SCORE * (1.0 + 1e-9)


class _Objective:
    """Negative log posterior of one history on the standardised scale, for many parameter
    sets ``Z`` (shape ``(m, n_fitted)``) in one numpy pass, with its analytic gradient.

    The concentration at observation ``i`` is ``C_i = u(ke) (E_i(ke) - A_i)`` with
    ``E_i(ke) = sum_j D_j exp(-ke lag_ij)`` over the doses before it and the absorption term
    ``A_i = sum_j D_j exp(-ka lag_ij)``, ``u(ke) = ka / (V (ka - ke))``
    (:mod:`optimizer.exposure.pk`).
    ``A`` is computed once here; ``E`` and its derivative come from :class:`DoseSums`.
    Only the observations that carry a score or a yes/no are kept, those with two finite
    interval ends first, and scores are handled divided by ``score_sd sqrt(2)`` (the argument
    of ``erfc``). Parameter sets are evaluated ``_CHUNK_ENTRIES`` pairs at a time.
    """

    def __init__(self, history: PatientHistory, base: PKModel, priors: Priors) -> None:
        bounds = ObservationBounds.of(history, priors.zero_below_score,
                                      priors.symptom_cutoff_score)
        lower, upper = bounds.lower, bounds.upper
        two = np.isfinite(lower) & np.isfinite(upper)
        self.n_obs, self.n_two = lower.size, int(two.sum())
        self.order = np.concatenate([np.flatnonzero(two),
                                     np.flatnonzero(np.isfinite(lower) ^ np.isfinite(upper))])
        self.scale = 1.0 / (priors.score_sd * math.sqrt(2.0))
        lo, hi = lower[self.order] * self.scale, upper[self.order] * self.scale
        self.lower2, self.upper2 = lo[:self.n_two], hi[:self.n_two]
        below = np.isneginf(lo[self.n_two:])       # one finite end: t = side (end - mu)
        self.side = np.where(below, 1.0, -1.0)
        self.side_end = self.side * np.where(below, hi[self.n_two:], lo[self.n_two:])
        self.rows = max(1, _CHUNK_ENTRIES // max(self.order.size, 1))
        self.idx = [NAMES.index(n) for n in priors.fitted]
        self.log_median = np.array([math.log(priors.get(n).median) for n in NAMES])
        self.log_sd = np.array([priors.get(n).log_sd for n in NAMES])
        self.base = base
        self.doses = DoseSums(history.dose_days, history.doses_mg, bounds.days[self.order])
        self.absorbed = self.doses.sums(np.array([[base.ka_per_day]]), with_lags=False)[0][0]

    def _theta(self, z: FloatArray) -> FloatArray:
        log_theta = np.broadcast_to(self.log_median, (z.shape[0], len(NAMES))).copy()
        log_theta[:, self.idx] += self.log_sd[self.idx] * z
        out: FloatArray = np.exp(log_theta)
        return out

    def _rows(self, z: FloatArray, with_lags: bool
              ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """Per parameter set: the parameters (m, 4), ``ke`` (m, 1) and the dose sums at the
        doses (m, n_doses + 1) of :meth:`DoseSums.at_doses`."""
        theta = self._theta(z)
        ke = self.base.ke_per_day * theta[:, 2, None]
        return theta, ke, *self.doses.at_doses(ke, with_lags=with_lags)

    def _mean(self, theta: FloatArray, ke: FloatArray, at_dose: FloatArray,
              lag_at_dose: FloatArray, with_lags: bool = False) -> tuple[FloatArray, ...]:
        """Predicted scores over ``score_sd sqrt(2)``, ``mu`` (m, n_used), then the pieces of
        their derivatives: ``y = h log(c)`` with ``c = C / ec50`` (at most ``_MAX_EXPONENT``;
        with ``with_lags`` also at least its negative), ``exp(y)``, ``c``, the lag-weighted
        decay sums (zeros unless ``with_lags``) and ``u(ke) / ec50`` (``c = u (E - A) /
        ec50``). ``mu = s0 / (1 + exp(y))`` is ``s0 r / (1 + r)`` with ``r = (ec50 / C)^h``;
        ``C <= 0`` gives ``exp(y) = 0`` and ``mu = s0``."""
        ka = self.base.ka_per_day
        conc, lagged = self.doses.at_observations(at_dose, lag_at_dose, ke,
                                                  with_lags=with_lags)
        unit = ka / (self.base.volume_l * (ka - ke)) / theta[:, 0, None]
        conc -= self.absorbed
        conc *= unit
        np.maximum(conc, 0.0, out=conc)
        # without the derivatives, each step writes over the one before (no new arrays)
        y = np.empty_like(conc) if with_lags else conc
        with np.errstate(divide="ignore"):
            np.log(conc, out=y)
        y *= theta[:, 3, None]
        np.minimum(y, _MAX_EXPONENT, out=y)
        if with_lags:                 # finite where C = 0, for the derivative in the Hill
            np.maximum(y, -_MAX_EXPONENT, out=y)
        grow = np.exp(y, out=np.empty_like(y) if with_lags else y)
        mu = np.add(grow, 1.0, out=np.empty_like(grow) if with_lags else grow)
        np.divide(np.minimum(theta[:, 1, None], MAX_SCORE) * self.scale, mu, out=mu)
        return mu, y, grow, conc, lagged, unit

    def _log_lik(self, mu: FloatArray, density: bool) -> tuple[FloatArray, FloatArray]:
        """Log-likelihood of each kept observation (m, n_used), and, if ``density``, its
        derivative in ``mu`` (the scaled mean); else an empty array."""
        n2 = self.n_two
        ll = np.empty_like(mu)
        d_mu = np.empty_like(mu) if density else np.empty(0)
        if n2:
            part = mu[:, :n2]
            ll[:, :n2], dens = log_interval_probability(self.lower2 - part, self.upper2 - part,
                                                        density=density)
            if density:
                np.multiply(dens, _SQRT_2, out=d_mu[:, :n2])
        if mu.shape[1] > n2:
            ll[:, n2:], dens = log_tail_probability(self.side_end - self.side * mu[:, n2:],
                                                    density=density)
            if density:
                np.multiply(dens, -_SQRT_2 * self.side, out=d_mu[:, n2:])
        return ll, d_mu

    def _log_lik_sum(self, mu: FloatArray) -> FloatArray:
        """Log-likelihood of the history at each row of ``mu``, shape (m,)."""
        n2 = self.n_two
        part = mu[:, :n2]
        total: FloatArray = log_interval_probability(self.lower2 - part,
                                                     self.upper2 - part)[0].sum(axis=1)
        if mu.shape[1] > n2:
            total += log_tail_probability(self.side_end
                                          - self.side * mu[:, n2:])[0].sum(axis=1)
        return total

    def log_lik(self, z: FloatArray) -> FloatArray:
        """Log-likelihood of each observation, shape (m, n_obs) (0 where nothing usable was
        recorded)."""
        z = np.atleast_2d(np.asarray(z, dtype=np.float64))
        out = np.zeros((z.shape[0], self.n_obs))
        out[:, self.order] = self._log_lik(self._mean(*self._rows(z, False))[0], False)[0]
        return out

    def values(self, z: FloatArray) -> FloatArray:
        """Negative log posterior at each row of ``z``, shape (m,)."""
        z = np.atleast_2d(np.asarray(z, dtype=np.float64))
        out: FloatArray = 0.5 * (z * z).sum(axis=1)
        theta, ke, at_dose, lag_at_dose = self._rows(z, False)
        for lo in range(0, z.shape[0], self.rows):
            part = slice(lo, lo + self.rows)
            mu = self._mean(theta[part], ke[part], at_dose[part], lag_at_dose[part])[0]
            out[part] -= self._log_lik_sum(mu)
        return out

    def values_and_gradients(self, z: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Negative log posterior and its gradient in ``z`` at each row of ``z``."""
        z = np.atleast_2d(np.asarray(z, dtype=np.float64))
        value: FloatArray = 0.5 * (z * z).sum(axis=1)
        grad_log = np.empty((z.shape[0], len(NAMES)))
        theta, ke, at_dose, lag_at_dose = self._rows(z, True)
        for lo in range(0, z.shape[0], self.rows):
            part = slice(lo, lo + self.rows)
            ll, grad_log[part] = self._log_lik_gradient(theta[part], ke[part], at_dose[part],
                                                        lag_at_dose[part])
            value[part] -= ll
        grad = z - grad_log[:, self.idx] * self.log_sd[self.idx]
        return value, grad

    def _log_lik_gradient(self, theta: FloatArray, ke: FloatArray, at_dose: FloatArray,
                          lag_at_dose: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Log-likelihood (m,) and its gradient in the log parameters (m, 4)."""
        mu, y, grow, conc, lagged, unit = self._mean(theta, ke, at_dose, lag_at_dose, True)
        ll, d_mu = self._log_lik(mu, True)
        hill = theta[:, 3]
        d_s0 = np.vecdot(d_mu, mu) * (theta[:, 1] <= _CAP_SCORE)  # d mu / d log s0 = mu
        # d mu / d log r = mu exp(y) / (1 + exp(y)); where C = 0 that is below 1e-300 (y is
        # clipped at -_MAX_EXPONENT), so those entries add nothing
        w = d_mu * mu
        w *= grow
        grow += 1.0
        w /= grow
        w_sum = w.sum(axis=1)
        # d log C / d log cf = ke (1 / (ka - ke) - u sum_j D_j lag_ij exp(-ke lag_ij) / C),
        # u / C = (u / ec50) / c
        np.divide(lagged, conc, out=lagged, where=conc > 0.0)
        ka, k = self.base.ka_per_day, ke[:, 0]
        d_cf = k * (w_sum / (ka - k) - unit[:, 0] * np.vecdot(w, lagged))
        grad_log = np.stack([w_sum * hill, d_s0, -hill * d_cf, -np.vecdot(w, y)], axis=1)
        return ll.sum(axis=1), grad_log

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
