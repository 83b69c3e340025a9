"""How far the PK surrogate's omalizumab concentration is from the binding model's.

**Compared.** For each test patient (weight, baseline IgE) one regimen (default 300 mg every
28 days from day 0 for 364 days, no drug before) is given to the surrogate
(:mod:`optimizer.exposure.pk`), concentration ``S(t)``, and to the binding model
(:func:`optimizer.free_ige.binding.simulate_regimen`, one call for all patients), total drug
``B(t)`` =
free + bound in the omalizumab-IgE complex, both on the binding model's grid (``steps_per_day``
nodes a day, default 4). ``B`` is the reference; differences are fractions (0.25 = 25 %):

* ``r(t) = |S(t) - B(t)| / B(t)``; ``max_relative_difference`` is its largest value on the
  nodes with ``t >= from_day``, at ``day_of_max_relative_difference``;
* troughs: the nodes just before a dose, ``k * interval_days`` for ``k >= 1`` up to the
  horizon (the last may be the dose due at the horizon); ``max_trough_relative_difference``
  is the largest ``r`` among those at or after ``from_day``;
* ``auc_ratio`` = AUC(S) / AUC(B) from day 0 to the horizon (trapezoid rule on the grid).

**Why the first days are excluded** (``from_day = 7``). Both curves start at 0 on day 0, where
``r`` is 0/0; in the first days ``r`` compares two small rising numbers and reflects how fast
each model absorbs, not the exposure a dosing decision rests on. Day 7 is the label's time to
peak (7-8 days). For the default patients the maximum is the same counted from day 0.125: the
largest differences come later. The AUC ratio covers the whole horizon.

**Caveat.** The surrogate's defaults come from the label (t½ 26 days); the binding model's
free-drug t½ follows from its clearance and volume, ``ln 2 * V / CL``
(``binding_free_drug_half_life_days``, ~22.5 days at 70 kg for hayashi2007), and its total
drug falls faster still where much of it sits in the faster-cleared complex, so the difference
grows with time and with IgE. The default patients are test points spanning 20-120 kg and
30-1000 IU/mL, not a population (``outside_studied_range`` flags those outside a parameter
set's data). :func:`optimizer.free_ige.surrogate_fit.fit_surrogate` fits the surrogate t½ and V/F
(tmax fixed) to one patient's binding curve by least squares on log concentrations.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from optimizer.core.problem import PKParameters
from optimizer.errors import InputError
from optimizer.exposure.pk import absorption_rate_per_day, superposition_mg_per_l
from optimizer.free_ige.binding import simulate_regimen
from optimizer.free_ige.params import NG_PER_ML_PER_IU, PARAMETER_SETS, individual_parameters

__all__ = [
    "DEFAULT_PATIENTS",
    "LN2",
    "PatientComparison",
    "Regimen",
    "SurrogateCheck",
    "checked_number",
    "relative_difference",
    "surrogate_check",
]

FloatArray = NDArray[np.float64]
IndexArray = NDArray[np.intp]
#: (weight_kg, baseline_ige_iu_per_ml) test points spanning 20-120 kg and 30-1000 IU/mL.
DEFAULT_PATIENTS: tuple[tuple[float, float], ...] = (
    (20, 30), (30, 300), (45, 100), (70, 300), (70, 1000), (90, 700), (120, 1000))
DEFAULT_FROM_DAY = 7.0
MAX_PATIENTS = 200
LN2 = math.log(2.0)


def checked_number(name: str, value: object, low: float, high: float, low_open: bool) -> float:
    """``value`` as a float in the range, else an InputError naming ``name``."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    v = float(value) if ok else math.nan  # type: ignore[arg-type]
    if not (math.isfinite(v) and (v > low if low_open else v >= low) and v <= high):
        raise InputError(name, value, f"a number in {'(' if low_open else '['}{low:g}, {high:g}]")
    return v


