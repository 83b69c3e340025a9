"""How far the PK surrogate's omalizumab concentration is from the binding model's.

**What is compared.** For each test patient (weight, baseline IgE) the same regimen (default
300 mg every 28 days from day 0 over 364 days, starting with no drug on board) is given to

* the surrogate, :mod:`optimizer.pk` (one compartment, first-order absorption, label
  parameters: t½ 26 days, tmax 7.5 days, V/F 0.078 L/kg), total concentration ``S(t)``;
* the binding model, :func:`optimizer.binding.simulate_regimen` (one call for all patients),
  total drug concentration ``B(t)`` = free drug + drug bound in the omalizumab-IgE complex.

Both are evaluated on the binding model's grid (``steps_per_day`` nodes per day, default 8).

**Definitions** (``B`` is the reference):

* relative difference ``r(t) = |S(t) - B(t)| / B(t)`` (a fraction: 0.25 means 25 %);
  ``max_relative_difference`` is its largest value over the grid nodes with ``t >= from_day``,
  and ``day_of_max_relative_difference`` where it occurs;
* troughs: the nodes just before a dose, ``k * interval_days`` for ``k >= 1`` up to the
  horizon (the last one is the trough before the dose due at the horizon, when it falls on a
  dose day); ``max_trough_relative_difference`` is the largest ``r`` among those at or after
  ``from_day``;
* ``auc_ratio`` = AUC(S) / AUC(B) from day 0 to the horizon, trapezoid rule on the grid
  (at 8 nodes a day its error is ~1e-5 relative for the surrogate, checked in the tests
  against the closed form).

**Why the first days are excluded** (``from_day = 7`` by default). Both curves start at 0 on
day 0, where ``r`` is 0/0; during the first days the ratio of two small rising numbers reflects
only how fast each model absorbs (ka / V), not the exposure a dosing decision rests on. By day
7 the label's time to peak (7-8 days) is reached, so from then on ``r`` compares exposure.
The AUC ratio covers the whole horizon.

**Caveat.** The surrogate's defaults come from the label (t½ 26 days for total drug) while the
binding model's free-drug t½ follows from its own clearance and volume, ``ln 2 * V / CL``
(``binding_free_drug_half_life_days``; e.g. ~22.5 days at 70 kg for hayashi2007), and its total
drug additionally falls faster where much drug sits in the faster-cleared complex. The
difference therefore grows with time and with IgE. The default patients are test points that
span weights 20-120 kg and IgE 30-1000 IU/mL, not a population; some lie outside the data
behind a parameter set (``outside_studied_range``). :func:`fit_surrogate` finds the surrogate
t½ and V/F (tmax fixed) closest to one patient's binding curve (least squares on logs).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.integrate import trapezoid
from scipy.optimize import least_squares

from optimizer.binding import simulate_regimen
from optimizer.binding_params import NG_PER_ML_PER_IU, PARAMETER_SETS, individual_parameters
from optimizer.errors import InputError
from optimizer.pk import absorption_rate_per_day, superposition_mg_per_l
from optimizer.problem import PKParameters

__all__ = [
    "DEFAULT_PATIENTS",
    "CurveFit",
    "PatientComparison",
    "SurrogateCheck",
    "SurrogateFit",
    "fit_surrogate",
    "fit_surrogate_to_curve",
    "surrogate_check",
]

FloatArray = NDArray[np.float64]
#: (weight_kg, baseline_ige_iu_per_ml) test points spanning 20-120 kg and 30-1000 IU/mL.
DEFAULT_PATIENTS: tuple[tuple[float, float], ...] = (
    (20, 30), (30, 300), (45, 100), (70, 300), (70, 1000), (90, 700), (120, 1000))
DEFAULT_FROM_DAY = 7.0
MAX_PATIENTS = 200
_LN2 = math.log(2.0)


@dataclass(frozen=True)
class PatientComparison:
    """One patient's figures; fractions are relative differences (0.25 = 25 %)."""

    weight_kg: float
    baseline_ige_iu_per_ml: float
    max_relative_difference: float
    day_of_max_relative_difference: float
    surrogate_at_max_mg_per_l: float
    binding_at_max_mg_per_l: float
    max_trough_relative_difference: float
    day_of_max_trough_relative_difference: float
    auc_surrogate_mg_day_per_l: float
    auc_binding_mg_day_per_l: float
    auc_ratio: float
    binding_free_drug_half_life_days: float
    outside_studied_range: bool


