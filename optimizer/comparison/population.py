"""Virtual patients: how many stay controlled on each schedule, and what control costs.

**Patients.** ``n`` virtual patients are drawn once per comparison (same patients for every
schedule, so differences between schedules are not sampling noise) with ``numpy``'s
``default_rng(seed)``. Each parameter is log-normal around the request's value (its median),
``theta_i = theta * exp(sd * z_i)``, ``sd = sqrt(log(1 + cv^2))``, independent of each other:

=================  =====  ==========================================================
parameter          cv     source
=================  =====  ==========================================================
weight_kg          0.20   modelling choice (spread of body weight around the patient's)
clearance          0.46   label: apparent clearance 2.4 +/- 1.1 mL/kg/day
volume (V/F)       0.41   label: apparent volume 78 +/- 32 mL/kg
ec50_mg_per_l      0.53   modelling choice: log-sd 0.5, the individual fit's prior
=================  =====  ==========================================================

Clearance and volume per kg vary independently, so the half-life ``ln 2 V / CL`` varies too
(``ke_i = ke * clearance_factor_i / volume_factor_i``); weight scales clearance and volume alike
(label) and so changes concentrations, not the half-life. Absorption (``ka``, from the label's
peak at 7-8 days) is the same for everyone (modelling choice); ``ke_i`` is capped at half of
``ka`` so the absorption model stays valid (an elimination half-life of at least ~3.6 days, far
in the tail of these distributions). The threshold concentration is proportional to EC50
(:mod:`optimizer.exposure.symptoms`), so each patient's ``C*_i = C* * ec50_i / ec50``.

**Figures per schedule** (days counted as in :mod:`optimizer.comparison.schedules`, exact on the
day grid):

* ``share_controlled`` — share of patients with no day above the threshold in the horizon.
* ``mean_controlled_days`` — mean over patients of days without an excursion.
* ``cost_per_patient_year`` — the schedule's cost over the horizon scaled to a year of
  :data:`PATIENT_YEAR_DAYS` (every patient gets the same doses).
* ``cost_per_controlled_patient_year`` — cost per year of controlled time: the cost of all
  patients divided by their controlled days in years. ``None`` when no day is controlled.
* ``incremental_cost_per_controlled_patient_year`` — versus the reference schedule:
  ``(cost - cost_ref) / (controlled years - controlled years_ref)`` per patient; ``None`` when the
  controlled time is the same. For a cheaper schedule with less control it is positive: the
  money saved per controlled patient-year given up.

Vectorised numpy: each schedule is one array operation over (patients x days), in chunks of
patients to bound memory; no Python loop per patient or per day.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from optimizer.comparison.schedules import (
    ComparisonSetup,
    days_above_threshold,
    schedule_concentration_mg_per_l,
)
from optimizer.core.regimen import RegularSchedule, Schedule
from optimizer.errors import InputError

__all__ = [
    "MAX_PATIENTS",
    "MAX_POPULATION_WORK",
    "PATIENT_YEAR_DAYS",
    "PopulationFigures",
    "PopulationSpec",
    "VirtualPatients",
    "controlled_days",
    "draw_patients",
    "incremental_cost",
    "population_figures",
    "population_work",
]

FloatArray = NDArray[np.float64]

#: Most virtual patients in one comparison (a size guard).
MAX_PATIENTS = 100_000
#: Most patient-day-dose evaluations in one comparison, ``n x (horizon_days + 1) x`` the sum over
#: schedules of 1 (regular) or the number of doses (explicit lists): about 1 s on 2 cores.
MAX_POPULATION_WORK = 50_000_000
#: A patient-year is 52 whole weeks (modelling choice, as the default horizon: q4w is 13
#: injections a year); multiply by 365.25 / 364 for calendar years.
PATIENT_YEAR_DAYS = 364
#: Elements per chunk of (patients x days) arrays: bounds memory to ~16 MB per array.
_CHUNK_ELEMENTS = 2_000_000
#: ke is capped at this share of ka (see module doc).
_KE_CAP_OF_KA = 0.5


def _cv(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(name, value, "a coefficient of variation in [0, 2]")
    if not math.isfinite(value) or not 0.0 <= value <= 2.0:
        raise InputError(name, value, "a coefficient of variation in [0, 2]")
    return float(value)


@dataclass(frozen=True)
class PopulationSpec:
    """How many virtual patients, the seed and the between-patient CVs (module doc)."""

    n: int = 1000
    seed: int = 1
    weight_cv: float = 0.20
    clearance_cv: float = 0.46
    volume_cv: float = 0.41
    ec50_cv: float = 0.53

    def __post_init__(self) -> None:
        n = self.n
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_PATIENTS:
            raise InputError("population.n", n, f"a whole number in [1, {MAX_PATIENTS}]")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise InputError("population.seed", self.seed, "a whole number, 0 or more")
        for name in ("weight_cv", "clearance_cv", "volume_cv", "ec50_cv"):
            _cv(f"population.{name}", getattr(self, name))


@dataclass(frozen=True)
class VirtualPatients:
    """Per-patient arrays (shape ``(n,)``) and the shared absorption rate."""

    weight_kg: FloatArray
    ke_per_day: FloatArray
    volume_l: FloatArray
    ec50_mg_per_l: FloatArray
    threshold_conc_mg_per_l: FloatArray
    ka_per_day: float

    @property
    def n(self) -> int:
        return int(self.weight_kg.size)


def _log_sd(cv: float) -> float:
    return math.sqrt(math.log1p(cv * cv))


def draw_patients(spec: PopulationSpec, setup: ComparisonSetup) -> VirtualPatients:
    """``spec.n`` patients around the setup's patient; reproducible for a seed."""
    z = np.random.default_rng(spec.seed).standard_normal((4, spec.n))
    weight_f, clearance_f, volume_f, ec50_f = (
        np.exp(_log_sd(cv) * z[k]) for k, cv in enumerate(
            (spec.weight_cv, spec.clearance_cv, spec.volume_cv, spec.ec50_cv)))
    base = setup.pk_model
    problem = setup.problem
    ke = np.minimum(base.ke_per_day * clearance_f / volume_f, _KE_CAP_OF_KA * base.ka_per_day)
    weight = problem.patient.weight_kg * weight_f
    return VirtualPatients(
        weight_kg=weight, ke_per_day=ke,
        volume_l=problem.pk.apparent_volume_l_per_kg * volume_f * weight,
        ec50_mg_per_l=problem.response.ec50_mg_per_l * ec50_f,
        threshold_conc_mg_per_l=setup.threshold_conc_mg_per_l * ec50_f,
        ka_per_day=base.ka_per_day)


