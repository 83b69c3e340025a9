"""The pieces of the individual fit's likelihood that run for every (parameter set, observation)
pair: the latent-score interval of each observation, the normal probability of an interval,
and the sums over the doses given before each observation.

The measurement model itself (why scores are intervals, the detection level, the probit of a
yes/no) is documented in :mod:`optimizer.individual.fit` and ``docs/individual.md``.

**Speed.** A long history's fit evaluates millions of such pairs (the posterior sampler's
draws times the observations), so these functions are written for numpy's vectorised loops:

* an interval's probability ``Phi(b) - Phi(a)`` is taken from ``scipy.special.erfc`` of the
  bounds' distances from the mean, each end on its own side of the mean, so the difference
  never cancels and no logarithm of a tail is needed (``log_ndtr`` costs about twice an
  ``erfc``); only a probability under ``TINY_PROBABILITY`` (far tails, never reached with the
  default score SD) falls back to ``log_ndtr``;
* observations open at one end (a recorded 0, a 10, a yes/no) take one ``erfc``, not two;
* the dose sums are running sums in linear scale, rescaled block by block so that no
  exponential overflows (:class:`DoseSums`), instead of running sums of logarithms.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.special import erfc, log_ndtr

from optimizer.individual.history import PatientHistory, recorded_score_range

__all__ = ["TINY_PROBABILITY", "DoseSums", "ObservationBounds", "log_interval_probability",
           "log_tail_probability"]

FloatArray = NDArray[np.float64]
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT_2 = math.sqrt(2.0)
_LOG_2 = math.log(2.0)
#: Under this probability an interval's logarithm is taken from ``log_ndtr`` of its ends;
#: above it the nearer end lies within 21.3 SDs of the mean, where ``erfc`` keeps its full
#: relative precision (numerical choice; with the default score SD of 1 point a score's
#: probability never falls below about 1e-25).
TINY_PROBABILITY = 1e-100
#: Largest ``rate x days`` spanned by one block of :class:`DoseSums`: ``exp(600)`` stays far
#: from the float overflow near ``exp(709.8)`` (numerical choice).
_BLOCK_EXPONENT = 600.0
#: Parameter sets per pass of :meth:`DoseSums.at_doses`, so its arrays stay in the processor's
#: cache (numerical choice).
_DOSE_ROWS = 256


@dataclass(frozen=True)
class ObservationBounds:
    """Each observation as an interval ``[lower, upper]`` of the latent score (``-inf`` /
    ``+inf`` at an open end; both infinite when nothing usable was recorded), shape (n_obs,).

    A score is :func:`optimizer.individual.history.recorded_score_range` (a 0 below the
    detection level, ``y > 0`` its whole point, open above 9.5); a yes
    ("symptomatic") lies above the cutoff, a no below it. Source: the measurement model of
    :mod:`optimizer.individual.fit` (modelling choices).
    """

    days: FloatArray
    lower: FloatArray
    upper: FloatArray

    @classmethod
    def of(cls, history: PatientHistory, zero_below_score: float,
           cutoff_score: float | None = None) -> ObservationBounds:
        """The intervals of ``history``'s observations; without ``cutoff_score`` only the
        scores are bounded (a yes/no alone stays ``(-inf, inf)``)."""
        obs = history.observations
        y = np.array([np.nan if o.score is None else float(o.score) for o in obs])
        answer = np.array([0.0 if o.score is not None or o.symptomatic is None
                           else (1.0 if o.symptomatic else -1.0) for o in obs])
        ranges = np.array([(math.nan, math.nan) if o.score is None
                           else recorded_score_range(float(o.score), zero_below_score)
                           for o in obs], dtype=np.float64).reshape(-1, 2)
        lower, upper = ranges[:, 0], ranges[:, 1]
        if cutoff_score is None:
            answer = np.zeros_like(answer)
        cut = np.inf if cutoff_score is None else cutoff_score
        lower = np.where(np.isnan(y), np.where(answer > 0.0, cut, -np.inf), lower)
        upper = np.where(np.isnan(y), np.where(answer < 0.0, cut, np.inf), upper)
        return cls(days=history.observation_days, lower=lower, upper=upper)


def log_interval_probability(ta: FloatArray, tb: FloatArray, *, density: bool = False
                             ) -> tuple[FloatArray, FloatArray]:
    """``log(Phi(sqrt(2) tb) - Phi(sqrt(2) ta))`` elementwise for ``ta < tb`` (the
    standardised bounds divided by ``sqrt(2)``; infinite ends allowed but slower than
    :func:`log_tail_probability`), and, if ``density``, ``(phi(za) - phi(zb)) / P`` (the
    derivative of the log-probability in the mean, times the SD); else an empty array.

    With ``Q(t) = erfc(|t|) / 2`` (the tail beyond ``|t|``), the probability is
    ``|Q(ta) - Q(tb)|`` when the interval lies on one side of the mean and ``1 - Q(ta) -
    Q(tb)`` across it (its logarithm by ``log1p``). Agrees with ``log_ndtr`` differences to
    1e-10 relative from 45 SDs below the mean to 45 above
    (``tests/individual/test_likelihood.py``).
    """
    qa = np.abs(ta)
    erfc(qa, out=qa)
    qb = np.abs(tb)
    erfc(qb, out=qb)
    across = np.signbit(ta) & ~np.signbit(tb)
    p = qa - qb                       # on one side of the mean: 2 P = |2 Q(ta) - 2 Q(tb)|
    np.abs(p, out=p)
    with np.errstate(divide="ignore"):
        log_p = np.log(p)
    log_p -= _LOG_2
    qa += qb
    qa *= -0.5                        # across the mean: P - 1
    if density:
        p *= 0.5
        np.add(qa, 1.0, out=p, where=across)
    np.log1p(qa, out=qa)
    np.copyto(log_p, qa, where=across)
    dens = np.empty(0)
    if density:
        dens = np.exp(-ta * ta)
        dens -= np.exp(-tb * tb)
        dens *= _INV_SQRT_2PI
        with np.errstate(divide="ignore", invalid="ignore"):
            dens /= p
    if np.min(p, initial=1.0) < (1.0 if density else 2.0) * TINY_PROBABILITY:
        tiny = (p < (1.0 if density else 2.0) * TINY_PROBABILITY) & ~across
        za, zb = ta[tiny] * _SQRT_2, tb[tiny] * _SQRT_2
        log_p[tiny] = _log_interval_far(za, zb)
        if density:
            dens[tiny] = (np.exp(_log_phi(za) - log_p[tiny])
                          - np.exp(_log_phi(zb) - log_p[tiny]))
    return log_p, dens


def log_tail_probability(t: FloatArray, *, density: bool = False
                         ) -> tuple[FloatArray, FloatArray]:
    """``log(Phi(sqrt(2) t))`` elementwise (``t`` finite: a standardised distance over
    ``sqrt(2)``), and, if ``density``, ``phi(sqrt(2) t) / Phi(sqrt(2) t)``; else an empty
    array. ``Phi = Q`` for ``t < 0``, ``1 - Q`` (by ``log1p``) otherwise, ``Q(t) =
    erfc(|t|) / 2``; ``log_ndtr`` under ``TINY_PROBABILITY``."""
    q = np.abs(t)
    erfc(q, out=q)
    q *= 0.5
    above = ~np.signbit(t)
    with np.errstate(divide="ignore"):
        log_p = np.log(q)
    rest = np.negative(q)
    np.log1p(rest, out=rest)
    np.copyto(log_p, rest, where=above)
    far = np.min(q, initial=1.0) < TINY_PROBABILITY
    tiny = (q < TINY_PROBABILITY) & ~above if far else np.zeros(0, dtype=bool)
    dens = np.empty(0)
    if density:
        np.subtract(1.0, q, out=q, where=above)
        dens = np.exp(-t * t)
        dens *= _INV_SQRT_2PI
        with np.errstate(divide="ignore", invalid="ignore"):
            dens /= q
    if far:
        z = t[tiny] * _SQRT_2
        log_p[tiny] = log_ndtr(z)
        if density:
            dens[tiny] = np.exp(_log_phi(z) - log_p[tiny])
    return log_p, dens


def _log_phi(x: FloatArray) -> FloatArray:
    """Log of the standard normal density (``-inf`` at +/- infinity)."""
    out: FloatArray = -0.5 * x * x - 0.5 * math.log(2.0 * math.pi)
    return out


def _log_interval_far(a: FloatArray, b: FloatArray) -> FloatArray:
    """``log(Phi(b) - Phi(a))`` from logarithms of the tails, for intervals far out in one
    tail: the upper tails' difference when the interval lies above the mean."""
    flip = a > 0.0
    hi = log_ndtr(np.where(flip, -a, b))
    lo = log_ndtr(np.where(flip, -b, a))
    out: FloatArray = hi + np.log1p(-np.exp(np.minimum(lo - hi, -1e-12)))
    return out