@dataclass(frozen=True)
class Regimen:
    """The regimen both models get and how they are compared; checked on creation."""

    dose_mg: float = 300.0
    interval_days: float = 28.0
    horizon_days: float = 364.0
    parameter_set: str = "hayashi2007"
    from_day: float = DEFAULT_FROM_DAY
    steps_per_day: int = 4

    def __post_init__(self) -> None:
        steps = self.steps_per_day
        if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= 48:
            raise InputError("steps_per_day", steps, "a whole number in [1, 48]")
        checked_number("dose_mg", self.dose_mg, 1.0, 2400.0, False)
        tau = checked_number("interval_days", self.interval_days, 1.0, 365.0, False)
        if checked_number("horizon_days", self.horizon_days, 0.0, 3650.0, True) < tau:
            raise InputError("horizon_days", self.horizon_days,
                             f"at least interval_days ({tau:g}), so that a trough exists")
        if self.parameter_set not in PARAMETER_SETS:
            raise InputError("parameter_set", self.parameter_set,
                             f"one of {sorted(PARAMETER_SETS)}")
        checked_number("from_day", self.from_day, 0.0, float(self.trough_days()[-1]), True)

    def dose_days(self) -> FloatArray:
        """Dose days exactly as simulate_regimen steps through them."""
        days, start = [], 0.0
        while start < self.horizon_days - 1e-9:
            days.append(start)
            start += self.interval_days
        return np.array(days)

    def trough_days(self) -> FloatArray:
        """Days just before a dose: every dose day but the first, and the horizon if due."""
        days = self.dose_days()
        due = days[-1] + self.interval_days
        return np.append(days[1:], [due] if due <= self.horizon_days + 1e-9 else [])


@dataclass(frozen=True)
class PatientComparison:
    """One patient's figures; relative differences are fractions (0.25 = 25 %)."""

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
    """Per-patient figures, the worst patient, and the curves (rows ``t_days``, a column per
    patient)."""

    regimen: Regimen
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
        """One flat dict per patient (CSV rows, keys in field order)."""
        return [asdict(p) for p in self.patients]

    def to_dict(self, include_curves: bool = False) -> dict[str, Any]:
        """JSON-ready; the curves (one list per patient) only when asked."""
        out: dict[str, Any] = {
            "regimen": asdict(self.regimen), "surrogate_pk": asdict(self.surrogate_pk),
            "max_relative_difference": self.max_relative_difference,
            "worst_patient_index": self.worst_patient_index,
            "worst_weight_kg": self.worst.weight_kg,
            "worst_baseline_ige_iu_per_ml": self.worst.baseline_ige_iu_per_ml,
            "patients": self.rows()}
        if include_curves:
            out |= {"t_days": self.t_days.tolist(),
                    "surrogate_mg_per_l": self.surrogate_mg_per_l.T.tolist(),
                    "binding_mg_per_l": self.binding_mg_per_l.T.tolist()}
        return out


def _check_patients(patients: Sequence[tuple[float, float]]) -> FloatArray:
    if not 1 <= len(patients) <= MAX_PATIENTS:
        raise InputError("patients", f"{len(patients)} patients",
                         f"1 to {MAX_PATIENTS} (weight_kg, baseline_ige_iu_per_ml) pairs")
    out = np.empty((len(patients), 2))
    for i, pair in enumerate(patients):
        if not isinstance(pair, (tuple, list, np.ndarray)) or len(pair) != 2:
            raise InputError(f"patients[{i}]", pair, "a (weight_kg, baseline_ige_iu_per_ml) pair")
        out[i, 0] = checked_number(f"patients[{i}].weight_kg", pair[0], 1.0, 300.0, False)
        out[i, 1] = checked_number(f"patients[{i}].baseline_ige_iu_per_ml", pair[1], 0.1, 1e4,
                                   False)
    return out


def _surrogate(pk: PKParameters, weight_kg: FloatArray, reg: Regimen,
               t_days: FloatArray) -> FloatArray:
    """Surrogate concentration (mg/L), rows ``t_days``, one column per weight."""
    ka = absorption_rate_per_day(pk.half_life_days, pk.tmax_days)
    days = reg.dose_days()
    return superposition_mg_per_l(LN2 / pk.half_life_days, ka,
                                  pk.apparent_volume_l_per_kg * weight_kg, days,
                                  np.full(days.size, float(reg.dose_mg)), t_days[:, None])


