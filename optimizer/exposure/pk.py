"""Pharmacokinetic surrogate: one compartment, first-order absorption, linear elimination.

numpy only. For a single dose ``D`` (mg) given at ``t = 0``::

    C(t) = D / V * ka / (ka - ke) * (exp(-ke t) - exp(-ka t))        mg/L, t >= 0

with ``V = apparent_volume_l_per_kg * weight_kg`` (apparent volume V/F, litres),
``ke = ln 2 / half_life_days`` and ``ka`` the root of
``tmax_days = ln(ka / ke) / (ka - ke)`` with ``ka > ke``. Any list of doses is the sum of
single doses (linear superposition; the label reports linear kinetics above 0.5 mg/kg).

At steady state on a regular schedule (dose ``D`` every ``tau`` days), the concentration
``t`` days after a dose (``0 <= t <= tau``) is the geometric-series closed form::

    Css(t) = D / V * ka / (ka - ke) * (exp(-ke t) / (1 - exp(-ke tau))
                                       - exp(-ka t) / (1 - exp(-ka tau)))

**Where the worst moment is.** ``Css`` has ``Css'(0) > 0`` because ``x / (1 - exp(-x tau))``
increases with ``x`` and ``ka > ke``; and ``Css'(t) = 0`` has at most one root because
``exp((ka - ke) t)`` is monotone. So ``Css`` rises to one peak and then falls on
``[0, tau]``: its minimum over the cycle is at the ends, which are equal at steady state.
The trough is the moment just before each dose, ``steady_state_trough``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike, NDArray

from optimizer.core.problem import PKParameters

__all__ = [
    "PKModel",
    "absorption_rate_per_day",
    "concentration_mg_per_l",
    "series_concentration_mg_per_l",
    "single_dose_concentration_mg_per_l",
    "steady_state_concentration_mg_per_l",
    "regular_series_mg_per_l",
    "steady_state_trough_mg_per_l",
    "superposition_mg_per_l",
]

FloatArray = NDArray[np.float64]


@lru_cache(maxsize=1024)
def absorption_rate_per_day(half_life_days: float, tmax_days: float) -> float:
    """The ``ka > ke`` for which the single-dose peak falls at ``tmax_days``."""
    ke = math.log(2.0) / half_life_days
    if not 0.0 < tmax_days < 1.0 / ke:
        raise ValueError("tmax_days must lie in (0, half_life_days / ln 2)")

    def gap(ka: float) -> float:
        return math.log(ka / ke) / (ka - ke) - tmax_days

    # gap decreases from 1/ke - tmax (> 0) at ka -> ke to -tmax (< 0) as ka -> infinity.
    low = ke * (1.0 + 1e-9)
    high = ke * 2.0
    while gap(high) > 0.0:
        low, high = high, high * 2.0
    return _bisect_decreasing(gap, low, high)


def _bisect_decreasing(f: Callable[[float], float], low: float, high: float) -> float:
    """The root of a decreasing ``f`` with ``f(low) > 0 >= f(high)``, by bisection to the
    last representable float (at most ~1,100 halvings; about 60 from a doubling bracket).

    Plain bisection instead of a library root finder: the phase is monotone, so halving the
    bracket until its midpoint no longer moves is exact to the float spacing and keeps scipy
    out of the import of the PK module (its optimiser alone costs ~0.5 s to import)."""
    while True:
        mid = 0.5 * (low + high)
        if mid <= low or mid >= high:
            return high if abs(f(high)) <= abs(f(low)) else low
        if f(mid) > 0.0:
            low = mid
        else:
            high = mid


@dataclass(frozen=True)
class PKModel:
    """Rates and volume for one patient: ``ke``, ``ka`` per day and ``volume_l`` (V/F)."""

    ke_per_day: float
    ka_per_day: float
    volume_l: float

    @classmethod
    def from_parameters(cls, pk: PKParameters, weight_kg: float) -> PKModel:
        ke = math.log(2.0) / pk.half_life_days
        ka = absorption_rate_per_day(pk.half_life_days, pk.tmax_days)
        return cls(ke_per_day=ke, ka_per_day=ka,
                   volume_l=pk.apparent_volume_l_per_kg * weight_kg)

    @property
    def unit_scale(self) -> float:
        """``ka / (V (ka - ke))``: concentration per mg of dose, before the exponentials."""
        return self.ka_per_day / (self.volume_l * (self.ka_per_day - self.ke_per_day))


def _geometric(rate: FloatArray, n_doses: FloatArray | None, tau: FloatArray) -> FloatArray:
    """``sum_{k<n} exp(-rate k tau)``; ``n_doses=None`` is the infinite sum."""
    denominator = -np.expm1(-rate * tau)
    if n_doses is None:
        out: FloatArray = 1.0 / denominator
    else:
        out = -np.expm1(-rate * n_doses * tau) / denominator
    return out


def series_concentration_mg_per_l(ke_per_day: ArrayLike, ka_per_day: ArrayLike,
                                  volume_l: ArrayLike, dose_mg: ArrayLike,
                                  interval_days: ArrayLike, since_last_dose_days: ArrayLike,
                                  n_doses: ArrayLike | None = None) -> FloatArray:
    """``n_doses`` equal doses ``interval_days`` apart, ``since_last_dose_days`` after the last.

    ``n_doses=None`` means infinitely many (steady state). The closed form of the superposition
    of single doses (a geometric series); every argument broadcasts, so rates and volumes may
    hold one row per virtual patient.
    """
    ke = np.asarray(ke_per_day, dtype=np.float64)
    ka = np.asarray(ka_per_day, dtype=np.float64)
    tau = np.asarray(interval_days, dtype=np.float64)
    s = np.asarray(since_last_dose_days, dtype=np.float64)
    n = None if n_doses is None else np.asarray(n_doses, dtype=np.float64)
    unit = ka / (np.asarray(volume_l, dtype=np.float64) * (ka - ke))
    out: FloatArray = np.asarray(dose_mg, dtype=np.float64) * unit * (
        np.exp(-ke * s) * _geometric(ke, n, tau) - np.exp(-ka * s) * _geometric(ka, n, tau))
    return out


def regular_series_mg_per_l(ke_per_day: ArrayLike, ka_per_day: ArrayLike, volume_l: ArrayLike,
                            dose_mg: float, interval_days: float, first_day: float,
                            n_doses: int, t_days: ArrayLike) -> FloatArray:
    """``n_doses`` of ``dose_mg`` every ``interval_days`` from ``first_day``, at ``t_days``:
    :func:`superposition_mg_per_l` of a regular schedule at the cost of one dose (the closed
    form counts the doses given by each time). 0 before the first dose."""
    t = np.asarray(t_days, dtype=np.float64)
    since_first = t - first_day
    # doses given by t: the k with first + k tau <= t < first + (k + 1) tau, counted on the same
    # dose days a superposition uses (a division alone can round a dose 1e-8 days early or late)
    k = np.floor(since_first / interval_days)
    k = np.where(first_day + (k + 1.0) * interval_days <= t, k + 1.0, k)
    k = np.where(first_day + k * interval_days > t, k - 1.0, k)
    given = np.clip(k + 1.0, 1.0, float(n_doses))
    since_last = np.maximum(since_first - (given - 1.0) * interval_days, 0.0)
    out: FloatArray = np.where(since_first >= 0.0, series_concentration_mg_per_l(
        ke_per_day, ka_per_day, volume_l, dose_mg, interval_days, since_last, given), 0.0)
    return out


def superposition_mg_per_l(ke_per_day: ArrayLike, ka_per_day: ArrayLike, volume_l: ArrayLike,
                           dose_days: ArrayLike, doses_mg: ArrayLike,
                           t_days: ArrayLike) -> FloatArray:
    """Any list of doses (``dose_days[i]``, ``doses_mg[i]``) summed at ``t_days``.

    One vectorised step per dose; rates and volumes broadcast (e.g. one row per patient).
    """
    ke = np.asarray(ke_per_day, dtype=np.float64)
    ka = np.asarray(ka_per_day, dtype=np.float64)
    vol = np.asarray(volume_l, dtype=np.float64)
    t = np.asarray(t_days, dtype=np.float64)
    days = np.asarray(dose_days, dtype=np.float64).reshape(-1)
    amounts = np.asarray(doses_mg, dtype=np.float64).reshape(-1)
    if days.shape != amounts.shape:
        raise ValueError("dose_days and doses_mg must have the same length")
    total = np.zeros(np.broadcast_shapes(ke.shape, ka.shape, vol.shape, t.shape))
    for day, mg in zip(days, amounts, strict=True):
        dt = np.maximum(t - day, 0.0)
        total += np.where(t >= day, mg * (np.exp(-ke * dt) - np.exp(-ka * dt)), 0.0)
    out: FloatArray = ka / (vol * (ka - ke)) * total
    return out


def single_dose_concentration_mg_per_l(model: PKModel, dose_mg: float,
                                       t_days: ArrayLike) -> FloatArray:
    """Concentration after one dose at ``t = 0``; zero before it."""
    return superposition_mg_per_l(model.ke_per_day, model.ka_per_day, model.volume_l, [0.0],
                                  [dose_mg], t_days)


def concentration_mg_per_l(model: PKModel, dose_days: ArrayLike, doses_mg: ArrayLike,
                           t_days: ArrayLike) -> FloatArray:
    """Superposition of any list of doses (``dose_days[i]``, ``doses_mg[i]``) at ``t_days``."""
    return superposition_mg_per_l(model.ke_per_day, model.ka_per_day, model.volume_l,
                                  dose_days, doses_mg, t_days)


def steady_state_concentration_mg_per_l(model: PKModel, dose_mg: ArrayLike,
                                        interval_days: ArrayLike, t_days: ArrayLike) -> FloatArray:
    """Steady-state concentration ``t_days`` after the last dose of a regular schedule.

    Valid for any ``t >= 0`` when no further dose is given (a late dose); broadcasts over
    ``dose_mg``, ``interval_days`` and ``t_days``.
    """
    return series_concentration_mg_per_l(model.ke_per_day, model.ka_per_day, model.volume_l,
                                         dose_mg, interval_days, t_days)


def steady_state_trough_mg_per_l(model: PKModel, dose_mg: ArrayLike,
                                 interval_days: ArrayLike) -> FloatArray:
    """Lowest steady-state concentration of the cycle: just before a dose (see module doc)."""
    return steady_state_concentration_mg_per_l(model, dose_mg, interval_days, 0.0)
