"""Fit the PK surrogate's half-life and V/F to a reference curve, such as one patient's
binding-model total omalizumab (see :mod:`optimizer.free_ige.surrogate_check` for the comparison).

Least squares on log concentrations (scipy ``least_squares``, trust-region reflective) over the
points at or after ``from_day``, within the ranges :class:`~optimizer.core.problem.PKParameters`
accepts; tmax is fixed. ``before`` figures are at the label values (t½ 26 days, 0.078 L/kg).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from optimizer.core.problem import PKParameters
from optimizer.errors import InputError
from optimizer.exposure.pk import (
    absorption_rate_per_day,
    regular_series_mg_per_l,
    superposition_mg_per_l,
)
from optimizer.free_ige.binding import simulate_regimen
from optimizer.free_ige.params import NG_PER_ML_PER_IU, PARAMETER_SETS, individual_parameters
from optimizer.free_ige.surrogate_check import (
    DEFAULT_FROM_DAY,
    LN2,
    FloatArray,
    Regimen,
    checked_number,
    relative_difference,
)

__all__ = ["CurveFit", "SurrogateFit", "fit_surrogate", "fit_surrogate_to_curve"]

#: Lowest fitted t½ as a multiple of tmax·ln 2 (keeps ka at least ~2 % above ke).
_T_HALF_MARGIN = 1.01
#: Most curve points a fit uses (evenly thinned beyond): 2 a day over two years.
_MAX_FIT_POINTS = 1_460


@dataclass(frozen=True)
class CurveFit:
    """Surrogate t½ and V/F fitted to a reference curve (tmax fixed), and how close it got;
    ``before`` is at the label values (t½ 26 days, 0.078 L/kg)."""

    half_life_days: float
    apparent_volume_l_per_kg: float
    tmax_days: float
    max_relative_difference_before: float
    max_relative_difference_after: float
    rms_log_residual: float
    converged: bool
    at_bound: bool
    optimizer_message: str
    evaluations: int

    @property
    def pk(self) -> PKParameters:
        return PKParameters(half_life_days=self.half_life_days, tmax_days=self.tmax_days,
                            apparent_volume_l_per_kg=self.apparent_volume_l_per_kg)


@dataclass(frozen=True)
class SurrogateFit:
    """:class:`CurveFit` against one patient's binding-model total drug curve."""

    weight_kg: float
    baseline_ige_iu_per_ml: float
    regimen: Regimen
    fit: CurveFit

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _check_curve(t_days: ArrayLike, conc_mg_per_l: ArrayLike, dose_days: ArrayLike,
                 doses_mg: ArrayLike, from_day: float) -> tuple[FloatArray, ...]:
    """The curve points at or after ``from_day``, and the doses, or the field at fault."""
    t, c = np.asarray(t_days, dtype=np.float64), np.asarray(conc_mg_per_l, dtype=np.float64)
    days, mg = (np.asarray(a, dtype=np.float64).reshape(-1) for a in (dose_days, doses_mg))
    if days.size == 0 or days.shape != mg.shape or not np.all(np.isfinite(mg) & (mg > 0)):
        raise InputError("doses_mg", mg.tolist()[:5], "positive doses, one per dose day")
    first = float(days.min())
    # after the first dose only: before and at it the curve is 0 and its log undefined
    w = ((t >= from_day - 1e-9) & (t > first) if t.ndim == 1 and c.shape == t.shape
         else np.zeros(0, bool))
    if np.count_nonzero(w) < 3 or not np.all(np.isfinite(c[w]) & (c[w] > 0.0)):
        raise InputError("conc_mg_per_l", f"shape {c.shape}", "one positive value per t_days "
                         "(one-dimensional), three or more of them at or after from_day")
    if not days.min() < from_day:
        raise InputError("from_day", from_day, "a day after the first dose")
    return t[w], c[w], days, mg