def relative_difference(s: FloatArray, b: FloatArray) -> FloatArray:
    """``|s - b| / b``: the surrogate's distance from the binding model, as a fraction."""
    out: FloatArray = np.abs(s - b) / b
    return out


def _compare(pts: FloatArray, t: FloatArray, s: FloatArray, b: FloatArray, window: IndexArray,
             troughs: IndexArray, half_life_days: float, outside: bool) -> PatientComparison:
    """One patient's figures from its curves; ``window``, ``troughs`` are row indices."""
    from scipy.integrate import trapezoid

    rel = relative_difference(s[window], b[window])
    rel_t = relative_difference(s[troughs], b[troughs])
    k, kt = int(window[np.argmax(rel)]), int(troughs[np.argmax(rel_t)])
    auc_s, auc_b = float(trapezoid(s, t)), float(trapezoid(b, t))
    return PatientComparison(
        weight_kg=float(pts[0]), baseline_ige_iu_per_ml=float(pts[1]),
        max_relative_difference=float(rel.max()), day_of_max_relative_difference=float(t[k]),
        surrogate_at_max_mg_per_l=float(s[k]), binding_at_max_mg_per_l=float(b[k]),
        max_trough_relative_difference=float(rel_t.max()),
        day_of_max_trough_relative_difference=float(t[kt]), auc_surrogate_mg_day_per_l=auc_s,
        auc_binding_mg_day_per_l=auc_b, auc_ratio=auc_s / auc_b,
        binding_free_drug_half_life_days=half_life_days, outside_studied_range=outside)


def surrogate_check(patients: Sequence[tuple[float, float]] = DEFAULT_PATIENTS, *,
                    dose_mg: float = 300.0, interval_days: float = 28.0,
                    horizon_days: float = 364.0, parameter_set: str = "hayashi2007",
                    pk: PKParameters | None = None, from_day: float = DEFAULT_FROM_DAY,
                    steps_per_day: int = 4) -> SurrogateCheck:
    """Surrogate vs binding-model total omalizumab for each (weight_kg, IgE IU/mL) pair."""
    reg = Regimen(dose_mg, interval_days, horizon_days, parameter_set, from_day, steps_per_day)
    pts = _check_patients(patients)
    pk = pk if pk is not None else PKParameters()
    pset = PARAMETER_SETS[parameter_set]
    ind = individual_parameters(pts[:, 0], pts[:, 1] * NG_PER_ML_PER_IU, pset)
    prof = simulate_regimen(ind, float(dose_mg), float(interval_days), float(horizon_days),
                            steps_per_day=steps_per_day)
    t = np.asarray(prof.t_days, dtype=np.float64)
    b = np.asarray(prof.total_drug_mg_per_l, dtype=np.float64)
    s = _surrogate(pk, pts[:, 0], reg, t)
    # never the first dose's instant itself, where both curves are 0 (0/0)
    window = np.flatnonzero((t >= from_day - 1e-9) & (t > 0.0))
    troughs = np.array([np.argmin(np.abs(t - d)) for d in reg.trough_days()
                        if d >= from_day - 1e-9], dtype=np.intp)
    half_lives = LN2 * ind.volume_l / ind.cl_drug_l_per_day
    (wlo, whi), (ilo, ihi) = pset.studied_weight_kg, pset.studied_ige_iu_per_ml
    rows = tuple(_compare(pts[j], t, s[:, j], b[:, j], window, troughs, float(half_lives[j]),
                          not (wlo <= pts[j, 0] <= whi and ilo <= pts[j, 1] <= ihi))
                 for j in range(pts.shape[0]))
    worst = int(np.argmax([r.max_relative_difference for r in rows]))
    return SurrogateCheck(regimen=reg, surrogate_pk=pk, patients=rows,
                          max_relative_difference=rows[worst].max_relative_difference,
                          worst_patient_index=worst, t_days=t, surrogate_mg_per_l=s,
                          binding_mg_per_l=b)
