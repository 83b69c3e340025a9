"""Request and response schemas of a schedule comparison (``POST /v1/comparisons``, scenario
files of ``kind = "comparison"``, ``doseopt compare``). pydantic only.

The patient, PK and response blocks are those of a recommendation
(:mod:`optimizer.schemas.recommendation`). Field names here are a contract scripts rely on;
sources of the
defaults are in :mod:`optimizer.comparison.costs`, :mod:`optimizer.comparison.schedules` and
:mod:`optimizer.comparison.population`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from optimizer.comparison.costs import DEFAULT_PRICES, MAX_PRICE, PriceList
from optimizer.comparison.population import MAX_PATIENTS, PopulationSpec
from optimizer.comparison.schedules import (
    DEFAULT_HORIZON_DAYS,
    MAX_HORIZON_DAYS,
    ComparisonSetup,
)
from optimizer.core.problem import Patient, PKParameters, RecommendationProblem, ResponseParameters
from optimizer.core.regimen import MAX_DOSES, Schedule
from optimizer.schemas.base import InputModel
from optimizer.schemas.recommendation import IntervalOptionsIn, PatientModelIn, WarningPublic

__all__ = [
    "ComparisonPublic",
    "ComparisonRequest",
    "ComparisonRowPublic",
    "ComparisonRun",
    "DoseAtDayIn",
    "DoseListIn",
    "OptimalOptionsIn",
    "OptimalPublic",
    "PopulationIn",
    "PricesIn",
]

_DEFAULT_POPULATION = PopulationSpec()
SyringeSize = Literal["75", "150", "300"]
#: Most schedules in one comparison.
MAX_SCHEDULES = 12


def _default_syringe_price() -> dict[SyringeSize, float]:
    prices = DEFAULT_PRICES.syringe_price
    return {"75": prices[75], "150": prices[150]}


class PricesIn(InputModel):
    """Price list. Default: UK NHS list prices in GBP (BNF via NICE TA339), no visit cost."""

    currency: str = Field(default=DEFAULT_PRICES.currency, pattern=r"^[A-Z]{3}$",
                          description="Three-letter currency code of every amount. Default GBP.")
    syringe_price: dict[SyringeSize, Annotated[float, Field(ge=0, le=MAX_PRICE)]] = Field(
        default_factory=lambda: _default_syringe_price(),
        min_length=1,
        description='Price per prefilled syringe by size in mg ("75", "150", "300"); only '
                    'priced sizes are used. Default {"75": 128.07, "150": 256.15} (UK list '
                    "prices, BNF via NICE TA339).")
    visit_cost: float = Field(
        default=DEFAULT_PRICES.visit_cost, ge=0, le=MAX_PRICE,
        description="Cost of one administration visit (one per injection). Default 0: no "
                    "sourced figure; set your own.")

    def to_domain(self) -> PriceList:
        return PriceList(syringe_price={int(k): v for k, v in self.syringe_price.items()},
                         visit_cost=self.visit_cost, currency=self.currency)


class PopulationIn(InputModel):
    """Virtual patients around the request's patient (log-normal; sources in
    optimizer/comparison/population.py)."""

    n: int = Field(default=_DEFAULT_POPULATION.n, ge=1, le=MAX_PATIENTS,
                   description=f"Number of virtual patients, 1-{MAX_PATIENTS}. Default 1000.")
    seed: int = Field(default=_DEFAULT_POPULATION.seed, ge=0, le=2**32 - 1,
                      description="Random seed: the same seed gives the same patients.")
    weight_cv: float = Field(default=_DEFAULT_POPULATION.weight_cv, ge=0, le=2,
                             description="CV of body weight. Default 0.20 (modelling choice).")
    variability: Literal["lowe2009", "hayashi2007"] = Field(
        default="lowe2009",
        description="Published population-PK model giving the between-patient variability of "
                    "clearance and volume, their correlation and weight exponents: lowe2009 "
                    "(Lowe et al. 2009, Table 3; default) or hayashi2007 (Hayashi et al. 2007, "
                    "Table 3). Share controlled is also reported over both (docs/comparisons.md).")
    clearance_cv: float | None = Field(
        default=None, ge=0, le=2, description="CV of clearance; default from variability "
                                              "(lowe2009: 0.419).")
    volume_cv: float | None = Field(
        default=None, ge=0, le=2, description="CV of V/F; default from variability "
                                              "(lowe2009: 0.307).")
    ec50_cv: float = Field(default=_DEFAULT_POPULATION.ec50_cv, ge=0, le=2,
                           description="CV of EC50. Default 0.53 (modelling choice, log-sd "
                                       "0.5 as the individual fit's prior).")
    clearance_volume_correlation: float | None = Field(
        default=None, ge=-1, le=1, description="Correlation of clearance and volume between "
                                               "patients; default from variability (0.853).")

    def to_domain(self, variability: str | None = None) -> PopulationSpec:
        """The spec of ``variability`` (default: the request's), with the fields given."""
        given = {k: v for k, v in self.model_dump(exclude={"variability"}).items()
                 if v is not None}
        custom = {"clearance_cv", "volume_cv", "clearance_volume_correlation"} & set(given)
        if custom and variability is None:
            given["variability"] = "custom"
        elif variability is not None:
            given = {k: v for k, v in given.items() if k not in custom}
        return PopulationSpec.from_source(variability or self.variability, **given)


class DoseAtDayIn(InputModel):
    day: int = Field(ge=0, lt=MAX_HORIZON_DAYS, description="Day of the dose, from day 0.")
    dose_mg: float = Field(ge=1, le=2400, description="Dose, mg.")


class DoseListIn(InputModel):
    """An explicit schedule: doses on given days (needs start = "first_dose")."""

    name: str = Field(min_length=1, max_length=60, description="Label of the schedule's row.")
    doses: list[DoseAtDayIn] = Field(min_length=1, max_length=MAX_DOSES)


class OptimalOptionsIn(InputModel):
    """Options for the optimizer's row (``include_optimal``)."""

    dose_options_mg: list[Annotated[float, Field(ge=1, le=2400)]] | None = Field(
        default=None, min_length=1, max_length=64,
        description="Allowed doses, mg. Default: the doses of the regular schedules given.")
    interval_options_days: IntervalOptionsIn = Field(default_factory=IntervalOptionsIn)


class ComparisonRequest(PatientModelIn):
    """Schedules to compare for one patient (and optionally a virtual population)."""

    schedules: list[str | DoseListIn] = Field(
        min_length=1, max_length=MAX_SCHEDULES,
        description='Schedules as text ("300 mg q4w", "300 mg q35d") or explicit dose lists. '
                    "The first is the reference of the deltas.")
    horizon_days: int = Field(default=DEFAULT_HORIZON_DAYS, ge=1, le=MAX_HORIZON_DAYS,
                              description="Horizon, days: doses on days 0, tau, ... below it. "
                                          f"Default {DEFAULT_HORIZON_DAYS} (52 weeks).")
    start: Literal["steady_state", "first_dose"] = Field(
        default="steady_state",
        description="steady_state: the schedule has been kept for months before day 0; "
                    "first_dose: day 0 is the first dose ever.")
    start_date: dt.date | None = Field(
        default=None, description="Calendar date of day 0 (optional): rows then give the "
                                  "date of the last dose in the horizon.")
    prices: PricesIn = Field(default_factory=PricesIn)
    include_optimal: bool = Field(
        default=False, description="Add the optimizer's longest controlled interval as a row.")
    optimal: OptimalOptionsIn = Field(default_factory=OptimalOptionsIn)
    population: PopulationIn | None = Field(
        default=None, description="Also compare over virtual patients.")

    def to_problem(self) -> RecommendationProblem:
        """Patient, model and threshold, checked (threshold below baseline)."""
        return RecommendationProblem(
            patient=Patient(weight_kg=self.patient.weight_kg),
            pk=PKParameters(**self.pk.model_dump()),
            response=ResponseParameters(**self.response.model_dump()),
            threshold_score=self.threshold_score)


class ComparisonRowPublic(BaseModel):
    """One schedule. Money in the response's currency; deltas are this row minus the
    reference (first) row."""

    schedule: str
    source: Literal["given", "optimal"]
    interval_days: int | None = Field(description="Null for an explicit dose list.")
    dose_mg: float | None = Field(description="Null when a dose list mixes doses.")
    injections: int
    syringes: dict[str, int] = Field(description="Syringes by size in mg.")
    total_mg: float
    drug_cost: float
    visit_cost: float
    total_cost: float
    days_above_threshold: int = Field(
        description="Days with a moment above threshold_score (exact, whole-day grid).")
    fraction_controlled: float = Field(description="1 - days_above_threshold / horizon_days.")
    max_score: float = Field(description="Worst predicted score over the horizon.")
    last_dose_date: dt.date | None = None
    delta_injections: int
    delta_total_cost: float
    delta_days_above_threshold: int
    delta_fraction_controlled: float
    share_controlled: float | None = Field(
        default=None, description="Share of virtual patients with no day above threshold.")
    mean_controlled_days: float | None = None
    cost_per_patient_year: float | None = None
    cost_per_controlled_patient_year: float | None = None
    incremental_cost_per_controlled_patient_year: float | None = Field(
        default=None, description="(cost - reference cost) / (controlled patient-years - "
                                  "reference's), per patient; null when equal.")
    delta_share_controlled: float | None = None
    share_controlled_range: list[float] | None = Field(
        default=None, description="[lowest, highest] share controlled over the sourced "
                                  "variability models (same virtual patients' draws).")
    share_controlled_by_variability: dict[str, float] | None = Field(
        default=None, description="Share controlled under each sourced variability model.")


class OptimalPublic(BaseModel):
    status: Literal["optimal", "infeasible"]
    interval_days: int | None
    dose_mg: float | None
    explanation: list[str]
    warnings: list[WarningPublic] = Field(
        default_factory=list, description="The recommendation's own warnings "
                                          "(docs/warnings.md).")


class ComparisonPublic(BaseModel):
    """The comparison table, with the inputs it used and how to read it."""

    rows: list[ComparisonRowPublic]
    reference: str = Field(description="The schedule the deltas are taken against.")
    currency: str
    horizon_days: int
    start: Literal["steady_state", "first_dose"]
    threshold_score: float
    threshold_conc_mg_per_l: float
    patient_year_days: int
    prices: PricesIn
    population: PopulationIn | None
    optimal: OptimalPublic | None
    model: dict[str, float]
    notes: list[str]
    assumptions: list[str]
    warnings: list[WarningPublic] = Field(
        default_factory=list, description="Where the patient or a schedule leaves the label "
                                          "(docs/warnings.md).")


@dataclass(frozen=True)
class ComparisonRun:
    """The public answer plus the domain values the plots draw from: the setup and each
    schedule, in the order of ``public.rows``."""

    public: ComparisonPublic
    setup: ComparisonSetup
    schedules: tuple[Schedule, ...]
