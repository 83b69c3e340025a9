"""The question asked: patient, model parameters, target and choices.

All values are frozen dataclasses checked on creation; a bad value raises
:class:`~optimizer.errors.InputError` naming the field, the value and what is allowed.

Sources of the defaults (see ``docs/parameters.md`` for the full table):

* ``half_life_days = 26``: omalizumab label (EU SmPC 5.2) and the reference case report.
* ``tmax_days = 7.5``: label, peak serum concentration 7-8 days after a subcutaneous dose.
* ``apparent_volume_l_per_kg = 0.078``: label, apparent volume of distribution 78 mL/kg.
* ``baseline_score = 8.5``: reference case, modified MSAF score 7-10 before therapy (midpoint).
* ``ec50_mg_per_l = 63.7``, ``hill = 4``: modelling choice, calibrated to the reference case by
  this rule: for a 30 kg patient with the label PK above, at steady state on 300 mg every 28
  days, the threshold concentration for threshold 2 (baseline 8.5, Hill 4) equals the
  concentration 42 days after a dose (the child's symptoms returned six weeks after the last
  dose before a missed one). ``EC50 = C_ss(42 d) / (8.5 / 2 - 1)^(1/4)`` = 63.70 mg/L, rounded
  to 0.1 (tested). The earlier 62.4 matched about five doses, not steady state.
* ``threshold_score = 2``: modelling choice, "mild" on a 0-10 symptom scale.
* ``dose_options_mg = (300,)``: reference case, 300 mg per injection.
* intervals 14-84 days: label dosing every 2 or 4 weeks, literature up to 8-12 weeks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from optimizer.errors import InputError

__all__ = [
    "MAX_CANDIDATES",
    "IntervalOptions",
    "Patient",
    "PKParameters",
    "RecommendationProblem",
    "ResponseParameters",
]

#: Largest number of (dose, interval) candidates one question may ask for. A 1-365 day
#: range at daily steps with 40 doses is 14,600; anything above the cap is a typo.
MAX_CANDIDATES = 20_000


def _finite(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(name, value, "a number")
    if not math.isfinite(value):
        raise InputError(name, value, "a finite number")
    return float(value)


def _in_range(name: str, value: float, low: float, high: float, *, low_open: bool = True,
              unit: str = "") -> float:
    v = _finite(name, value)
    ok_low = v > low if low_open else v >= low
    if not ok_low or v > high:
        bracket = "(" if low_open else "["
        raise InputError(name, value, f"a number in {bracket}{low:g}, {high:g}]{unit}")
    return v


@dataclass(frozen=True)
class Patient:
    """The patient: body weight scales clearance and volume linearly (label)."""

    weight_kg: float

    def __post_init__(self) -> None:
        _in_range("patient.weight_kg", self.weight_kg, 1.0, 300.0, low_open=False, unit=" kg")


@dataclass(frozen=True)
class PKParameters:
    """One-compartment PK with first-order absorption (label figures, see module doc)."""

    half_life_days: float = 26.0
    tmax_days: float = 7.5
    apparent_volume_l_per_kg: float = 0.078

    def __post_init__(self) -> None:
        t_half = _in_range("pk.half_life_days", self.half_life_days, 0.5, 365.0, unit=" days")
        # tmax = ln(ka/ke)/(ka-ke) tends to 1/ke as ka -> ke, so tmax must stay below it.
        limit = t_half / math.log(2.0)
        tmax = _finite("pk.tmax_days", self.tmax_days)
        if not 0.01 <= tmax < limit:
            raise InputError("pk.tmax_days", self.tmax_days,
                             f"a number in [0.01, {limit:.3g}) days: below half_life_days / ln 2 "
                             "so that absorption is faster than elimination")
        _in_range("pk.apparent_volume_l_per_kg", self.apparent_volume_l_per_kg, 0.005, 5.0,
                  low_open=False, unit=" L/kg")


@dataclass(frozen=True)
class ResponseParameters:
    """Inhibitory sigmoid Emax from concentration to symptom score (modelling choice)."""

    baseline_score: float = 8.5
    ec50_mg_per_l: float = 63.7
    hill: float = 4.0

    def __post_init__(self) -> None:
        _in_range("response.baseline_score", self.baseline_score, 0.1, 10.0, low_open=False)
        _in_range("response.ec50_mg_per_l", self.ec50_mg_per_l, 0.001, 1.0e5, low_open=False,
                  unit=" mg/L")
        _in_range("response.hill", self.hill, 0.1, 50.0, low_open=False)


@dataclass(frozen=True)
class IntervalOptions:
    """Allowed intervals: ``min_days, min_days + step_days, ...`` up to ``max_days``."""

    min_days: int = 14
    max_days: int = 84
    step_days: int = 1

    def __post_init__(self) -> None:
        for name, value in (("min", self.min_days), ("max", self.max_days),
                            ("step", self.step_days)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise InputError(f"interval_options_days.{name}", value, "a whole number of days")
        if not 1 <= self.min_days <= 365:
            raise InputError("interval_options_days.min", self.min_days,
                             "a whole number of days in [1, 365]")
        if not 1 <= self.max_days <= 365:
            raise InputError("interval_options_days.max", self.max_days,
                             "a whole number of days in [1, 365]")
        if self.min_days > self.max_days:
            raise InputError("interval_options_days.min", self.min_days,
                             f"at most interval_options_days.max ({self.max_days})")
        if not 1 <= self.step_days <= 365:
            raise InputError("interval_options_days.step", self.step_days,
                             "a whole number of days in [1, 365]")

    @property
    def days(self) -> tuple[int, ...]:
        return tuple(range(self.min_days, self.max_days + 1, self.step_days))


@dataclass(frozen=True)
class RecommendationProblem:
    """Longest interval (then smallest dose) keeping the score at or below the threshold."""

    patient: Patient
    pk: PKParameters = field(default_factory=PKParameters)
    response: ResponseParameters = field(default_factory=ResponseParameters)
    threshold_score: float = 2.0
    dose_options_mg: tuple[float, ...] = (300.0,)
    interval_options: IntervalOptions = field(default_factory=IntervalOptions)
    max_candidates: int = MAX_CANDIDATES

    def __post_init__(self) -> None:
        thr = _finite("threshold_score", self.threshold_score)
        baseline = self.response.baseline_score
        if not 0.01 <= thr < baseline:
            raise InputError("threshold_score", self.threshold_score,
                             f"a score of at least 0.01 and below response.baseline_score "
                             f"({baseline:g})")
        doses = self.dose_options_mg
        if not isinstance(doses, tuple) or len(doses) == 0:
            raise InputError("dose_options_mg", doses, "a non-empty list of doses in mg")
        if len(doses) > 64:
            raise InputError("dose_options_mg", f"{len(doses)} doses", "at most 64 doses")
        for i, d in enumerate(doses):
            _in_range(f"dose_options_mg[{i}]", d, 1.0, 2400.0, low_open=False, unit=" mg")
        if len(set(doses)) != len(doses):
            raise InputError("dose_options_mg", list(doses), "distinct doses (no repeats)")
        n = len(doses) * len(self.interval_options.days)
        if n > self.max_candidates:
            raise InputError("interval_options_days", f"{n} candidates",
                             f"at most {self.max_candidates} dose x interval candidates; "
                             "narrow the range or use a larger step")

    @property
    def doses_sorted_mg(self) -> tuple[float, ...]:
        return tuple(sorted(float(d) for d in self.dose_options_mg))