@dataclass(frozen=True)
class SurrogateCheck:
    """Per-patient comparison, the worst patient, and the curves (rows: ``t_days``)."""

    parameter_set: str
    dose_mg: float
    interval_days: float
    horizon_days: float
    from_day: float
    steps_per_day: int
    surrogate_pk: PKParameters
    patients: tuple[PatientComparison, ...]
    max_relative_difference: float
    worst_patient_index: int
    t_days: FloatArray = field(repr=False, compare=False)
    surrogate_mg_per_l: FloatArray = field(repr=False, compare=False)
    binding_mg_per_l: FloatArray = field(repr=False, compare=False)

    @property
    def worst(self) -> PatientComparison:
        return self.patients[self.worst_patient_index]

    def rows(self) -> list[dict[str, Any]]:
        """One flat dict per patient (CSV rows; keys in field order)."""
        return [asdict(p) for p in self.patients]

    def to_dict(self, include_curves: bool = False) -> dict[str, Any]:
        """JSON-ready summary; the curves (lists, one per patient) only when asked."""
        out: dict[str, Any] = {
            "parameter_set": self.parameter_set, "dose_mg": self.dose_mg,
            "interval_days": self.interval_days, "horizon_days": self.horizon_days,
            "from_day": self.from_day, "steps_per_day": self.steps_per_day,
            "surrogate_pk": asdict(self.surrogate_pk),
            "max_relative_difference": self.max_relative_difference,
            "worst_patient_index": self.worst_patient_index,
            "worst_weight_kg": self.worst.weight_kg,
            "worst_baseline_ige_iu_per_ml": self.worst.baseline_ige_iu_per_ml,
            "patients": self.rows()}
        if include_curves:
            out["t_days"] = self.t_days.tolist()
            out["surrogate_mg_per_l"] = self.surrogate_mg_per_l.T.tolist()
            out["binding_mg_per_l"] = self.binding_mg_per_l.T.tolist()
        return out


@dataclass(frozen=True)
class CurveFit:
    """Surrogate t½ and V/F fitted to a reference curve (tmax fixed) and how close it got."""

    half_life_days: float
    apparent_volume_l_per_kg: float
    tmax_days: float
    initial_half_life_days: float
    initial_apparent_volume_l_per_kg: float
    max_relative_difference_before: float
    max_relative_difference_after: float
    rms_log_residual: float
    converged: bool
    optimizer_status: int
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
    parameter_set: str
    dose_mg: float
    interval_days: float
    horizon_days: float
    from_day: float
    fit: CurveFit

    def to_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in asdict(self).items() if k != "fit"}
        return out | asdict(self.fit)


def _number(name: str, value: object, low: float, high: float, low_open: bool) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    v = float(value) if ok else math.nan  # type: ignore[arg-type]
    if not (math.isfinite(v) and (v > low if low_open else v >= low) and v <= high):
        raise InputError(name, value, f"a number in {'(' if low_open else '['}{low:g}, {high:g}]")
    return v


def _check_regimen(dose_mg: float, interval_days: float, horizon_days: float,
                   parameter_set: str) -> tuple[float, float, float]:
    dose = _number("dose_mg", dose_mg, 1.0, 2400.0, False)
    tau = _number("interval_days", interval_days, 1.0, 365.0, False)
    horizon = _number("horizon_days", horizon_days, 0.0, 3650.0, True)
    if horizon < tau:
        raise InputError("horizon_days", horizon_days,
                         f"at least interval_days ({tau:g}) so that a trough exists")
    if parameter_set not in PARAMETER_SETS:
        raise InputError("parameter_set", parameter_set, f"one of {sorted(PARAMETER_SETS)}")
    return dose, tau, horizon