def fit_surrogate_to_curve(t_days: ArrayLike, conc_mg_per_l: ArrayLike, *, weight_kg: float,
                           dose_days: ArrayLike, doses_mg: ArrayLike, tmax_days: float = 7.5,
                           from_day: float = DEFAULT_FROM_DAY) -> CurveFit:
    """Surrogate t½ and V/F (tmax fixed) minimising the squared log differences to
    ``conc_mg_per_l`` at the ``t_days`` at or after ``from_day``, within the ranges
    PKParameters accepts. Starts from the label values (``before`` refers to them)."""
    from scipy.optimize import least_squares

    w = checked_number("weight_kg", weight_kg, 1.0, 300.0, False)
    tmax = checked_number("tmax_days", tmax_days, 0.01, 26.0 / LN2 - 1e-6, False)
    start = checked_number("from_day", from_day, 0.0, 3650.0, True)
    t, ref, days, mg = _check_curve(t_days, conc_mg_per_l, dose_days, doses_mg, start)
    if t.size > _MAX_FIT_POINTS:  # thin long curves: the fit's cost grows with points x doses
        keep = np.unique(np.linspace(0, t.size - 1, _MAX_FIT_POINTS).round().astype(np.intp))
        t, ref = t[keep], ref[keep]
    initial = PKParameters(tmax_days=tmax)

    gaps = np.diff(days)
    regular = days.size > 1 and np.allclose(gaps, gaps[0]) and np.all(mg == mg[0])

    def curve(theta: FloatArray) -> FloatArray:
        half_life, volume = (float(v) for v in np.exp(theta))
        ka = absorption_rate_per_day(half_life, tmax)
        if regular:  # the closed form: the cost of one dose however many there are
            return regular_series_mg_per_l(LN2 / half_life, ka, volume * w, float(mg[0]),
                                           float(gaps[0]), float(days[0]), days.size, t)
        return superposition_mg_per_l(LN2 / half_life, ka, volume * w, days, mg, t)

    # t½ stays 1 % above tmax·ln 2, where ka -> ke: there every form of the one-compartment
    # curve loses digits (about eps / (ka/ke - 1); 5e-10 at 1e-6 above it, 1e-13 here).
    low = np.log([max(0.5, tmax * LN2) * _T_HALF_MARGIN, 0.005])
    high = np.log([365.0, 5.0])
    theta0 = np.clip(np.log([initial.half_life_days, initial.apparent_volume_l_per_kg]),
                     low + 1e-9, high - 1e-9)
    # A trial curve can underflow to 0 long after a dose (a 309-day gap): floor it at the
    # smallest normal float so its log is finite and the fit moves away from it.
    floor = np.finfo(float).tiny
    res = least_squares(lambda th: np.log(np.maximum(curve(th), floor)) - np.log(ref), theta0,
                        bounds=(low, high), method="trf", ftol=1e-12, xtol=1e-12, gtol=1e-12,
                        max_nfev=500)
    half_life, volume = (float(v) for v in np.exp(res.x))
    return CurveFit(
        half_life_days=half_life, apparent_volume_l_per_kg=volume, tmax_days=tmax,
        max_relative_difference_before=float(relative_difference(curve(theta0), ref).max()),
        max_relative_difference_after=float(relative_difference(curve(res.x), ref).max()),
        rms_log_residual=float(np.sqrt(np.mean(res.fun ** 2))), converged=bool(res.success),
        at_bound=bool(np.any(res.active_mask != 0)), optimizer_message=str(res.message),
        evaluations=int(res.nfev))


def fit_surrogate(weight_kg: float, baseline_ige_iu_per_ml: float, *, dose_mg: float = 300.0,
                  interval_days: float = 28.0, horizon_days: float = 364.0,
                  parameter_set: str = "hayashi2007", tmax_days: float = 7.5,
                  from_day: float = DEFAULT_FROM_DAY, steps_per_day: int = 4) -> SurrogateFit:
    """Surrogate t½ and V/F closest to one patient's binding-model total drug curve."""
    reg = Regimen(dose_mg, interval_days, horizon_days, parameter_set, from_day, steps_per_day)
    w = checked_number("weight_kg", weight_kg, 1.0, 300.0, False)
    ige = checked_number("baseline_ige_iu_per_ml", baseline_ige_iu_per_ml, 0.1, 1e4, False)
    checked_number("tmax_days", tmax_days, 0.01, 26.0 / LN2 - 1e-6, False)
    ind = individual_parameters(w, ige * NG_PER_ML_PER_IU, PARAMETER_SETS[parameter_set])
    prof = simulate_regimen(ind, float(dose_mg), float(interval_days), float(horizon_days),
                            steps_per_day=steps_per_day)
    days = reg.dose_days()
    fit = fit_surrogate_to_curve(prof.t_days, prof.total_drug_mg_per_l[:, 0], weight_kg=w,
                                 dose_days=days, doses_mg=np.full(days.size, float(dose_mg)),
                                 tmax_days=tmax_days, from_day=from_day)
    return SurrogateFit(weight_kg=w, baseline_ige_iu_per_ml=ige, regimen=reg, fit=fit)
