"""Dosing schedules as values, with a short text form for people.

Two kinds of schedule:

* :class:`RegularSchedule` — the same ``dose_mg`` every ``interval_days``, optionally from a
  calendar ``start_date``. Its text form is ``"<dose> mg q<n>w"`` (every ``n`` weeks) or
  ``"<dose> mg q<n>d"`` (every ``n`` days): ``"300 mg q4w"``, ``"300 mg q35d"``,
  ``"150 mg q2w"``. :func:`format_schedule` writes whole weeks as ``q<n>w``.
* :class:`DoseList` — an explicit list of ``(day, dose_mg)`` pairs, days counted from day 0.

Within a horizon of ``horizon_days`` a regular schedule gives its doses on days
``0, tau, 2 tau, ...`` that lie in ``[0, horizon_days)``: ``"300 mg q4w"`` over 364 days is 13
doses (days 0, 28, ..., 336). Days are whole days, so every dose falls on the daily grid used to
score a schedule (see :mod:`optimizer.comparison.schedules`).

Limits (the same as a recommendation's, :mod:`optimizer.core.problem`): a dose of 1-2400 mg (label:
asthma doses up to 600 mg every 2 weeks; 2400 leaves room for typos to be caught, not clinical
advice), an interval of 1-365 days, at most :data:`MAX_DOSES` doses in a list.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from optimizer.errors import InputError

__all__ = [
    "DoseList",
    "MAX_DOSES",
    "RegularSchedule",
    "Schedule",
    "format_schedule",
    "parse_schedule",
]

#: Most doses in an explicit list: 10 years of weekly doses is 522.
MAX_DOSES = 1000
_DOSE_RANGE_MG = (1.0, 2400.0)
_INTERVAL_RANGE_DAYS = (1, 365)

_TEXT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*mg\s+q\s*(\d+)\s*([wd])\s*$", re.IGNORECASE)
_TEXT_HELP = ('a schedule such as "300 mg q4w" (every 4 weeks) or "300 mg q35d" '
              "(every 35 days): dose 1-2400 mg, interval 1-365 days")


def _check_dose(field: str, dose_mg: float) -> float:
    if isinstance(dose_mg, bool) or not isinstance(dose_mg, (int, float)):
        raise InputError(field, dose_mg, "a dose in mg")
    low, high = _DOSE_RANGE_MG
    if not math.isfinite(dose_mg) or not low <= dose_mg <= high:
        raise InputError(field, dose_mg, f"a dose in [{low:g}, {high:g}] mg")
    return float(dose_mg)


@dataclass(frozen=True)
class RegularSchedule:
    """``dose_mg`` every ``interval_days``; day 0 is ``start_date`` when one is given."""

    dose_mg: float
    interval_days: int
    start_date: dt.date | None = None

    def __post_init__(self) -> None:
        _check_dose("dose_mg", self.dose_mg)
        tau = self.interval_days
        low, high = _INTERVAL_RANGE_DAYS
        if isinstance(tau, bool) or not isinstance(tau, int) or not low <= tau <= high:
            raise InputError("interval_days", tau, f"a whole number of days in [{low}, {high}]")

    @property
    def text(self) -> str:
        return format_schedule(self)

    def dose_days(self, horizon_days: int) -> NDArray[np.int64]:
        """Days of the doses given in ``[0, horizon_days)``: 0, tau, 2 tau, ..."""
        return np.arange(0, max(horizon_days, 0), self.interval_days, dtype=np.int64)

    def doses_mg(self, horizon_days: int) -> NDArray[np.float64]:
        return np.full(self.dose_days(horizon_days).size, self.dose_mg, dtype=np.float64)

    def dose_dates(self, horizon_days: int) -> list[dt.date]:
        """Calendar dates of the doses (needs ``start_date``)."""
        if self.start_date is None:
            raise InputError("start_date", None, "a start date to give doses calendar dates")
        start = self.start_date
        return [start + dt.timedelta(days=int(d)) for d in self.dose_days(horizon_days)]


@dataclass(frozen=True)
class DoseList:
    """Explicit doses: ``doses[i] = (day, dose_mg)``, whole days from day 0, no day twice."""

    doses: tuple[tuple[int, float], ...]
    name: str = "dose list"

    def __post_init__(self) -> None:
        if not isinstance(self.doses, tuple) or not 1 <= len(self.doses) <= MAX_DOSES:
            raise InputError("doses", self.doses, f"a list of 1-{MAX_DOSES} (day, mg) pairs")
        for i, (day, mg) in enumerate(self.doses):
            if isinstance(day, bool) or not isinstance(day, int) or day < 0:
                raise InputError(f"doses[{i}].day", day, "a whole day number, 0 or later")
            _check_dose(f"doses[{i}].dose_mg", mg)
        days = [d for d, _ in self.doses]
        if len(set(days)) != len(days):
            raise InputError("doses", days, "at most one dose per day (add the amounts)")

    @property
    def text(self) -> str:
        return self.name

    def dose_days(self, horizon_days: int) -> NDArray[np.int64]:
        days = np.array(sorted(d for d, _ in self.doses), dtype=np.int64)
        return days[days < horizon_days]

    def doses_mg(self, horizon_days: int) -> NDArray[np.float64]:
        pairs = sorted(self.doses)
        return np.array([mg for d, mg in pairs if d < horizon_days], dtype=np.float64)


Schedule = RegularSchedule | DoseList


def parse_schedule(text: str, field: str = "schedule",
                   start_date: dt.date | None = None) -> RegularSchedule:
    """``"300 mg q4w"`` -> ``RegularSchedule(300, 28)``; unknown text raises
    :class:`InputError` naming ``field``."""
    if not isinstance(text, str):
        raise InputError(field, text, _TEXT_HELP)
    match = _TEXT.match(text)
    if match is None:
        raise InputError(field, text, _TEXT_HELP)
    dose = float(match.group(1))
    n = int(match.group(2))
    tau = n * 7 if match.group(3).lower() == "w" else n
    try:
        return RegularSchedule(dose_mg=dose, interval_days=tau, start_date=start_date)
    except InputError as exc:
        raise InputError(field, text, f"{_TEXT_HELP} ({exc.field}: {exc.allowed})") from None


def format_schedule(schedule: RegularSchedule) -> str:
    """The text form: whole weeks as ``q<n>w``, otherwise ``q<n>d``; ``"300 mg q4w"``."""
    tau = schedule.interval_days
    every = f"q{tau // 7}w" if tau % 7 == 0 else f"q{tau}d"
    return f"{schedule.dose_mg:g} mg {every}"
