"""Late and missed doses, from the patient's own history (individual parameters).

After the last dose the concentration rises to one peak and then only falls (a sum of single
doses is ``A exp(-ke t) - B exp(-ka t)`` with ``A, B > 0``), so "the day symptoms return" is a
single crossing of the threshold concentration, found with ``brentq``.

**Missed dose or new schedule** (:func:`classify_gaps`). Each gap between two doses is
``"regular"`` (at most ``MISSED_FACTOR`` = 1.5 x the current interval; a shorter gap is a
shortened schedule, never a missed dose), ``"schedule_change"`` (longer, but the next gap has
the same length within :data:`SAME_LENGTH_FRACTION`: a run of regular gaps at a new length is a
deliberate lengthening) or ``"missed"`` (longer, and the schedule went back or the run is not
confirmed). A missed gap of ``n`` current intervals counts ``n - 1`` missed doses (two in a row:
three intervals' gap). Modelling choices: a run of two equal gaps confirms a change; "equal"
is within 20 %.

**Symptoms that did not return.** A recorded score of 0 (or "not symptomatic") after the
predicted return of symptoms and before the next dose has acted (:data:`DOSE_ACTS_DAYS` after
it, the label's 7-8 day peak) rules out that prediction: the missed dose is listed without a
return date.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from optimizer.exposure.pk import PKModel, concentration_mg_per_l
from optimizer.individual.history import MISSED_FACTOR, PatientHistory

__all__ = ["CatchUpOption", "GapKind", "MissedDoseAdvice", "advise_missed_dose",
           "classify_gaps", "return_day", "schedule_interval_days"]

#: How far after a dose a crossing is searched, days (about 15 half-lives of 26 days).
_SEARCH_DAYS = 400.0
#: Two gaps within this fraction of each other have "the same length" (modelling choice).
SAME_LENGTH_FRACTION = 0.2
#: Days after a dose before it has restored control (label: peak 7-8 days after a dose).
DOSE_ACTS_DAYS = 7

GapKind = Literal["regular", "schedule_change", "missed"]


def classify_gaps(dose_days: np.ndarray) -> list[tuple[GapKind, float]]:
    """Each gap between consecutive doses, with the schedule's interval it is judged against
    (module doc). The first gap sets the schedule."""
    gaps = np.diff(np.asarray(dose_days, dtype=np.float64))
    out: list[tuple[GapKind, float]] = []
    regular = float(gaps[0]) if gaps.size else 0.0
    for k, gap in enumerate(float(g) for g in gaps):
        if k == 0 or gap <= MISSED_FACTOR * regular:
            out.append(("regular", regular if k else gap))
            regular = gap
            continue
        nxt = float(gaps[k + 1]) if k + 1 < gaps.size else None
        if nxt is not None and abs(nxt - gap) <= SAME_LENGTH_FRACTION * gap:
            out.append(("schedule_change", regular))
            regular = gap
        else:
            out.append(("missed", regular))
    return out


def schedule_interval_days(history: PatientHistory, default_days: int) -> int:
    """The current schedule's interval: the latest gap that is not a missed dose (a confirmed
    lengthening counts); ``default_days`` with fewer than two doses."""
    kinds = classify_gaps(history.dose_days)
    gaps = np.diff(history.dose_days)
    for (kind, _), gap in zip(reversed(kinds), reversed(gaps), strict=True):
        if kind != "missed":  # the first gap always is
            return int(gap)
    return default_days


def _no_symptoms_seen(history: PatientHistory, after_day: float, until_day: float) -> bool:
    for o in history.observations:
        day = history.day(o.date)
        if after_day <= day <= until_day and (o.score == 0 or o.symptomatic is False):
            return True
    return False


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
    # (day the dose was due, predicted return day; None when a recorded score rules it out)
    past_missed: tuple[tuple[int, float | None], ...]
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
    past: list[tuple[int, float | None]] = []
    for k, (kind, regular) in enumerate(classify_gaps(days), start=1):
        if kind != "missed":
            continue
        r: float | None = return_day(pk, days[:k], amounts[:k], float(days[k - 1]), c_star)
        if r is not None and _no_symptoms_seen(history, r, float(days[k]) + DOSE_ACTS_DAYS):
            r = None
        n_missed = max(1, round((days[k] - days[k - 1]) / regular) - 1)
        past.extend((int(days[k - 1] + regular * (j + 1)), r) for j in range(n_missed))
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
