"""Request and response schemas: one definition for the HTTP API, the CLI, scenario files
and batches (pydantic only; no web framework here).

Field limits carry units in their names and descriptions. Checks that involve several fields
(threshold below baseline, grid size) live in :mod:`optimizer.core.problem` and raise
:class:`~optimizer.errors.InputError` with the same field paths.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from optimizer.core.problem import (
    IntervalOptions,
    Patient,
    PKParameters,
    RecommendationProblem,
    ResponseParameters,
)
from optimizer.core.results import Recommendation
from optimizer.errors import InputError
from optimizer.free_ige.params import NG_PER_ML_PER_IU
from optimizer.free_ige.target import DEFAULT_INTERVALS_DAYS, FreeIgEProblem, default_doses_mg
from optimizer.schemas.answer_blocks import (
    CandidatePublic,
    CatchUpPublic,
    CheckpointPublic,
    FitPublic,
    MissedDosePublic,
    ParameterFitPublic,
    PlanDosePublic,
    PlanPublic,
    SolverPublic,
    WarningPublic,
)
from optimizer.schemas.base import InputModel as _In
from optimizer.schemas.free_ige import FreeIgEPublic, FreeIgETargetIn, ScoreTargetIn, TargetIn
from optimizer.schemas.history import CalendarDate, DoseIn, HistoryIn, ObservationIn
from optimizer.schemas.posterior import SensitivityRowPublic

__all__ = [
    "CandidatePublic",
    "CatchUpPublic",
    "CheckpointPublic",
    "DoseIn",
    "FitPublic",
    "HistoryIn",
    "IntervalOptionsIn",
    "MissedDosePublic",
    "ObservationIn",
    "PKIn",
    "ParameterFitPublic",
    "PatientIn",
    "PatientModelIn",
    "PlanDosePublic",
    "PlanOptionsIn",
    "PlanPublic",
    "PriorsIn",
    "RecommendationPublic",
    "RecommendationRequest",
    "ResponseIn",
    "SolverPublic",
    "WarningPublic",
]

_DEFAULT_PK = PKParameters()
_DEFAULT_RESPONSE = ResponseParameters()
_DEFAULT_INTERVALS = IntervalOptions()


class PatientIn(_In):
    weight_kg: float = Field(ge=1, le=300, description="Body weight, kg (required).")
    patient_reference: str | None = Field(
        default=None, max_length=200,
        description="Optional free-text reference; stored with the audit record only, "
                    "never logged. Do not put names or identifiers here.")
    baseline_ige_iu_per_ml: float | None = Field(
        default=None, ge=0.1, le=10_000,
        description="Total serum IgE before omalizumab, IU/mL (needed by target.kind = "
                    "free_ige; 1 IU/mL = 2.42 ng/mL).")
    baseline_ige_ng_per_ml: float | None = Field(
        default=None, ge=0.242, le=24_200,
        description="The same in ng/mL; give one of the two.")
    age_years: float | None = Field(
        default=None, ge=0, le=120,
        description="Age, years (optional): checked against the label's youngest age.")

    @field_validator("baseline_ige_ng_per_ml")
    @classmethod
    def _ige_given_once(cls, ng: float | None, info: ValidationInfo) -> float | None:
        """Both units at once would let one be used silently (the label checks read IU/mL)."""
        if ng is not None and info.data.get("baseline_ige_iu_per_ml") is not None:
            raise PydanticCustomError(
                "ige_given_twice", "left out when patient.baseline_ige_iu_per_ml is given: "
                                   "give the baseline IgE once")
        return ng


class PKIn(_In):
    half_life_days: float = Field(
        default=_DEFAULT_PK.half_life_days, gt=0.5, le=365,
        description="Elimination half-life, days. Default 26 (label; reference case).")
    tmax_days: float = Field(
        default=_DEFAULT_PK.tmax_days, ge=0.01, le=500,
        description="Time of peak after a single dose, days; below half_life_days / ln 2. "
                    "Default 7.5 (label: 7-8 days).")
    apparent_volume_l_per_kg: float = Field(
        default=_DEFAULT_PK.apparent_volume_l_per_kg, ge=0.005, le=5,
        description="Apparent volume V/F, L/kg. Default 0.078 (label: 78 mL/kg).")


class ResponseIn(_In):
    baseline_score: float = Field(
        default=_DEFAULT_RESPONSE.baseline_score, ge=0.1, le=10,
        description="Untreated symptom score, 0-10. Default 8.5 (reference case, 7-10).")
    ec50_mg_per_l: float = Field(
        default=_DEFAULT_RESPONSE.ec50_mg_per_l, ge=0.001, le=1e5,
        description="Concentration of half-maximal effect, mg/L. Default 63.7 "
                    "(calibrated to the reference case).")
    hill: float = Field(default=_DEFAULT_RESPONSE.hill, ge=0.1, le=50,
                        description="Hill coefficient (steepness). Default 4 (modelling choice).")


class IntervalOptionsIn(_In):
    min: int = Field(default=_DEFAULT_INTERVALS.min_days, ge=1, le=365,
                     description="Shortest allowed interval, days.")
    max: int = Field(default=_DEFAULT_INTERVALS.max_days, ge=1, le=365,
                     description="Longest allowed interval, days.")
    step: int = Field(default=_DEFAULT_INTERVALS.step_days, ge=1, le=365,
                      description="Step between allowed intervals, days (7 = whole weeks).")


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class PlanOptionsIn(_In):
    """Transition plan from today (sources of the defaults in optimizer/individual/plan.py)."""

    horizon_weeks: int = Field(default=26, ge=4, le=104, description="Plan horizon, weeks.")
    clinic_weekdays: list[Weekday] | None = Field(
        default=None, min_length=1, max_length=7,
        description="Days the clinic gives injections; default: weekday of the last dose.")
    max_step_days: int = Field(default=7, ge=1, le=56,
                               description="Largest lengthening of the interval per injection.")
    min_gap_days: int = Field(default=14, ge=1, le=84,
                              description="Shortest time between two injections, days.")
    time_limit_s: float = Field(default=10.0, gt=0, le=120,
                                description="Solver time limit for the plan, seconds.")


class PriorsIn(_In):
    """Population priors of the individual fit (log-normal; sources in
    optimizer/individual/fit.py)."""

    ec50_median_mg_per_l: float | None = Field(
        default=None, gt=0, le=1e5, description="Default: response.ec50_mg_per_l.")
    ec50_log_sd: float = Field(default=0.5, gt=0.01, le=3)
    baseline_median_score: float | None = Field(
        default=None, gt=0, le=10, description="Default: response.baseline_score.")
    baseline_log_sd: float = Field(default=0.12, gt=0.01, le=3)
    clearance_factor_log_sd: float = Field(
        default=0.215, gt=0.01, le=3,
        description="Spread of the clearance factor (log scale). Default 0.215: CL/V between "
                    "patients in Lowe et al. 2009, Table 3 (was 0.44 from the label's SD).")
    fit_baseline: bool = True
    fit_clearance: bool = True
    hill_log_sd: float = Field(default=0.7, gt=0.01, le=3,
                               description="Spread of the Hill prior; median: response.hill.")
    fit_hill: bool = True
    score_sd: float = Field(default=1.0, ge=0.1, le=5,
                            description="Measurement noise of a score, points.")
    symptom_cutoff_score: float = Field(
        default=2.0, gt=0, lt=10, description="A yes/no 'symptomatic' means a score above this.")


class PatientModelIn(_In):
    """Who is treated, the model of them, and the score to stay under: shared by every
    question (recommendations, comparisons)."""

    patient: PatientIn
    pk: PKIn = Field(default_factory=PKIn)
    response: ResponseIn = Field(default_factory=ResponseIn)
    threshold_score: float = Field(
        default=2.0, ge=0.01, le=10,
        description="Highest acceptable symptom score (0-10) at any moment; must be below "
                    "response.baseline_score. Default 2 (modelling choice).")
    label: Literal["eu", "us"] = Field(
        default="eu", description='Label the answer is checked against: "eu" (EU SmPC) or '
                                  '"us" (US PI, editions before 2024); docs/label.md.')
    indication: Literal["asthma", "nasal_polyps", "csu", "mastocytosis", "other"] | None = Field(
        default=None, description="What omalizumab treats here (optional); mastocytosis and "
                                  "other are off-label and say so in the warnings.")


class RecommendationRequest(PatientModelIn):
    """The clinician's question: the longest interval that keeps the score down."""

    target: TargetIn = Field(
        default_factory=ScoreTargetIn,
        description='What must stay controlled: {"kind": "score"} (default: the symptom '
                    'score stays at or below threshold_score) or {"kind": "free_ige", '
                    '"max_ng_per_ml": 25} (free IgE by the binding model; docs/binding.md).')
    dose_options_mg: list[Annotated[float, Field(ge=1, le=2400)]] | None = Field(
        default=None, min_length=1, max_length=64,
        description="Allowed doses per injection, mg. Default [300] (reference case) for the "
                    "score target; multiples of 75 up to target.max_dose_mg for free IgE.")
    interval_options_days: IntervalOptionsIn | None = Field(
        default=None, description="Allowed intervals, days. Default 14-84 by 1 day for the "
                                  "score target; 14 and 28 for free IgE.")
    history: HistoryIn | None = Field(
        default=None, description="The patient's doses and symptom observations: the answer "
                                  "is then fitted to this patient (docs/individual.md).")
    evaluation_date: CalendarDate | None = Field(
        default=None, description="Today for the plan and missed-dose advice (ISO date or "
                                  "date-time, reduced to its calendar date); "
                                  "default: the latest date in the history.")
    min_probability: float | None = Field(
        default=None, ge=0.5, le=0.999,
        description="Recommend the longest interval controlled with at least this probability. "
                    "Default null: no probability target; the answer is the longest interval "
                    "controlled at the point estimate (typical patient, or the fitted one), "
                    "and its probability_controlled is reported.")
    samples: int = Field(default=200, ge=20, le=2000,
                         description="Parameter samples behind the probability of control.")
    plan: PlanOptionsIn | None = Field(
        default=None, description="Ask for a dated transition plan from today.")
    priors: PriorsIn | None = Field(default=None, description="Override the fit's priors.")
    allow_above_label_max: bool = Field(
        default=False, description="Allow dose options above the label maximum (600 mg every "
                                   "2 weeks in the EU); otherwise refused (422).")
    allow_any_dose: bool = Field(
        default=False, description="Allow dose options no syringe combination makes; "
                                   "otherwise refused (422).")

    @property
    def is_individual(self) -> bool:
        return (self.history is not None or self.min_probability is not None
                or self.plan is not None)

    @property
    def is_free_ige(self) -> bool:
        return isinstance(self.target, FreeIgETargetIn)

    def to_problem(self, *, max_candidates: int | None = None) -> RecommendationProblem:
        """The score question (every cross-field rule checked; for a free-IgE target its own
        question is checked too, see :meth:`to_free_ige_problem`)."""
        extra: dict[str, Any] = {}
        if max_candidates is not None:
            extra["max_candidates"] = max_candidates
        if self.is_free_ige:
            self.to_free_ige_problem(max_candidates=max_candidates)
        doses, iv = self._options()
        return RecommendationProblem(
            patient=Patient(weight_kg=self.patient.weight_kg),
            pk=PKParameters(**self.pk.model_dump()),
            response=ResponseParameters(**self.response.model_dump()),
            threshold_score=self.threshold_score,
            dose_options_mg=tuple(doses),
            interval_options=IntervalOptions(min_days=iv.min, max_days=iv.max,
                                             step_days=iv.step),
            **extra,
        )

    def _options(self) -> tuple[list[float], IntervalOptionsIn]:
        """Dose and interval options as given, else the target's defaults (one place)."""
        target = self.target
        if isinstance(target, FreeIgETargetIn):
            lo, hi = DEFAULT_INTERVALS_DAYS[0], DEFAULT_INTERVALS_DAYS[-1]
            doses = list(default_doses_mg(target.max_dose_mg))
            iv = IntervalOptionsIn(min=lo, max=hi, step=hi - lo)
        else:
            doses, iv = [300.0], IntervalOptionsIn()
        return (self.dose_options_mg if self.dose_options_mg is not None else doses,
                self.interval_options_days or iv)

    def with_defaults(self) -> RecommendationRequest:
        """A copy with the target's dose and interval options written out."""
        if self.dose_options_mg is not None and self.interval_options_days is not None:
            return self
        doses, iv = self._options()
        return self.model_copy(update={"dose_options_mg": doses, "interval_options_days": iv})

    def baseline_ige_iu_per_ml(self) -> float:
        """The patient's baseline IgE in IU/mL, whichever unit it was given in."""
        iu, ng = self.patient.baseline_ige_iu_per_ml, self.patient.baseline_ige_ng_per_ml
        if iu is not None and ng is not None:
            raise InputError("patient.baseline_ige_ng_per_ml", ng,
                             "left out when patient.baseline_ige_iu_per_ml is given: give the "
                             "baseline IgE once")
        if iu is None and ng is None:
            raise InputError("patient.baseline_ige_iu_per_ml", None,
                             "a baseline total IgE in IU/mL (or baseline_ige_ng_per_ml in "
                             "ng/mL): target.kind = free_ige needs it")
        return iu if iu is not None else float(ng or 0.0) / NG_PER_ML_PER_IU

    def to_free_ige_problem(self, *, max_candidates: int | None = None) -> FreeIgEProblem:
        """The free-IgE question of a ``target.kind = "free_ige"`` request, checked."""
        target = self.target
        if not isinstance(target, FreeIgETargetIn):
            raise InputError("target.kind", target.kind, '"free_ige" for this question')
        for name in ("history", "min_probability", "plan"):
            if getattr(self, name) is not None:
                raise InputError(name, "(given)", 'left out when target.kind = "free_ige": the '
                                 "individual fit uses the symptom-score model")
        doses, iv = self._options()
        extra: dict[str, Any] = {}
        if max_candidates is not None:
            extra["max_candidates"] = max_candidates
        return FreeIgEProblem(
            weight_kg=self.patient.weight_kg,
            baseline_ige_iu_per_ml=self.baseline_ige_iu_per_ml(),
            target_ng_per_ml=target.max_ng_per_ml, doses_mg=tuple(doses),
            intervals_days=IntervalOptions(min_days=iv.min, max_days=iv.max,
                                           step_days=iv.step).days,
            parameter_set=target.parameter_set, ige_production=target.ige_production,
            allow_extrapolation=target.allow_extrapolation, **extra)