def _schedule_weight(schedule: Schedule, horizon_days: int) -> int:
    if isinstance(schedule, RegularSchedule):
        return 1
    return max(1, int(schedule.dose_days(horizon_days).size))


def population_work(n: int, schedules: list[Schedule], horizon_days: int) -> int:
    """Patient-day-dose evaluations a comparison needs (see :data:`MAX_POPULATION_WORK`)."""
    return n * (horizon_days + 1) * sum(_schedule_weight(s, horizon_days) for s in schedules)


def controlled_days(patients: VirtualPatients, setup: ComparisonSetup,
                    schedule: Schedule) -> NDArray[np.int64]:
    """Days without an excursion above the threshold, per patient (shape ``(n,)``)."""
    h = setup.horizon_days
    t = setup.grid_days[None, :]
    chunk = max(1, _CHUNK_ELEMENTS // ((h + 1) * _schedule_weight(schedule, h)))
    above = np.empty(patients.n, dtype=np.int64)
    for lo in range(0, patients.n, chunk):
        sl = slice(lo, lo + chunk)
        conc = schedule_concentration_mg_per_l(
            patients.ke_per_day[sl, None], patients.ka_per_day, patients.volume_l[sl, None],
            schedule, h, setup.start, t)
        above[sl] = days_above_threshold(conc, patients.threshold_conc_mg_per_l[sl, None])
    out: NDArray[np.int64] = h - above
    return out


@dataclass(frozen=True)
class PopulationFigures:
    """One schedule's population figures (module doc); money in the price list's currency."""

    share_controlled: float
    mean_controlled_days: float
    cost_per_patient_year: float
    cost_per_controlled_patient_year: float | None

    @property
    def controlled_years_per_patient_year(self) -> float:
        """Controlled time per patient-year of treatment: the effect side of the ratios."""
        return self.mean_controlled_days / PATIENT_YEAR_DAYS


def population_figures(days_controlled: NDArray[np.int64], horizon_cost: float,
                       horizon_days: int) -> PopulationFigures:
    """Share controlled, mean controlled days and costs from per-patient controlled days."""
    mean_days = float(days_controlled.mean())
    per_year = horizon_cost * PATIENT_YEAR_DAYS / horizon_days
    controlled_share_of_time = mean_days / horizon_days
    per_controlled = per_year / controlled_share_of_time if mean_days > 0 else None
    return PopulationFigures(
        share_controlled=float(np.mean(days_controlled == horizon_days)),
        mean_controlled_days=mean_days, cost_per_patient_year=per_year,
        cost_per_controlled_patient_year=per_controlled)


def incremental_cost(figures: PopulationFigures, reference: PopulationFigures,
                     horizon_days: int) -> float | None:
    """Extra cost per extra controlled patient-year versus ``reference`` (module doc)."""
    d_cost = figures.cost_per_patient_year - reference.cost_per_patient_year
    d_years = (figures.mean_controlled_days - reference.mean_controlled_days) / horizon_days
    if abs(d_years) < 1e-12:
        return None
    return d_cost / d_years
