"""A patient's own history as values: dated doses and dated symptom observations.

Dates are calendar dates; the model works in days relative to the evaluation date ("today",
day 0; the past is negative). Every check raises :class:`~optimizer.errors.InputError` naming
the field as the request spells it, e.g. ``history.doses[3].date``.

Assumption (stated in every individual answer): the history lists *every* dose the patient
received in the last months; a dose missing from the list is a dose not given.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from numpy.typing import NDArray

from optimizer.core.dates import EARLIEST_DATE, LATEST_DATE
from optimizer.core.warnings import AnswerWarning
from optimizer.errors import InputError
from optimizer.exposure.pk import PKModel, concentration_mg_per_l

__all__ = [
    "DoseRecord",
    "Observation",
    "PatientHistory",
    "build_history",
    "contradicting_observations",
    "recorded_score_range",
    "regular_interval_days",
]

#: Highest score of the 0-10 per-symptom scale (modified MSAF, reference case).
MAX_SCORE = 10.0
#: Dates listed in one ``observation_contradiction`` message before "and N more" (modelling
#: choice: enough to find them in the record, short enough to read).
LISTED_DATES = 10


@dataclass(frozen=True)
class DoseRecord:
    date: date
    dose_mg: float


@dataclass(frozen=True)
class Observation:
    """A symptom score (0-10) and/or a yes/no "symptomatic" on one date."""

    date: date
    score: float | None = None
    symptomatic: bool | None = None


@dataclass(frozen=True)
class PatientHistory:
    doses: tuple[DoseRecord, ...]
    observations: tuple[Observation, ...]
    evaluation_date: date

    def day(self, d: date) -> int:
        """Days from the evaluation date to ``d`` (negative in the past)."""
        return (d - self.evaluation_date).days

    def date_of(self, day: int) -> date:
        return self.evaluation_date + timedelta(days=int(day))

    @property
    def dose_days(self) -> NDArray[np.float64]:
        return np.array([self.day(r.date) for r in self.doses], dtype=np.float64)

    @property
    def doses_mg(self) -> NDArray[np.float64]:
        return np.array([r.dose_mg for r in self.doses], dtype=np.float64)

    @property
    def observation_days(self) -> NDArray[np.float64]:
        return np.array([self.day(o.date) for o in self.observations], dtype=np.float64)

    def concentration_mg_per_l(self, model: PKModel, t_days: NDArray[np.float64]
                               ) -> NDArray[np.float64]:
        """Concentration at ``t_days`` (relative to today) from the recorded doses alone."""
        return concentration_mg_per_l(model, self.dose_days, self.doses_mg, t_days)


def _check_dates(prefix: str, dates: list[date], evaluation_date: date) -> None:
    for i, d in enumerate(dates):
        if d < EARLIEST_DATE:
            raise InputError(f"{prefix}[{i}].date", d.isoformat(),
                             f"a date from {EARLIEST_DATE.isoformat()} on")
        if d > evaluation_date:
            raise InputError(f"{prefix}[{i}].date", d.isoformat(),
                             f"a date on or before evaluation_date ({evaluation_date.isoformat()})")
        if i > 0 and d == dates[i - 1]:
            raise InputError(f"{prefix}[{i}].date", d.isoformat(),
                             f"a date different from {prefix}[{i - 1}].date (no duplicates)")
        if i > 0 and d < dates[i - 1]:
            raise InputError(f"{prefix}[{i}].date", d.isoformat(),
                             f"a date after {prefix}[{i - 1}].date ({dates[i - 1].isoformat()}): "
                             "entries sorted oldest first")


def _check_observation(i: int, obs: Observation) -> None:
    field = f"history.observations[{i}]"
    if obs.score is None and obs.symptomatic is None:
        raise InputError(f"{field}.score", None, "a score 0-10, or symptomatic: true/false")
    if obs.score is not None:
        s = obs.score
        if isinstance(s, bool) or not isinstance(s, (int, float)) or not math.isfinite(s) \
                or not 0.0 <= s <= MAX_SCORE:
            raise InputError(f"{field}.score", s, "a score in [0, 10]")


def build_history(doses: list[DoseRecord], observations: list[Observation],
                  evaluation_date: date | None) -> PatientHistory:
    """Check and freeze a history. Without ``evaluation_date`` the latest entry's date is used."""
    for i, r in enumerate(doses):
        if isinstance(r.dose_mg, bool) or not math.isfinite(r.dose_mg) \
                or not 0.0 < r.dose_mg <= 2400.0:
            raise InputError(f"history.doses[{i}].dose_mg", r.dose_mg, "a dose in (0, 2400] mg")
    for i, o in enumerate(observations):
        _check_observation(i, o)
    every = [r.date for r in doses] + [o.date for o in observations]
    if evaluation_date is None:
        if not every:
            raise InputError("evaluation_date", None, "an ISO date (or a non-empty history)")
        evaluation_date = max(every)
    if not EARLIEST_DATE <= evaluation_date <= LATEST_DATE:
        raise InputError("evaluation_date", evaluation_date.isoformat(),
                         f"a date between {EARLIEST_DATE.isoformat()} and "
                         f"{LATEST_DATE.isoformat()}")
    _check_dates("history.doses", [r.date for r in doses], evaluation_date)
    _check_dates("history.observations", [o.date for o in observations], evaluation_date)
    return PatientHistory(doses=tuple(doses), observations=tuple(observations),
                          evaluation_date=evaluation_date)


