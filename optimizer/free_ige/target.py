"""Free-IgE target mode: the longest interval, then the smallest dose, that keeps free IgE at
or below a target over the whole steady-state cycle, by the binding model.

The flow is the core recommendation's: every (interval, dose) candidate is simulated to its
periodic steady state (:func:`optimizer.free_ige.binding.steady_state_cycle`, numpy), the margins
``target / max free IgE - 1`` go to the same interval choice solved by HiGHS
(:func:`optimizer.solve.choice.choose_candidate`), and the choice is re-checked in numpy.

Defaults and their sources:

* target 25 ng/mL: the free-IgE level the approved asthma dosing table was built to reach
  (Xolair label, clinical pharmacology); 14 ng/mL (Lowe et al. 2009, the mid-interval level that
  correlated with symptom control) and 50 ng/mL are the other published choices.
* doses: multiples of 75 mg (the 75 and 150 mg syringes) up to 600 mg (the asthma label's
  largest dose); intervals 2 and 4 weeks (the label's two schedules).
* refused without ``allow_extrapolation``: weight outside 20-150 kg and baseline IgE outside
  30-1500 IU/mL, the span of the approved asthma dosing tables (US and EU labels). Inside it
  but outside the data of the chosen parameter set, the answer carries a warning.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from optimizer.core.results import SolveOutcome, Status, Timings
from optimizer.core.warnings import AnswerWarning
from optimizer.errors import InputError, SolverError
from optimizer.free_ige.binding import steady_state_cycle
from optimizer.free_ige.params import (
    NG_PER_ML_PER_IU,
    PARAMETER_SETS,
    BindingParameterSet,
    IgEProduction,
    individual_parameters,
)
from optimizer.solve.choice import IntervalModelData, choose_candidate

__all__ = [
    "DEFAULT_INTERVALS_DAYS",
    "DEFAULT_MAX_DOSE_MG",
    "DEFAULT_TARGET_NG_PER_ML",
    "FREE_IGE_ASSUMPTIONS",
    "FreeIgECandidate",
    "FreeIgEProblem",
    "FreeIgERecommendation",
    "FreeIgETable",
    "decide",
    "default_doses_mg",
    "evaluate_free_ige",
    "evaluate_free_ige_many",
    "recommend_free_ige",
]

DEFAULT_TARGET_NG_PER_ML = 25.0
DEFAULT_MAX_DOSE_MG = 600.0
DOSE_STEP_MG = 75.0
DEFAULT_INTERVALS_DAYS: tuple[int, ...] = (14, 28)
LABEL_WEIGHT_KG = (20.0, 150.0)
LABEL_IGE_IU_PER_ML = (30.0, 1500.0)
#: Integration resolution of a steady-state cycle, steps per day. Against 16x finer steps the
#: worst free IgE is within 4e-7 (relative) wherever it lies in 5-100 ng/mL, where targets
#: live; far above any target (free IgE in the hundreds) up to 1e-4.
_STEPS_PER_DAY = 4

FREE_IGE_ASSUMPTIONS: tuple[str, ...] = (
    "Steady state on a regular schedule: the same dose at the same interval for several "
    "months.",
    "Omalizumab-IgE binding model (free drug, free IgE and complex at instantaneous "
    "equilibrium; first-order subcutaneous absorption; IgE production and the three "
    "clearances) with population parameters adjusted for weight and baseline IgE only.",
    "Symptom control is assumed to follow free IgE: keeping it at or below the target at "
    "every moment of the cycle. The target is a population figure, not this patient's.",
    "This result supports, and does not replace, the clinician's judgement.",
)


def default_doses_mg(max_dose_mg: float = DEFAULT_MAX_DOSE_MG) -> tuple[float, ...]:
    n = int(math.floor(max_dose_mg / DOSE_STEP_MG + 1e-9))
    return tuple(DOSE_STEP_MG * k for k in range(1, n + 1))


@dataclass(frozen=True)
class FreeIgEProblem:
    """The question in free-IgE terms; checked on creation (field paths as in the API)."""

    weight_kg: float
    baseline_ige_iu_per_ml: float
    target_ng_per_ml: float = DEFAULT_TARGET_NG_PER_ML
    doses_mg: tuple[float, ...] = field(default_factory=default_doses_mg)
    intervals_days: tuple[int, ...] = DEFAULT_INTERVALS_DAYS
    parameter_set: str = "hayashi2007"
    ige_production: IgEProduction = "baseline"
    allow_extrapolation: bool = False
    max_candidates: int = 10_000

    def __post_init__(self) -> None:
        w, ige = self.weight_kg, self.baseline_ige_iu_per_ml
        if not (math.isfinite(w) and 1.0 <= w <= 300.0):
            raise InputError("patient.weight_kg", w, "a number in [1, 300] kg")
        if not (math.isfinite(ige) and 0.1 <= ige <= 10_000.0):
            raise InputError("patient.baseline_ige_iu_per_ml", ige,
                             "a number in [0.1, 10000] IU/mL")
        if not self.allow_extrapolation:
            lo, hi = LABEL_WEIGHT_KG
            if not lo <= w <= hi:
                raise InputError("patient.weight_kg", w, f"[{lo:g}, {hi:g}] kg, the weights of "
                                 "the approved dosing tables; set target.allow_extrapolation "
                                 "= true to answer outside them")
            lo, hi = LABEL_IGE_IU_PER_ML
            if not lo <= ige <= hi:
                raise InputError("patient.baseline_ige_iu_per_ml", ige,
                                 f"[{lo:g}, {hi:g}] IU/mL, the baseline IgE range of the "
                                 "approved dosing tables; set target.allow_extrapolation = true "
                                 "to answer outside it")
        t = self.target_ng_per_ml
        if not (math.isfinite(t) and 0.1 <= t <= 1000.0):
            raise InputError("target.max_ng_per_ml", t, "a number in [0.1, 1000] ng/mL")
        if self.parameter_set not in PARAMETER_SETS:
            raise InputError("target.parameter_set", self.parameter_set,
                             f"one of {sorted(PARAMETER_SETS)}")
        if not self.doses_mg or any(not (math.isfinite(d) and 1.0 <= d <= 2400.0)
                                    for d in self.doses_mg):
            raise InputError("dose_options_mg", list(self.doses_mg),
                             "one or more doses in [1, 2400] mg")
        if not self.intervals_days or any(
                isinstance(d, bool) or not isinstance(d, (int, float))
                or not float(d).is_integer() or not 1 <= d <= 365 for d in self.intervals_days):
            raise InputError("interval_options_days", list(self.intervals_days),
                             "one or more whole numbers of days in [1, 365]")
        n = len(set(self.doses_mg)) * len(set(self.intervals_days))
        if n > self.max_candidates:
            raise InputError("interval_options_days", list(self.intervals_days)[:5],
                             f"at most {self.max_candidates} (interval, dose) candidates; "
                             f"this question has {n}")

    @property
    def parameters(self) -> BindingParameterSet:
        return PARAMETER_SETS[self.parameter_set]

    @property
    def baseline_ige_ng_per_ml(self) -> float:
        return self.baseline_ige_iu_per_ml * NG_PER_ML_PER_IU

    def extrapolates(self) -> bool:
        """Weight or baseline IgE outside the data behind the chosen parameter set."""
        p = self.parameters
        return not (p.studied_weight_kg[0] <= self.weight_kg <= p.studied_weight_kg[1]
                    and p.studied_ige_iu_per_ml[0] <= self.baseline_ige_iu_per_ml
                    <= p.studied_ige_iu_per_ml[1])

    def warnings(self) -> list[AnswerWarning]:
        """Where the answer leans on extrapolation, in words a clinician can act on."""
        p, out = self.parameters, list[AnswerWarning]()
        lo, hi = p.studied_weight_kg
        if not lo <= self.weight_kg <= hi:
            out.append(AnswerWarning(
                "outside_studied_weight",
                f"Weight {self.weight_kg:g} kg lies outside the {lo:g}-{hi:g} kg of the "
                f"patients behind the {p.name} parameters: the prediction extrapolates.",
                "patient.weight_kg"))
        lo, hi = p.studied_ige_iu_per_ml
        if not lo <= self.baseline_ige_iu_per_ml <= hi:
            out.append(AnswerWarning(
                "outside_studied_ige",
                f"Baseline IgE {self.baseline_ige_iu_per_ml:g} IU/mL lies outside the "
                f"{lo:.0f}-{hi:.0f} IU/mL behind the {p.name} parameters: the prediction "
                "extrapolates.", "patient.baseline_ige_iu_per_ml"))
        wl, il = LABEL_WEIGHT_KG, LABEL_IGE_IU_PER_ML
        if not (wl[0] <= self.weight_kg <= wl[1] and il[0] <= self.baseline_ige_iu_per_ml
                <= il[1]):
            out.append(AnswerWarning("outside_label_table",
                                     "Outside the approved dosing tables (answered because "
                                     "allow_extrapolation is set).", "patient"))
        if self.target_ng_per_ml >= 0.5 * self.baseline_ige_ng_per_ml:
            out.append(AnswerWarning(
                "weak_free_ige_target",
                f"The target ({self.target_ng_per_ml:g} ng/mL) is at least half the "
                f"untreated free IgE ({self.baseline_ige_ng_per_ml:.0f} ng/mL): reaching "
                "it takes little suppression and says little about symptom control. "
                "The symptom-score target may serve this patient better.",
                "target.max_ng_per_ml"))
        if self.parameter_set == "lowe2009":
            out.append(AnswerWarning("unverified_parameters",
                                     "The lowe2009 parameters were transcribed from a secondary "
                                     "source and not checked against the paper.",
                                     "target.parameter_set"))
        return out


@dataclass(frozen=True)
class FreeIgECandidate:
    interval_days: int
    dose_mg: float
    max_free_ige_ng_per_ml: float


@dataclass(frozen=True)
class FreeIgETable:
    """Every candidate's worst free IgE; ``max_free[i, j]`` for interval i, dose j (ascending)."""

    intervals_days: NDArray[np.int64]
    doses_mg: NDArray[np.float64]
    max_free: NDArray[np.float64]
    trough_total_drug: NDArray[np.float64]
    day_of_max: NDArray[np.float64]
    target_ng_per_ml: float

    def model_data(self) -> IntervalModelData:
        return IntervalModelData.from_grid(self.target_ng_per_ml / self.max_free - 1.0)

    def option(self, i: int, j: int) -> FreeIgECandidate:
        return FreeIgECandidate(int(self.intervals_days[i]), float(self.doses_mg[j]),
                                float(self.max_free[i, j]))