class RecommendationPublic(BaseModel):
    """The answer, with its reasons, the model used and the solver's word."""

    id: str | None = Field(default=None, description="Audit record id, when stored.")
    status: Literal["optimal", "infeasible"]
    interval_days: int | None = Field(
        description="Recommended interval, days (null if infeasible).")
    dose_mg: float | None = Field(description="Recommended dose per injection, mg.")
    target_kind: Literal["score", "free_ige"] = "score"
    max_score: float | None = Field(
        description="Worst-case steady-state score over the cycle (null for a free-IgE "
                    "target).")
    margin_score: float | None = Field(
        description="threshold_score - max_score (negative: over).")
    worst_day_in_cycle: float | None = Field(
        description="Day of the cycle where the score is highest: just before the next dose.")
    threshold_score: float | None
    threshold_conc_mg_per_l: float | None = Field(
        description="Lowest concentration keeping the score at or below the threshold.")
    trough_conc_mg_per_l: float | None
    peak_conc_mg_per_l: float | None
    next_longer: CandidatePublic | None = Field(
        description="The next longer allowed interval at the largest allowed dose, with its "
                    "worst-case score: why not longer. Null when none is longer.")
    late_dose_tolerance_days: float | None = Field(
        description="Days the next dose may be late before the score crosses the threshold.")
    closest_option: CandidatePublic | None = Field(
        description="When infeasible: the option with the lowest worst-case score.")
    candidates: int
    feasible_candidates: int
    explanation: list[str]
    assumptions: list[str]
    model: dict[str, float]
    solver: SolverPublic
    timings_ms: dict[str, float]
    fit: FitPublic | None = None
    probability_controlled: float | None = Field(
        default=None, description="Probability that the answer (or, when infeasible, its "
                                  "closest_option) keeps the score down: across the posterior "
                                  "for an individual answer, across patients for a population "
                                  "one. Rounded down to a whole percent.")
    next_longer_probability: float | None = Field(
        default=None, description="The same for next_longer (its best allowed dose).")
    sensitivity: list[SensitivityRowPublic] = Field(
        default_factory=list,
        description="Individual answers: the probabilities under other measurement and prior "
                    "choices (same posterior draws, reweighted).")
    plan: PlanPublic | None = None
    missed_dose: MissedDosePublic | None = None
    free_ige: FreeIgEPublic | None = None
    warnings: list[WarningPublic] = Field(
        default_factory=list,
        description="Where the answer leaves the label or its data, or stands on a thin margin.")

    @classmethod
    def from_domain(cls, request: RecommendationRequest, rec: Recommendation,
                    model: dict[str, float], explanation: list[str]) -> RecommendationPublic:
        def cand(c: Any) -> CandidatePublic | None:
            return None if c is None else CandidatePublic(
                interval_days=c.interval_days, dose_mg=c.dose_mg, max_score=c.max_score)

        return cls(
            status=rec.status.value, interval_days=rec.interval_days, dose_mg=rec.dose_mg,
            max_score=rec.max_score, margin_score=rec.margin_score,
            worst_day_in_cycle=rec.worst_day_in_cycle, threshold_score=rec.threshold_score,
            threshold_conc_mg_per_l=rec.threshold_conc_mg_per_l,
            trough_conc_mg_per_l=rec.trough_conc_mg_per_l,
            peak_conc_mg_per_l=rec.peak_conc_mg_per_l, next_longer=cand(rec.next_longer),
            late_dose_tolerance_days=rec.late_dose_tolerance_days,
            closest_option=cand(rec.closest_option), candidates=rec.candidates,
            feasible_candidates=rec.feasible_candidates, explanation=explanation,
            assumptions=list(rec.assumptions), model=model,
            solver=SolverPublic(name=rec.solve.solver_name, version=rec.solve.solver_version,
                                status=rec.solve.raw_status, time_ms=rec.solve.solve_ms),
            timings_ms={"exposure": rec.timings.exposure_ms, "build": rec.timings.build_ms,
                        "solve": rec.timings.solve_ms, "total": rec.timings.total_ms},
        )