def _check_patients(patients: Sequence[tuple[float, float]]) -> FloatArray:
    if not 1 <= len(patients) <= MAX_PATIENTS:
        raise InputError("patients", f"{len(patients)} patients",
                         f"1 to {MAX_PATIENTS} (weight_kg, baseline_ige_iu_per_ml) pairs")
    out = np.empty((len(patients), 2))
    for i, pair in enumerate(patients):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise InputError(f"patients[{i}]", pair, "a (weight_kg, baseline_ige_iu_per_ml) pair")
        out[i, 0] = _number(f"patients[{i}].weight_kg", pair[0], 1.0, 300.0, False)
        out[i, 1] = _number(f"patients[{i}].baseline_ige_iu_per_ml", pair[1], 0.0, 1e4, True)
    return out


def _dose_days(interval_days: float, horizon_days: float) -> tuple[FloatArray, FloatArray]:
    """Dose days as simulate_regimen gives them, and the trough days (next dose days > 0)."""
    days, start = [], 0.0
    while start < horizon_days - 1e-9:
        days.append(start)
        start += interval_days
    troughs = days[1:] + ([start] if start <= horizon_days + 1e-9 else [])
    return np.array(days), np.array(troughs)


def _surrogate(pk: PKParameters, weight_kg: ArrayLike, dose_days: FloatArray, dose_mg: float,
               t_days: FloatArray) -> FloatArray:
    """Surrogate total concentration, rows ``t_days``, one column per weight."""
    ka = absorption_rate_per_day(pk.half_life_days, pk.tmax_days)
    vol = pk.apparent_volume_l_per_kg * np.atleast_1d(np.asarray(weight_kg, dtype=np.float64))
    return superposition_mg_per_l(_LN2 / pk.half_life_days, ka, vol, dose_days,
                                  np.full(dose_days.size, dose_mg), t_days[:, None])


def _relative(s: FloatArray, b: FloatArray) -> FloatArray:
    out: FloatArray = np.abs(s - b) / b
    return out


def _compare(j: int, pts: FloatArray, t: FloatArray, s: FloatArray, b: FloatArray,
             window: FloatArray, troughs: FloatArray, half_life_days: float,
             studied: tuple[tuple[float, float], tuple[float, float]]) -> PatientComparison:
    """Figures of patient ``j``: ``window`` and ``troughs`` are row indices."""
    sj, bj = s[:, j], b[:, j]
    rel = _relative(sj[window], bj[window])
    k = int(window[np.argmax(rel)])
    rel_t = _relative(sj[troughs], bj[troughs])
    kt = int(troughs[np.argmax(rel_t)])
    auc_s, auc_b = float(trapezoid(sj, t)), float(trapezoid(bj, t))
    w, ige = float(pts[j, 0]), float(pts[j, 1])
    (wlo, whi), (ilo, ihi) = studied
    return PatientComparison(
        weight_kg=w, baseline_ige_iu_per_ml=ige, max_relative_difference=float(np.max(rel)),
        day_of_max_relative_difference=float(t[k]), surrogate_at_max_mg_per_l=float(sj[k]),
        binding_at_max_mg_per_l=float(bj[k]), max_trough_relative_difference=float(np.max(rel_t)),
        day_of_max_trough_relative_difference=float(t[kt]), auc_surrogate_mg_day_per_l=auc_s,
        auc_binding_mg_day_per_l=auc_b, auc_ratio=auc_s / auc_b,
        binding_free_drug_half_life_days=half_life_days,
        outside_studied_range=not (wlo <= w <= whi and ilo <= ige <= ihi))