def evaluate_free_ige(problem: FreeIgEProblem) -> FreeIgETable:
    """Steady-state worst free IgE of every candidate, all simulated together."""
    return evaluate_free_ige_many([problem])[0]


def evaluate_free_ige_many(problems: Sequence[FreeIgEProblem],
                           chunk: int = 6_000) -> list[FreeIgETable]:
    """:func:`evaluate_free_ige` for many patients asked the same question (same options,
    parameter set and production): every patient x candidate simulated in vectorised passes
    of at most ``chunk`` steady states (bounds memory, ~40 MB a pass)."""
    first = problems[0]
    same = ("doses_mg", "intervals_days", "parameter_set", "ige_production")
    if any(getattr(p, a) != getattr(first, a) for p in problems for a in same):
        raise ValueError("problems evaluated together must share options and parameters")
    iv = np.array(sorted(set(first.intervals_days)), dtype=np.int64)
    doses = np.array(sorted(set(first.doses_mg)), dtype=np.float64)
    tau, dose = (a.reshape(-1) for a in np.meshgrid(iv.astype(np.float64), doses,
                                                     indexing="ij"))
    n, n_cand = len(problems), tau.size
    pop = individual_parameters([p.weight_kg for p in problems],
                                [p.baseline_ige_ng_per_ml for p in problems],
                                first.parameters, first.ige_production)
    subject = np.repeat(np.arange(n), n_cand)
    taus, ds = np.tile(tau, n), np.tile(dose, n)
    max_free, trough, day = (np.empty(subject.size) for _ in range(3))
    for start in range(0, subject.size, chunk):
        sl = slice(start, start + chunk)
        ss = steady_state_cycle(pop.take(subject[sl]), ds[sl], taus[sl],
                                steps_per_cycle=_STEPS_PER_DAY * int(iv.max()))
        max_free[sl] = ss.max_free_ige_ng_per_ml
        trough[sl] = ss.profile.total_drug_mg_per_l[-1]
        day[sl] = ss.day_of_max
    shape = (n, iv.size, doses.size)
    free3, trough3, day3 = (a.reshape(shape) for a in (max_free, trough, day))
    return [FreeIgETable(intervals_days=iv, doses_mg=doses, max_free=free3[k],
                         trough_total_drug=trough3[k], day_of_max=day3[k],
                         target_ng_per_ml=p.target_ng_per_ml)
            for k, p in enumerate(problems)]