class DoseSums:
    """Sums over the doses given at or before each observation, for many elimination rates at
    once, in time linear in the history:

    ``E_i(k) = sum_j D_j exp(-k lag_ij)`` and ``L_i(k) = sum_j D_j lag_ij exp(-k lag_ij)``.

    With ``d`` the observation's last dose and ``g_i`` the days since it,
    ``E_i = exp(-k g_i) S_d`` and ``L_i = exp(-k g_i) (W_d + g_i S_d)``, where ``S_d`` and
    ``W_d`` are the same sums at the time of dose ``d``. Those follow the doses by running sums
    (``np.cumsum``) of ``D_j exp(k tau_j)`` and ``D_j tau_j exp(k tau_j)`` (up to the dose before
    ``d`` for ``W``, whose own dose adds nothing to it), ``tau`` counted from
    the start of a block of doses short enough that ``k tau`` stays under ``_BLOCK_EXPONENT``;
    each block starts from the previous block's last sums, decayed to its first dose.

    ``dose_days`` sorted (days), ``doses_mg`` (mg) shape (n_doses,); ``obs_days`` (days, any
    order) shape (n_obs,).
    """

    def __init__(self, dose_days: FloatArray, doses_mg: FloatArray, obs_days: FloatArray
                 ) -> None:
        self.t_dose = np.asarray(dose_days, dtype=np.float64)
        self.doses_mg = np.asarray(doses_mg, dtype=np.float64)
        last = np.searchsorted(self.t_dose, obs_days, side="right") - 1
        self.slot = last + 1              # column of the sums; 0 is "no dose yet" (zeros)
        before = self.t_dose[np.maximum(last, 0)] if self.t_dose.size else np.zeros(last.size)
        self.gap = np.where(last >= 0, obs_days - before, 0.0)

    def sums(self, k: FloatArray, *, with_lags: bool) -> tuple[FloatArray, FloatArray]:
        """``E`` and ``L`` (zeros unless ``with_lags``), shape (m, n_obs), for rates ``k``
        of shape (m, 1), per day (positive)."""
        return self.at_observations(*self.at_doses(k, with_lags=with_lags), k,
                                    with_lags=with_lags)

    def at_observations(self, at_dose: FloatArray, lag_at_dose: FloatArray, k: FloatArray, *,
                        with_lags: bool) -> tuple[FloatArray, FloatArray]:
        """``E`` and ``L`` (zeros unless ``with_lags``), shape (m, n_obs), from the sums at
        the doses (:meth:`at_doses`) for the same rates ``k`` (m, 1)."""
        fade = np.multiply(-k, self.gap)
        np.exp(fade, out=fade)
        decay = np.take(at_dose, self.slot, axis=1)
        decay *= fade
        if not with_lags:
            return decay, np.zeros_like(decay)
        lagged = np.take(lag_at_dose, self.slot, axis=1)
        lagged *= fade
        lagged += decay * self.gap
        return decay, lagged

    def at_doses(self, k: FloatArray, *, with_lags: bool) -> tuple[FloatArray, FloatArray]:
        """``S`` and ``W`` (zeros unless ``with_lags``) at each dose, shape (m, n_doses + 1),
        column 0 zero (before the first dose), for rates ``k`` (m, 1), per day."""
        t = self.t_dose
        s_out = np.zeros((k.shape[0], t.size + 1))
        w_out = np.zeros_like(s_out)
        span = _BLOCK_EXPONENT / max(float(np.max(k)), 1e-300)
        blocks, start = [], 0
        while start < t.size:
            stop = max(int(np.searchsorted(t, t[start] + span, side="right")), start + 1)
            blocks.append((start, stop))
            start = stop
        for lo in range(0, k.shape[0], _DOSE_ROWS):
            rows = slice(lo, lo + _DOSE_ROWS)
            for start, stop in blocks:
                self._block(k[rows], start, stop, s_out[rows], w_out[rows] if with_lags else None)
        return s_out, w_out

    def _block(self, k: FloatArray, start: int, stop: int, s_out: FloatArray,
               w_out: FloatArray | None) -> None:
        """Columns ``start + 1 .. stop`` of ``s_out`` (and ``w_out``), the doses ``start ..
        stop - 1``, from column ``start`` (the sums at the dose before), in place."""
        t = self.t_dose
        tau = t[start:stop] - t[start]
        grow = k * tau
        np.exp(grow, out=grow)
        sums = s_out[:, start + 1:stop + 1]
        np.multiply(grow, self.doses_mg[start:stop], out=sums)
        lag_cum = np.cumsum(sums * tau, axis=1) if w_out is not None else sums
        np.cumsum(sums, axis=1, out=sums)
        step = t[start] - t[start - 1] if start > 0 else 0.0
        fade = np.exp(-k * step)
        if start > 0:                     # the doses before the block, decayed to its start
            sums += s_out[:, start, None] * fade
        if w_out is not None:             # W_d from the doses before d (no term that cancels)
            lag_sums = w_out[:, start + 1:stop + 1]
            np.multiply(sums[:, :-1], tau[1:], out=lag_sums[:, 1:])
            lag_sums[:, 1:] -= lag_cum[:, :-1]
            if start > 0:
                lag_sums += (w_out[:, start, None] + step * s_out[:, start, None]) * fade
            lag_sums /= grow
        sums /= grow