def surrogate_check(patients: Sequence[tuple[float, float]] = DEFAULT_PATIENTS, *,
                    dose_mg: float = 300.0, interval_days: float = 28.0,
                    horizon_days: float = 364.0, parameter_set: str = "hayashi2007",
                    pk: PKParameters | None = None, from_day: float = DEFAULT_FROM_DAY,
                    steps_per_day: int = 8) -> SurrogateCheck:
    """Surrogate vs binding-model total omalizumab for each (weight_kg, IgE IU/mL) pair."""
    dose, tau, horizon = _check_regimen(dose_mg, interval_days, horizon_days, parameter_set,
                                        steps_per_day)
    pts = _check_patients(patients)
    dose_days, trough_days = _dose_days(tau, horizon)
    start = _number("from_day", from_day, 0.0, float(trough_days[-1]), True)
    pk = pk if pk is not None else PKParameters()
    pset = PARAMETER_SETS[parameter_set]
    ind = individual_parameters(pts[:, 0], pts[:, 1] * NG_PER_ML_PER_IU, pset)
    prof = simulate_regimen(ind, dose, tau, horizon, steps_per_day=steps_per_day)
    t = np.asarray(prof.t_days, dtype=np.float64)
    b = np.asarray(prof.total_drug_mg_per_l, dtype=np.float64)
    s = _surrogate(pk, pts[:, 0], dose_days, dose, t)
    window = np.flatnonzero(t >= start - 1e-9)
    troughs = np.array([np.argmin(np.abs(t - d)) for d in trough_days if d >= start - 1e-9])
    half_lives = _LN2 * ind.volume_l / ind.cl_drug_l_per_day
    studied = (pset.studied_weight_kg, pset.studied_ige_iu_per_ml)
    rows = tuple(_compare(j, pts, t, s, b, window, troughs, float(half_lives[j]), studied)
                 for j in range(pts.shape[0]))
    worst = int(np.argmax([r.max_relative_difference for r in rows]))
    return SurrogateCheck(
        parameter_set=parameter_set, dose_mg=dose, interval_days=tau, horizon_days=horizon,
        from_day=start, steps_per_day=steps_per_day, surrogate_pk=pk, patients=rows,
        max_relative_difference=rows[worst].max_relative_difference, worst_patient_index=worst,
        t_days=t, surrogate_mg_per_l=s, binding_mg_per_l=b)


def _check_curve(t_days: ArrayLike, conc_mg_per_l: ArrayLike, dose_days: ArrayLike,
                 doses_mg: ArrayLike, from_day: float) -> tuple[FloatArray, ...]:
    t = np.asarray(t_days, dtype=np.float64)
    c = np.asarray(conc_mg_per_l, dtype=np.float64)
    if t.ndim != 1 or not np.all(np.isfinite(t)):
        raise InputError("t_days", f"shape {t.shape}", "a one-dimensional array of finite days")
    if c.shape != t.shape:
        raise InputError("conc_mg_per_l", f"shape {c.shape}", f"the shape of t_days {t.shape}")
    days = np.asarray(dose_days, dtype=np.float64).reshape(-1)
    mg = np.asarray(doses_mg, dtype=np.float64).reshape(-1)
    if days.size == 0 or days.shape != mg.shape or not np.all(np.isfinite(mg) & (mg > 0)):
        raise InputError("doses_mg", mg.tolist()[:5], "positive doses, one per dose day")
    window = t >= from_day - 1e-9
    if not days.min() < from_day or np.count_nonzero(window) < 3:
        raise InputError("from_day", from_day, "after the first dose, with 3 or more "
                         "curve points at or after it")
    if not np.all(np.isfinite(c[window]) & (c[window] > 0.0)):
        raise InputError("conc_mg_per_l", "values <= 0", "positive concentrations from from_day")
    return t[window], c[window], days, mg