@dataclass(frozen=True)
class FreeIgERecommendation:
    status: Status
    interval_days: int | None
    dose_mg: float | None
    max_free_ige_ng_per_ml: float
    target_ng_per_ml: float
    trough_total_drug_mg_per_l: float | None
    worst_day_in_cycle: float | None
    next_longer: FreeIgECandidate | None
    closest_option: FreeIgECandidate | None
    candidates: int
    feasible_candidates: int
    solve: SolveOutcome
    timings: Timings
    warnings: tuple[AnswerWarning, ...]
    assumptions: tuple[str, ...] = FREE_IGE_ASSUMPTIONS

    @property
    def margin_ng_per_ml(self) -> float:
        return self.target_ng_per_ml - self.max_free_ige_ng_per_ml


def recommend_free_ige(problem: FreeIgEProblem, *,
                       time_limit_s: float = 10.0) -> FreeIgERecommendation:
    """Longest interval, then smallest dose, keeping free IgE at or below the target."""
    t0 = time.perf_counter()
    table = evaluate_free_ige(problem)
    return decide(problem, table, (time.perf_counter() - t0) * 1e3, time_limit_s)


def decide(problem: FreeIgEProblem, table: FreeIgETable, exposure_ms: float,
           time_limit_s: float = 10.0) -> FreeIgERecommendation:
    """The solver's choice among evaluated candidates, re-checked and explained."""
    t1 = time.perf_counter()
    outcome = choose_candidate(table.model_data(), time_limit_s)
    solve_ms = (time.perf_counter() - t1) * 1e3
    timings = Timings(exposure_ms=exposure_ms, build_ms=0.0, solve_ms=solve_ms,
                      total_ms=exposure_ms + solve_ms)
    ok = table.max_free <= table.target_ng_per_ml
    n_i, n_j = table.max_free.shape
    common = dict(target_ng_per_ml=table.target_ng_per_ml, candidates=n_i * n_j,
                  feasible_candidates=int(ok.sum()), solve=outcome, timings=timings,
                  warnings=tuple(problem.warnings()))
    if outcome.status is Status.INFEASIBLE or outcome.chosen is None:
        if ok.any():
            raise SolverError("solver reports infeasible but a controlled option exists",
                              outcome.raw_status)
        best = np.unravel_index(int(np.argmin(table.max_free)), table.max_free.shape)
        closest = table.option(int(best[0]), int(best[1]))
        return FreeIgERecommendation(
            status=Status.INFEASIBLE, interval_days=None, dose_mg=None,
            max_free_ige_ng_per_ml=closest.max_free_ige_ng_per_ml,
            trough_total_drug_mg_per_l=None, worst_day_in_cycle=None, next_longer=None,
            closest_option=closest,
            **common)
    i, j = divmod(outcome.chosen, n_j)
    if not ok[i, j]:
        raise SolverError("solver chose an option that fails the numpy free-IgE check",
                          outcome.raw_status)
    chosen = table.option(i, j)
    return FreeIgERecommendation(
        status=Status.OPTIMAL, interval_days=chosen.interval_days, dose_mg=chosen.dose_mg,
        max_free_ige_ng_per_ml=chosen.max_free_ige_ng_per_ml,
        trough_total_drug_mg_per_l=float(table.trough_total_drug[i, j]),
        # day 0 of a periodic cycle is its end: the moment just before the next dose
        worst_day_in_cycle=float(table.day_of_max[i, j]) or float(chosen.interval_days),
        next_longer=table.option(i + 1, n_j - 1) if i + 1 < n_i else None,
        closest_option=None, **common)
