"""Late and missed doses, from the patient's own history (individual parameters).

After the last dose the concentration rises to one peak and then only falls (a sum of single
doses is ``A exp(-ke t) - B exp(-ka t)`` with ``A, B > 0``), so "the day symptoms return" is a
single crossing of the threshold concentration, found with ``brentq``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from optimizer.exposure.pk import PKModel, concentration_mg_per_l
from optimizer.individual.history import MISSED_FACTOR, PatientHistory

__all__ = ["CatchUpOption", "MissedDoseAdvice", "advise_missed_dose", "return_day"]

#: How far after a dose a crossing is searched, days (about 15 half-lives of 26 days).
_SEARCH_DAYS = 400.0


@dataclass(frozen=True)
class CatchUpOption:
    dose_mg: float
    recovery_day: int | None  # first day from the catch-up dose with the score back down
    controlled_until_day: float | None  # when it would cross again with no further dose


@dataclass(frozen=True)
class MissedDoseAdvice:
    last_dose_day: int
    next_due_day: int
    regular_interval_days: int
    symptoms_return_day: float  # with no further dose (relative to today)
    late_dose_tolerance_days: float  # return day - due day; negative: before the due date
    overdue: bool
    past_missed: tuple[tuple[int, float], ...]  # (day the dose was due, predicted return day)
    catch_up_day: int | None
    catch_up: tuple[CatchUpOption, ...]
    best_catch_up: CatchUpOption | None


def return_day(pk: PKModel, dose_days: np.ndarray, doses_mg: np.ndarray, after_day: float,
               c_star: float) -> float:
    """First time after the peak following ``after_day`` at which the concentration from the
    given doses falls to ``c_star`` (``after_day`` itself if the peak stays below it)."""
    from scipy.optimize import brentq

    def gap(t: float) -> float:
        return float(concentration_mg_per_l(pk, dose_days, doses_mg, t)) - c_star

    ke, ka = pk.ke_per_day, pk.ka_per_day
    grid = after_day + np.linspace(0.0, 4.0 * math.log(ka / ke) / (ka - ke), 200)
    conc = concentration_mg_per_l(pk, dose_days, doses_mg, grid)
    k = int(np.argmax(conc))
    if conc[k] < c_star:
        return float(after_day)
    end = after_day + _SEARCH_DAYS
    if gap(end) >= 0.0:
        return float(end)
    return float(brentq(gap, float(grid[k]), end, xtol=1e-6))


def _catch_up(history: PatientHistory, pk: PKModel, c_star: float, day: int, dose: float
              ) -> CatchUpOption:
    days = np.r_[history.dose_days, day]
    amounts = np.r_[history.doses_mg, dose]
    t = np.arange(day, day + 120, dtype=np.float64)
    ok = concentration_mg_per_l(pk, days, amounts, t) >= c_star
    if not ok.any():
        return CatchUpOption(dose_mg=dose, recovery_day=None, controlled_until_day=None)
    rec = int(t[int(np.argmax(ok))])
    until = return_day(pk, days, amounts, float(day), c_star)
    return CatchUpOption(dose_mg=dose, recovery_day=rec, controlled_until_day=until)


def advise_missed_dose(history: PatientHistory, pk: PKModel, c_star: float,
                       regular_interval_days: int, dose_options_mg: tuple[float, ...],
                       catch_up_day: int) -> MissedDoseAdvice:
    """Tolerance for the next dose, past missed doses, and catch-up options when overdue.

    Best catch-up: the earliest recovery, then a dose that keeps control until the next
    regular dose (catch-up day + usual interval), then the smallest dose.
    """
    days, amounts = history.dose_days, history.doses_mg
    last = int(days[-1])
    due = last + regular_interval_days
    back = return_day(pk, days, amounts, float(last), c_star)
    past = []
    regular = float(days[1] - days[0]) if days.size > 1 else float(regular_interval_days)
    for k in range(1, days.size):
        gap = float(days[k] - days[k - 1])
        if gap > MISSED_FACTOR * regular:
            r = return_day(pk, days[:k], amounts[:k], float(days[k - 1]), c_star)
            past.append((int(days[k - 1] + regular), r))
        else:
            regular = gap
    overdue = due < 0 or back <= 0.0
    options: tuple[CatchUpOption, ...] = ()
    best = None
    if overdue:
        options = tuple(_catch_up(history, pk, c_star, catch_up_day, d)
                        for d in sorted(dose_options_mg))
        usable = [o for o in options if o.recovery_day is not None]
        if usable:
            holds = catch_up_day + regular_interval_days
            # earliest recovery; then one that holds until the next regular dose; then smallest
            best = min(usable, key=lambda o: (o.recovery_day,
                                              (o.controlled_until_day or 0.0) < holds, o.dose_mg))
    return MissedDoseAdvice(
        last_dose_day=last, next_due_day=due, regular_interval_days=regular_interval_days,
        symptoms_return_day=back, late_dose_tolerance_days=math.floor((back - due) * 10) / 10,
        overdue=overdue, past_missed=tuple(past), catch_up_day=catch_up_day if overdue else None,
        catch_up=options, best_catch_up=best)