def recorded_score_range(score: float, zero_below_score: float) -> tuple[float, float]:
    """The latent scores a recorded score stands for, as the fit reads it
    (:mod:`optimizer.individual.fit`, measurement model): a 0 is below the detection level
    ``zero_below_score``; ``y > 0`` is ``[y - 0.5, y + 0.5]``, starting no lower than the
    detection level (or ``y`` itself) and open above 9.5. Points on the 0-10 scale."""
    if score <= 0.0:
        return -math.inf, zero_below_score
    upper = math.inf if score + 0.5 >= MAX_SCORE else score + 0.5
    return max(score - 0.5, min(zero_below_score, score)), upper


def contradicting_observations(history: PatientHistory, symptom_cutoff_score: float,
                               zero_below_score: float) -> list[AnswerWarning]:
    """One ``observation_contradiction`` warning when any observation carries both a score
    and a yes/no "symptomatic" that cannot both hold: "symptomatic" means a latent score
    above ``symptom_cutoff_score``, and the score's whole range
    (:func:`recorded_score_range`) lies at or below it (score 0 with symptomatic true), or
    above it with symptomatic false (score 8). The score is the richer measurement and the
    one the fit uses; the warning says so and lists the dates (nothing else about the
    patient). Empty when none disagree. The field is the first, ``history.observations[i]``."""
    clash = []
    for i, o in enumerate(history.observations):
        if o.score is None or o.symptomatic is None:
            continue
        low, high = recorded_score_range(o.score, zero_below_score)
        if (high <= symptom_cutoff_score) if o.symptomatic else (low >= symptom_cutoff_score):
            clash.append((i, o))
    if not clash:
        return []
    listed = "; ".join(f"{o.date.isoformat()} (score {o.score:g}, symptomatic "
                       f"{'true' if o.symptomatic else 'false'})"
                       for _, o in clash[:LISTED_DATES])
    more = f" and {len(clash) - LISTED_DATES} more" if len(clash) > LISTED_DATES else ""
    return [AnswerWarning(
        "observation_contradiction",
        f"{len(clash)} observation(s) give a score and a yes/no 'symptomatic' that disagree "
        f"('symptomatic' means a score above {symptom_cutoff_score:g}): {listed}{more}. The "
        "score was used and the yes/no ignored; check the record.",
        f"history.observations[{clash[0][0]}]")]


#: An interval longer than this multiple of the schedule's interval before it is a missed
#: dose (modelling choice: 8 weeks in a 4-weekly schedule is missed, 5 weeks is not).
MISSED_FACTOR = 1.5


def regular_interval_days(history: PatientHistory, default_days: int) -> int:
    """The current schedule: the most recent recorded interval that is not a missed dose
    (longer than ``MISSED_FACTOR`` x the regular interval before it); ``default_days`` with
    fewer than two doses."""
    gaps = np.diff(history.dose_days)
    if gaps.size == 0:
        return default_days
    regular = float(gaps[0])
    for gap in gaps[1:]:
        if gap <= MISSED_FACTOR * regular:
            regular = float(gap)
    return int(regular)