def fit_surrogate_to_curve(t_days: ArrayLike, conc_mg_per_l: ArrayLike, *, weight_kg: float,
                           dose_days: ArrayLike, doses_mg: ArrayLike, tmax_days: float = 7.5,
                           from_day: float = DEFAULT_FROM_DAY,
                           initial: PKParameters | None = None) -> CurveFit:
    """Surrogate t½ and V/F (tmax fixed) minimising the squared log-concentration differences
    to ``conc_mg_per_l`` at the ``t_days`` at or after ``from_day``; starts from ``initial``
    (label values with this tmax when omitted) and stays inside what PKParameters accepts."""
    w = _number("weight_kg", weight_kg, 1.0, 300.0, False)
    start = _number("from_day", from_day, 0.0, 3650.0, True)
    tmax = _number("tmax_days", tmax_days, 0.01, 26.0 / _LN2, False)
    if initial is None:
        initial = PKParameters(tmax_days=tmax)
    t, ref, days, mg = _check_curve(t_days, conc_mg_per_l, dose_days, doses_mg, start)
    log_ref = np.log(ref)

    def curve(theta: FloatArray) -> FloatArray:
        half_life, volume = np.exp(theta)
        ka = absorption_rate_per_day(float(half_life), tmax)
        out: FloatArray = superposition_mg_per_l(_LN2 / half_life, ka, volume * w, days, mg, t)
        return out

    low = np.log([max(0.5, tmax * _LN2) * (1.0 + 1e-6), 0.005])
    high = np.log([365.0, 5.0])
    theta0 = np.clip(np.log([initial.half_life_days, initial.apparent_volume_l_per_kg]),
                     low + 1e-9, high - 1e-9)
    res = least_squares(lambda th: np.log(curve(th)) - log_ref, theta0, bounds=(low, high),
                        method="trf", ftol=1e-12, xtol=1e-12, gtol=1e-12, max_nfev=500)
    half_life, volume = (float(v) for v in np.exp(res.x))
    return CurveFit(
        half_life_days=half_life, apparent_volume_l_per_kg=volume, tmax_days=tmax,
        initial_half_life_days=initial.half_life_days,
        initial_apparent_volume_l_per_kg=initial.apparent_volume_l_per_kg,
        max_relative_difference_before=float(np.max(_relative(curve(theta0), ref))),
        max_relative_difference_after=float(np.max(_relative(curve(res.x), ref))),
        rms_log_residual=float(np.sqrt(np.mean(res.fun ** 2))), converged=bool(res.success),
        optimizer_status=int(res.status), optimizer_message=str(res.message),
        evaluations=int(res.nfev))


def fit_surrogate(weight_kg: float, baseline_ige_iu_per_ml: float, *, dose_mg: float = 300.0,
                  interval_days: float = 28.0, horizon_days: float = 364.0,
                  parameter_set: str = "hayashi2007", tmax_days: float = 7.5,
                  from_day: float = DEFAULT_FROM_DAY, steps_per_day: int = 8) -> SurrogateFit:
    """Surrogate t½ and V/F closest to one patient's binding-model total drug curve."""
    dose, tau, horizon = _check_regimen(dose_mg, interval_days, horizon_days, parameter_set)
    w = _number("weight_kg", weight_kg, 1.0, 300.0, False)
    ige = _number("baseline_ige_iu_per_ml", baseline_ige_iu_per_ml, 0.0, 1e4, True)
    ind = individual_parameters(w, ige * NG_PER_ML_PER_IU, PARAMETER_SETS[parameter_set])
    prof = simulate_regimen(ind, dose, tau, horizon, steps_per_day=steps_per_day)
    dose_days, _ = _dose_days(tau, horizon)
    fit = fit_surrogate_to_curve(prof.t_days, prof.total_drug_mg_per_l[:, 0], weight_kg=w,
                                 dose_days=dose_days, doses_mg=np.full(dose_days.size, dose),
                                 tmax_days=tmax_days, from_day=from_day)
    return SurrogateFit(weight_kg=w, baseline_ige_iu_per_ml=ige, parameter_set=parameter_set,
                        dose_mg=dose, interval_days=tau, horizon_days=horizon,
                        from_day=float(from_day), fit=fit)
