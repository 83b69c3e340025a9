"""Compare dosing schedules for one patient over a horizon: doses, costs and symptom control.

**Horizon.** Days ``[0, horizon_days)``, default 364 (52 weeks). Doses of a regular schedule are
given on days ``0, tau, 2 tau, ...`` inside the horizon (``"300 mg q4w"`` over 364 days: 13).

**Start** (``start``):

* ``"steady_state"`` (default) — the patient has been on the schedule long enough for the
  concentration to repeat every cycle (several half-lives, about 4 months at 26 days), and keeps
  to it: the doses before day 0 are the same schedule. This compares schedules as maintained.
* ``"first_dose"`` — day 0 is the first dose ever given: the concentration starts at 0 and
  builds up, so the first days are uncontrolled for every schedule.

**Concentration.** One compartment with first-order absorption (:mod:`optimizer.exposure.pk`). For a
regular schedule with ``n`` doses given by time ``t`` (the last one ``s`` days before ``t``), the
superposition of ``n`` single doses is a geometric series::

    C(t) = D ka / (V (ka - ke)) * (exp(-ke s) G(ke) - exp(-ka s) G(ka)),
    G(x) = (1 - exp(-x n tau)) / (1 - exp(-x tau))     (first dose)
    G(x) = 1 / (1 - exp(-x tau))                       (steady state: n -> infinity)

computed by :func:`optimizer.exposure.pk.series_concentration_mg_per_l` (the same closed form the
recommendation uses), broadcast over patients. Explicit dose lists use
:func:`optimizer.exposure.pk.superposition_mg_per_l`.

**Scoring grid, and why it is exact.** Between two doses the concentration is
``A exp(-ke t) - B exp(-ka t)`` with ``A, B >= 0``: it rises to at most one peak and then falls
(``optimizer/exposure/pk.py`` proves it for steady state; the same argument holds for any sum of
past
doses). So its minimum over any stretch without a dose is at one of the stretch's ends. Doses
fall on whole days, so each day ``[d, d + 1]`` is such a stretch, and the concentration on the
whole-day grid ``0, 1, ..., horizon_days`` (which holds every dose time) finds every excursion:

* ``days_above_threshold`` — days ``d`` in the horizon on which the score exceeds
  ``threshold_score`` at some moment (the concentration at ``d`` or ``d + 1`` is below the
  threshold concentration ``C*`` of :mod:`optimizer.exposure.symptoms`); exact, not sampled.
* ``fraction_controlled = 1 - days_above_threshold / horizon_days``.
* ``max_score`` — the worst score over the horizon (at the lowest grid concentration); exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from optimizer.comparison.costs import PriceList, ScheduleCost, schedule_cost
from optimizer.core.problem import RecommendationProblem
from optimizer.core.regimen import DoseList, RegularSchedule, Schedule
from optimizer.errors import InputError
from optimizer.exposure.pk import PKModel, series_concentration_mg_per_l, superposition_mg_per_l
from optimizer.exposure.symptoms import score, threshold_concentration_mg_per_l

__all__ = [
    "ComparisonSetup",
    "DEFAULT_HORIZON_DAYS",
    "MAX_HORIZON_DAYS",
    "ScheduleResult",
    "Start",
    "check_schedule",
    "compare_schedules",
    "days_above_threshold",
    "dose_list_concentration_mg_per_l",
    "evaluate_schedule",
    "regular_concentration_mg_per_l",
    "schedule_concentration_mg_per_l",
    "score_path",
]

FloatArray = NDArray[np.float64]
Start = Literal["steady_state", "first_dose"]

#: 52 weeks: a year of whole weeks, so q4w gives exactly 13 doses (modelling choice).
DEFAULT_HORIZON_DAYS = 364
#: Longest horizon one comparison may ask for: 10 years (a typo guard).
MAX_HORIZON_DAYS = 3650


def regular_concentration_mg_per_l(ke_per_day: ArrayLike, ka_per_day: float,
                                   volume_l: ArrayLike, dose_mg: float, interval_days: int,
                                   t_days: ArrayLike, start: Start, n_doses: int) -> FloatArray:
    """Concentration of a regular schedule at ``t_days`` (see module doc), broadcast over
    ``ke_per_day`` and ``volume_l`` (e.g. one row per patient, shape ``(N, 1)``).

    ``n_doses`` is the number of doses given in the horizon (for ``"first_dose"``).
    """
    t = np.asarray(t_days, dtype=np.float64)
    tau = float(interval_days)
    if start == "steady_state":
        return series_concentration_mg_per_l(ke_per_day, ka_per_day, volume_l, dose_mg, tau,
                                             np.mod(t, tau))
    n = np.minimum(np.floor(t / tau) + 1.0, float(n_doses))
    return series_concentration_mg_per_l(ke_per_day, ka_per_day, volume_l, dose_mg, tau,
                                         t - (n - 1.0) * tau, n)


def dose_list_concentration_mg_per_l(ke_per_day: ArrayLike, ka_per_day: float,
                                     volume_l: ArrayLike, dose_days: ArrayLike,
                                     doses_mg: ArrayLike, t_days: ArrayLike) -> FloatArray:
    """Superposition of explicit doses, broadcast over ``ke_per_day`` and ``volume_l``."""
    return superposition_mg_per_l(ke_per_day, ka_per_day, volume_l, dose_days, doses_mg, t_days)


def schedule_concentration_mg_per_l(ke_per_day: ArrayLike, ka_per_day: float,
                                    volume_l: ArrayLike, schedule: Schedule, horizon_days: int,
                                    start: Start, t_days: ArrayLike) -> FloatArray:
    """Concentration of any schedule at ``t_days`` (regular: closed form; list: superposition)."""
    if isinstance(schedule, RegularSchedule):
        n = int(schedule.dose_days(horizon_days).size)
        return regular_concentration_mg_per_l(ke_per_day, ka_per_day, volume_l,
                                              schedule.dose_mg, schedule.interval_days,
                                              t_days, start, n)
    return dose_list_concentration_mg_per_l(ke_per_day, ka_per_day, volume_l,
                                            schedule.dose_days(horizon_days),
                                            schedule.doses_mg(horizon_days), t_days)


def days_above_threshold(conc_mg_per_l: FloatArray,
                         threshold_conc_mg_per_l: ArrayLike) -> NDArray[np.int64]:
    """Days with a moment above the threshold score, from concentrations on the whole-day grid
    ``0..H`` (last axis, ``H + 1`` points; exact, see module doc)."""
    low = conc_mg_per_l < np.asarray(threshold_conc_mg_per_l, dtype=np.float64)
    bad_day = low[..., :-1] | low[..., 1:]
    out: NDArray[np.int64] = bad_day.sum(axis=-1).astype(np.int64)
    return out


@dataclass(frozen=True)
class ComparisonSetup:
    """The patient and model (``problem``; its dose and interval options are not used here),
    the horizon, the start and the price list."""

    problem: RecommendationProblem
    prices: PriceList
    horizon_days: int = DEFAULT_HORIZON_DAYS
    start: Start = "steady_state"

    def __post_init__(self) -> None:
        h = self.horizon_days
        if isinstance(h, bool) or not isinstance(h, int) or not 1 <= h <= MAX_HORIZON_DAYS:
            raise InputError("horizon_days", h,
                             f"a whole number of days in [1, {MAX_HORIZON_DAYS}]")
        if self.start not in ("steady_state", "first_dose"):
            raise InputError("start", self.start, '"steady_state" or "first_dose"')

    @property
    def pk_model(self) -> PKModel:
        return PKModel.from_parameters(self.problem.pk, self.problem.patient.weight_kg)

    @property
    def threshold_conc_mg_per_l(self) -> float:
        return threshold_concentration_mg_per_l(self.problem.response,
                                                 self.problem.threshold_score)

    @property
    def grid_days(self) -> FloatArray:
        return np.arange(self.horizon_days + 1, dtype=np.float64)


@dataclass(frozen=True)
class ScheduleResult:
    """One schedule's figures for one patient over the horizon."""

    label: str
    schedule: Schedule
    cost: ScheduleCost
    days_above_threshold: int
    fraction_controlled: float
    max_score: float
    min_conc_mg_per_l: float
    source: str = field(default="given")

    @property
    def interval_days(self) -> int | None:
        s = self.schedule
        return s.interval_days if isinstance(s, RegularSchedule) else None

    @property
    def dose_mg(self) -> float | None:
        s = self.schedule
        if isinstance(s, RegularSchedule):
            return s.dose_mg
        amounts = {mg for _, mg in s.doses}
        return amounts.pop() if len(amounts) == 1 else None


