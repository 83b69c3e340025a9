"""Virtual patients: how many stay controlled on each schedule, and what control costs.

**Patients.** ``n`` virtual patients are drawn once per comparison (same patients for every
schedule, so differences between schedules are not sampling noise) with ``numpy``'s
``default_rng(seed)``. Each parameter is log-normal around the request's value (its median),
``theta_i = theta * exp(sd * z_i)``, ``sd = sqrt(log(1 + cv^2))``. Between-patient variability of
clearance and volume, their correlation and their weight exponents come from one published
population-PK model of omalizumab (:data:`VARIABILITY_SOURCES`; default ``lowe2009``):

===========================  ========  ===========  ==============================================
quantity                     lowe2009  hayashi2007  source
===========================  ========  ===========  ==============================================
clearance CV                 0.419     0.203        Lowe 2009 Table 3: omega^2 CL_X 0.162;
                                                    Hayashi 2007 Table 3: CL CV 20.3 %
volume (V/F) CV              0.307     0.130        Lowe: omega^2 V_X 0.0901; Hayashi: V CV 13.0 %
correlation CL-V             0.853     0            Lowe: covariance 0.103; Hayashi: none reported
weight exponent, clearance   1.00      0.911        Lowe / Hayashi Table 3
weight exponent, volume      0.828     0.658        Lowe / Hayashi Table 3
weight_kg CV                 0.20      0.20         modelling choice (spread around the patient's)
ec50_mg_per_l CV             0.53      0.53         modelling choice: log-sd 0.5, the fit's prior
===========================  ========  ===========  ==============================================

(Parameters as transcribed in nlmixr2lib's model files, which cite Table 3 of each paper; the
models describe free omalizumab in a binding model, here applied to the surrogate's total
drug.) Patient ``i`` of weight ``w_i`` around the request's ``W`` has
``V_i = V/F * W * (w_i/W)^b_V * v_i`` and ``ke_i = ke * (w_i/W)^(b_CL - b_V) * cl_i / v_i``, so
the half-life ``ln 2 / ke_i`` spreads with ``sd(log CL - log V)``: 0.215 (Lowe), 0.241
(Hayashi), where the label's SDs drawn independently (CV 46 % and 41 %, the earlier default)
gave 0.59, 2.5-2.7 times wider. Absorption (``ka``, from the label's peak at 7-8 days) is the
same for everyone (modelling choice); ``ke_i`` is capped at half of ``ka`` so the absorption
model stays valid. The threshold concentration is proportional to EC50
(:mod:`optimizer.exposure.symptoms`), so each patient's ``C*_i = C* * ec50_i / ec50``. The EC50
spread and the symptom model remain modelling choices: no published model links omalizumab
concentration to mastocytosis symptoms.

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
from typing import Any

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
    "DEFAULT_VARIABILITY",
    "MAX_PATIENTS",
    "MAX_POPULATION_WORK",
    "PATIENT_YEAR_DAYS",
    "PopulationFigures",
    "PopulationSpec",
    "VARIABILITY_SOURCES",
    "Variability",
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
class Variability:
    """Between-patient variability of clearance and volume from one population-PK model."""

    clearance_cv: float
    volume_cv: float
    clearance_volume_correlation: float
    weight_exponent_clearance: float
    weight_exponent_volume: float
    source: str


def _cv_of_omega2(omega2: float) -> float:
    return math.sqrt(math.expm1(omega2))


#: Sourced alternatives (module doc). Keys are the request's ``population.variability``.
VARIABILITY_SOURCES: dict[str, Variability] = {
    "lowe2009": Variability(
        clearance_cv=_cv_of_omega2(0.162), volume_cv=_cv_of_omega2(0.0901),
        clearance_volume_correlation=0.103 / math.sqrt(0.162 * 0.0901),
        weight_exponent_clearance=1.00, weight_exponent_volume=0.828,
        source="Lowe et al. 2009, Br J Clin Pharmacol 68:61, Table 3 (1,928 subjects): "
               "omega^2 CL 0.162, V 0.0901, covariance 0.103; weight exponents CL 1.00, "
               "V 0.828"),
    "hayashi2007": Variability(
        clearance_cv=0.203, volume_cv=0.130, clearance_volume_correlation=0.0,
        weight_exponent_clearance=0.911, weight_exponent_volume=0.658,
        source="Hayashi et al. 2007, Br J Clin Pharmacol 63:548, Table 3 (202 subjects): "
               "IIV CL 20.3 %, V 13.0 %; weight exponents CL 0.911, V 0.658"),
}
DEFAULT_VARIABILITY = "lowe2009"
_LOWE = VARIABILITY_SOURCES[DEFAULT_VARIABILITY]


@dataclass(frozen=True)
class PopulationSpec:
    """How many virtual patients, the seed and the between-patient variability (module doc).

    Defaults: Lowe et al. 2009 for clearance and volume; modelling choices for weight and
    EC50. :meth:`from_source` fills the clearance and volume fields from another model.
    """

    n: int = 1000
    seed: int = 1
    weight_cv: float = 0.20
    clearance_cv: float = _LOWE.clearance_cv
    volume_cv: float = _LOWE.volume_cv
    ec50_cv: float = 0.53
    clearance_volume_correlation: float = _LOWE.clearance_volume_correlation
    weight_exponent_clearance: float = _LOWE.weight_exponent_clearance
    weight_exponent_volume: float = _LOWE.weight_exponent_volume
    variability: str = DEFAULT_VARIABILITY

    def __post_init__(self) -> None:
        n = self.n
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_PATIENTS:
            raise InputError("population.n", n, f"a whole number in [1, {MAX_PATIENTS}]")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise InputError("population.seed", self.seed, "a whole number, 0 or more")
        for name in ("weight_cv", "clearance_cv", "volume_cv", "ec50_cv"):
            _cv(f"population.{name}", getattr(self, name))
        rho = self.clearance_volume_correlation
        if isinstance(rho, bool) or not isinstance(rho, (int, float)) or not -1.0 <= rho <= 1.0:
            raise InputError("population.clearance_volume_correlation", rho,
                             "a correlation in [-1, 1]")
        for name in ("weight_exponent_clearance", "weight_exponent_volume"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0.0 <= v <= 2.0:
                raise InputError(f"population.{name}", v, "an exponent in [0, 2]")
        if self.variability not in (*VARIABILITY_SOURCES, "custom"):
            raise InputError("population.variability", self.variability,
                             f"one of {', '.join(VARIABILITY_SOURCES)} (or custom)")

    @classmethod
    def from_source(cls, source: str, **overrides: Any) -> PopulationSpec:
        """The spec of a named model (:data:`VARIABILITY_SOURCES`) with ``overrides`` (which
        may set ``variability="custom"`` when they replace the model's numbers)."""
        if source not in VARIABILITY_SOURCES:
            raise InputError("population.variability", source,
                             f"one of {', '.join(VARIABILITY_SOURCES)}")
        v = VARIABILITY_SOURCES[source]
        base: dict[str, Any] = dict(
            clearance_cv=v.clearance_cv, volume_cv=v.volume_cv,
            clearance_volume_correlation=v.clearance_volume_correlation,
            weight_exponent_clearance=v.weight_exponent_clearance,
            weight_exponent_volume=v.weight_exponent_volume, variability=source)
        return cls(**{**base, **overrides})


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
    """``spec.n`` patients around the setup's patient; reproducible for a seed (the same
    normal draws for every variability source, so sources differ only by their numbers)."""
    z = np.random.default_rng(spec.seed).standard_normal((4, spec.n))
    rho = spec.clearance_volume_correlation
    z_volume = rho * z[1] + math.sqrt(max(0.0, 1.0 - rho * rho)) * z[2]
    weight_f = np.exp(_log_sd(spec.weight_cv) * z[0])
    clearance_f = np.exp(_log_sd(spec.clearance_cv) * z[1])
    volume_f = np.exp(_log_sd(spec.volume_cv) * z_volume)
    ec50_f = np.exp(_log_sd(spec.ec50_cv) * z[3])
    base = setup.pk_model
    problem = setup.problem
    b_cl, b_v = spec.weight_exponent_clearance, spec.weight_exponent_volume
    ke = np.minimum(base.ke_per_day * weight_f ** (b_cl - b_v) * clearance_f / volume_f,
                    _KE_CAP_OF_KA * base.ka_per_day)
    weight = problem.patient.weight_kg * weight_f
    return VirtualPatients(
        weight_kg=weight, ke_per_day=ke,
        volume_l=(problem.pk.apparent_volume_l_per_kg * problem.patient.weight_kg
                  * weight_f ** b_v * volume_f),
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
