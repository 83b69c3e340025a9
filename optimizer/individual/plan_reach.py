"""Can the allowed clinic days hold the target interval? If not, what is nearest, and which days
would hold it.

Doses given only on some weekdays are spaced by whole numbers of days whose weekday pattern
repeats every 7 days. Keeping a steady interval of ``T`` days from a dose on weekday ``w`` puts
the following doses on ``w + T``, ``w + 2T``, ... (mod 7). When ``T`` is a multiple of 7 they
all fall on ``w``; otherwise, 7 being prime, they visit every weekday in turn. So a target that
is not a whole number of weeks is held on a restricted set of clinic days only for as many
doses as the horizon holds before a dose would fall on a closed day.

:func:`check_reach` answers for a given horizon: the target is *reachable* when doses every
``T`` days from some allowed first day stay on allowed days to the end of the horizon. When it
is not, it names the longest interval at most ``T`` that is reachable the same way (the plan
never exceeds the target: a longer interval is not controlled) and the clinic weekdays that
doses every ``T`` days would need over the horizon.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

__all__ = ["WEEKDAY_NAMES", "PlanReach", "check_reach"]

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class PlanReach:
    """Whether the clinic days hold the target interval over the horizon.

    Attributes:
        target_interval_days: the interval the plan works towards, days.
        clinic_weekdays: allowed weekdays (0 = Monday ... 6 = Sunday), sorted.
        reachable: True when doses every ``target_interval_days`` fit the allowed days.
        nearest_interval_days: the longest interval at most the target that the allowed days
            hold (equal to the target when reachable; ``None`` if none from ``min_gap_days``).
        needed_weekdays: the weekdays doses every ``target_interval_days`` fall on over the
            horizon, from the first allowed day (sorted; the allowed days they add are
            ``needed_weekdays - clinic_weekdays``).
    """

    target_interval_days: int
    clinic_weekdays: tuple[int, ...]
    reachable: bool
    nearest_interval_days: int | None
    needed_weekdays: tuple[int, ...]

    @property
    def missing_weekdays(self) -> tuple[int, ...]:
        return tuple(w for w in self.needed_weekdays if w not in self.clinic_weekdays)

    def message(self) -> str:
        """One or two sentences for the clinician (empty when reachable)."""
        if self.reachable:
            return ""
        days = ", ".join(WEEKDAY_NAMES[w] for w in self.clinic_weekdays)
        add = ", ".join(WEEKDAY_NAMES[w] for w in self.missing_weekdays)
        nearest = ("no steady interval fits them" if self.nearest_interval_days is None
                   else f"the nearest steady interval they hold is every "
                        f"{self.nearest_interval_days} days")
        return (f"Every {self.target_interval_days} days cannot be kept on the allowed clinic "
                f"days ({days}): {nearest}. Allowing injections on {add} as well would hold "
                f"every {self.target_interval_days} days over the plan.")


def _holds(interval_days: int, first: dt.date, last: dt.date,
           weekdays: frozenset[int]) -> bool:
    day = first
    while day <= last:
        if day.weekday() not in weekdays:
            return False
        day += dt.timedelta(days=interval_days)
    return True


def _first_days(earliest: dt.date, weekdays: frozenset[int]) -> list[dt.date]:
    """The first allowed date of each allowed weekday on or after ``earliest``."""
    return [d for d in (earliest + dt.timedelta(days=k) for k in range(7))
            if d.weekday() in weekdays]


def check_reach(target_interval_days: int, clinic_weekdays: tuple[int, ...],
                earliest_dose: dt.date, horizon_end: dt.date,
                min_gap_days: int = 14) -> PlanReach:
    """Whether doses every ``target_interval_days`` can stay on ``clinic_weekdays``.

    Args:
        target_interval_days: the target interval, days (> 0).
        clinic_weekdays: allowed weekdays, 0 = Monday ... 6 = Sunday (at least one).
        earliest_dose: the first date a plan dose may be given.
        horizon_end: the last date of the plan (inclusive).
        min_gap_days: the shortest interval considered for ``nearest_interval_days``
            (label: the shortest labelled interval is 2 weeks).

    Raises:
        ValueError: a target or gap below 1 day, no weekday or a weekday outside 0-6.
    """
    if target_interval_days < 1 or min_gap_days < 1:
        raise ValueError(f"target_interval_days: got {target_interval_days}, min_gap_days: "
                         f"got {min_gap_days}; allowed: whole days from 1")
    if not clinic_weekdays or any(not 0 <= w <= 6 for w in clinic_weekdays):
        raise ValueError(f"clinic_weekdays: got {clinic_weekdays!r}; allowed: one or more of "
                         "0 (Monday) to 6 (Sunday)")
    allowed = frozenset(clinic_weekdays)
    starts = _first_days(earliest_dose, allowed)

    def reachable(interval: int) -> bool:
        return any(_holds(interval, s, horizon_end, allowed) for s in starts)

    ok = reachable(target_interval_days)
    nearest = target_interval_days if ok else next(
        (d for d in range(target_interval_days - 1, min_gap_days - 1, -1) if reachable(d)), None)
    first = starts[0] if starts else earliest_dose
    needed: set[int] = set()
    day = first
    while day <= horizon_end:
        needed.add(day.weekday())
        day += dt.timedelta(days=target_interval_days)
    return PlanReach(target_interval_days=target_interval_days,
                     clinic_weekdays=tuple(sorted(allowed)), reachable=ok,
                     nearest_interval_days=nearest, needed_weekdays=tuple(sorted(needed | allowed)))