def check_schedule(setup: ComparisonSetup, schedule: Schedule, field_name: str) -> None:
    """Refuse what the comparison cannot answer, naming the schedule's field."""
    if isinstance(schedule, DoseList):
        if setup.start == "steady_state":
            raise InputError(field_name, schedule.name,
                             'a regular schedule such as "300 mg q4w" when start is '
                             '"steady_state"; explicit dose lists need start = "first_dose"')
        late = [d for d, _ in schedule.doses if d >= setup.horizon_days]
        if late:
            raise InputError(field_name, late[0],
                             f"dose days in [0, {setup.horizon_days}) (the horizon)")


def evaluate_schedule(setup: ComparisonSetup, schedule: Schedule, label: str,
                      field_name: str = "schedule", source: str = "given") -> ScheduleResult:
    """Doses, costs and control of one schedule for the setup's patient."""
    check_schedule(setup, schedule, field_name)
    h = setup.horizon_days
    cost = schedule_cost([float(x) for x in schedule.doses_mg(h)], setup.prices, field_name)
    pk = setup.pk_model
    conc = schedule_concentration_mg_per_l(pk.ke_per_day, pk.ka_per_day, pk.volume_l, schedule,
                                           h, setup.start, setup.grid_days)
    above = int(days_above_threshold(conc, setup.threshold_conc_mg_per_l))
    low = float(conc.min())
    return ScheduleResult(label=label, schedule=schedule, cost=cost,
                          days_above_threshold=above, fraction_controlled=1.0 - above / h,
                          max_score=float(score(setup.problem.response, low)),
                          min_conc_mg_per_l=low, source=source)


def compare_schedules(setup: ComparisonSetup, schedules: Sequence[Schedule],
                      labels: Sequence[str] | None = None) -> list[ScheduleResult]:
    """Every schedule's figures, in order; the first is the reference of the deltas."""
    names = list(labels) if labels is not None else [s.text for s in schedules]
    return [evaluate_schedule(setup, s, name, f"schedules[{i}]")
            for i, (s, name) in enumerate(zip(schedules, names, strict=True))]


def score_path(setup: ComparisonSetup, schedule: Schedule,
               points_per_day: int = 4) -> tuple[FloatArray, FloatArray]:
    """``(t_days, score)`` on a fine grid over the horizon, for plots."""
    h = setup.horizon_days
    t = np.linspace(0.0, float(h), h * points_per_day + 1)
    pk = setup.pk_model
    conc = schedule_concentration_mg_per_l(pk.ke_per_day, pk.ka_per_day, pk.volume_l, schedule,
                                           h, setup.start, t)
    return t, score(setup.problem.response, conc)

