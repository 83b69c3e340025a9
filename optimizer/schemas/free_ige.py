"""Schemas of the free-IgE target and the dosing grid (pydantic only).

A recommendation request chooses its target with ``target.kind``: ``"score"`` (default, the
symptom-score model) or ``"free_ige"`` (the binding model; :mod:`optimizer.free_ige.target`). Field
names here are a contract scripts rely on.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from optimizer.free_ige.dosing_grid import (
    DEFAULT_IGE_EDGES_IU_PER_ML,
    DEFAULT_WEIGHT_EDGES_KG,
    MAX_CELLS,
    DosingGrid,
    cells_csv,
)
from optimizer.free_ige.target import (
    DEFAULT_INTERVALS_DAYS,
    DEFAULT_MAX_DOSE_MG,
    DEFAULT_TARGET_NG_PER_ML,
    FreeIgECandidate,
    FreeIgERecommendation,
)
from optimizer.schemas.base import InputModel
from optimizer.schemas.label import GridLabelComparisonPublic

__all__ = [
    "DosingCellPublic",
    "DosingGridPublic",
    "DosingGridRequest",
    "FreeIgECandidatePublic",
    "FreeIgEPublic",
    "FreeIgETargetIn",
    "MAX_CHECK_PATIENT_DAYS",
    "PatientPointIn",
    "ScoreTargetIn",
    "SurrogateCheckRequest",
    "TargetIn",
    "UNIT_HINTS",
]

#: Keys people write without a unit ("parent.key" or "key"), and the names that carry one
#: (used in 422 messages).
UNIT_HINTS: dict[str, str] = {
    "baseline_ige": "baseline_ige_iu_per_ml (IU/mL) or baseline_ige_ng_per_ml (ng/mL)",
    "ige": "baseline_ige_iu_per_ml (IU/mL) or baseline_ige_ng_per_ml (ng/mL)",
    "weight": "weight_kg (kg)",
    "weights": "weights_kg (kg)",
    "target.max": "max_ng_per_ml (ng/mL)",
    "target.target": "max_ng_per_ml (ng/mL)",
    "target.max_ng": "max_ng_per_ml (ng/mL)",
    "dose": "dose_mg (mg)",
    "doses": "dose_options_mg (mg)",
    "dose_options": "dose_options_mg (mg)",
    "interval": "interval_days (days)",
    "intervals": "interval_options_days (days)",
    "interval_options": "interval_options_days (days)",
    "max_dose": "max_dose_mg (mg)",
}


class ScoreTargetIn(InputModel):
    """Keep the predicted symptom score at or below ``threshold_score`` (the default)."""

    kind: Literal["score"] = "score"


class FreeIgETargetIn(InputModel):
    """Keep free IgE at or below ``max_ng_per_ml`` over the whole steady-state cycle, by the
    omalizumab-IgE binding model; needs ``patient.baseline_ige_iu_per_ml``."""

    kind: Literal["free_ige"]
    max_ng_per_ml: float = Field(
        default=DEFAULT_TARGET_NG_PER_ML, ge=0.1, le=1000,
        description="Highest acceptable free IgE, ng/mL. Default 25 (the label's dosing "
                    "rationale); 14 (Lowe 2009) and 50 are the other published choices.")
    parameter_set: Literal["hayashi2007", "lowe2009"] = Field(
        default="hayashi2007", description="Published binding-model parameters to use.")
    ige_production: Literal["baseline", "published"] = Field(
        default="baseline",
        description="baseline: IgE production set so the untreated model sits at the "
                    "measured baseline; published: the paper's covariate model.")
    max_dose_mg: float = Field(
        default=DEFAULT_MAX_DOSE_MG, ge=75, le=2400,
        description="Largest dose when dose_options_mg is not given: multiples of 75 mg up "
                    "to this. Default 600 (asthma label).")
    allow_extrapolation: bool = Field(
        default=False, description="Answer outside the approved dosing tables (20-150 kg, "
                                   "30-1500 IU/mL), with a warning.")


TargetIn = Annotated[ScoreTargetIn | FreeIgETargetIn, Field(discriminator="kind")]


class FreeIgECandidatePublic(BaseModel):
    interval_days: int
    dose_mg: float
    max_free_ige_ng_per_ml: float

    @classmethod
    def of(cls, c: FreeIgECandidate | None) -> FreeIgECandidatePublic | None:
        return None if c is None else cls(interval_days=c.interval_days, dose_mg=c.dose_mg,
                                          max_free_ige_ng_per_ml=c.max_free_ige_ng_per_ml)


class FreeIgEPublic(BaseModel):
    """The free-IgE side of an answer (``target.kind = "free_ige"``)."""

    target_ng_per_ml: float
    max_free_ige_ng_per_ml: float = Field(
        description="Highest free IgE over the steady-state cycle of the answer (of the "
                    "closest option when infeasible).")
    margin_ng_per_ml: float = Field(description="target - max_free_ige (negative: over).")
    baseline_ige_iu_per_ml: float
    baseline_ige_ng_per_ml: float
    trough_total_drug_mg_per_l: float | None = Field(
        description="Total (free + bound) omalizumab just before a dose, mg/L.")
    next_longer: FreeIgECandidatePublic | None = Field(
        description="The next longer interval at the largest dose, with its free IgE.")
    closest_option: FreeIgECandidatePublic | None
    parameter_set: str
    citation: str
    ige_production: str

    @classmethod
    def of(cls, rec: FreeIgERecommendation, baseline_ige_iu_per_ml: float,
           baseline_ige_ng_per_ml: float, parameter_set: str, citation: str,
           ige_production: str) -> FreeIgEPublic:
        return cls(target_ng_per_ml=rec.target_ng_per_ml,
                   max_free_ige_ng_per_ml=rec.max_free_ige_ng_per_ml,
                   margin_ng_per_ml=rec.margin_ng_per_ml,
                   baseline_ige_iu_per_ml=baseline_ige_iu_per_ml,
                   baseline_ige_ng_per_ml=baseline_ige_ng_per_ml,
                   trough_total_drug_mg_per_l=rec.trough_total_drug_mg_per_l,
                   next_longer=FreeIgECandidatePublic.of(rec.next_longer),
                   closest_option=FreeIgECandidatePublic.of(rec.closest_option),
                   parameter_set=parameter_set, citation=citation,
                   ige_production=ige_production)


class DosingGridRequest(InputModel):
    """A label-style dosing grid: weight bands x baseline-IgE bands (upper edges)."""

    weights_kg: list[Annotated[float, Field(ge=1, le=300)]] = Field(
        default_factory=lambda: list(DEFAULT_WEIGHT_EDGES_KG), min_length=1, max_length=100,
        description="Upper edges of the weight bands, kg, increasing.")
    ige_iu_per_ml: list[Annotated[float, Field(ge=0.1, le=10_000)]] = Field(
        default_factory=lambda: list(DEFAULT_IGE_EDGES_IU_PER_ML), min_length=1,
        max_length=100, description="Upper edges of the baseline-IgE bands, IU/mL, increasing.")
    target: FreeIgETargetIn = Field(
        default_factory=lambda: FreeIgETargetIn(kind="free_ige"))
    dose_options_mg: list[Annotated[float, Field(ge=1, le=2400)]] | None = Field(
        default=None, min_length=1, max_length=32,
        description="Allowed doses, mg. Default: multiples of 75 up to target.max_dose_mg.")
    interval_options_days: list[Annotated[int, Field(ge=1, le=365)]] = Field(
        default_factory=lambda: list(DEFAULT_INTERVALS_DAYS), min_length=1, max_length=12,
        description="Allowed intervals, days. Default [14, 28].")
    label: Literal["eu", "us"] = Field(
        default="eu", description="Label table the grid is compared with, cell by cell.")


class DosingCellPublic(BaseModel):
    weight_kg: float
    baseline_ige_iu_per_ml: float
    status: Literal["optimal", "infeasible"]
    dose_mg: float | None
    interval_days: int | None
    max_free_ige_ng_per_ml: float
    extrapolated: bool = Field(description="Outside the data behind the parameter set.")
    label: str = Field(description='Short form, e.g. "300 q4w"; "none" when infeasible.')


class DosingGridPublic(BaseModel):
    weights_kg: list[float]
    ige_iu_per_ml: list[float]
    cells: list[DosingCellPublic]
    target_ng_per_ml: float
    parameter_set: str
    doses_mg: list[float]
    intervals_days: list[int]
    elapsed_ms: float
    max_cells: int = MAX_CELLS
    assumptions: list[str]
    label_comparison: GridLabelComparisonPublic | None = Field(
        default=None, description="The grid against the label's table, cell by cell.")

    def to_csv(self) -> str:
        return cells_csv(self.cells)

    @classmethod
    def of(cls, grid: DosingGrid, assumptions: list[str]) -> DosingGridPublic:
        cells = [DosingCellPublic(weight_kg=c.weight_kg,
                                  baseline_ige_iu_per_ml=c.baseline_ige_iu_per_ml,
                                  status="optimal" if c.status == "optimal" else "infeasible",
                                  dose_mg=c.dose_mg, interval_days=c.interval_days,
                                  max_free_ige_ng_per_ml=c.max_free_ige_ng_per_ml,
                                  extrapolated=c.extrapolated, label=c.label)
                 for c in grid.cells]
        return cls(weights_kg=list(grid.weights_kg), ige_iu_per_ml=list(grid.ige_iu_per_ml),
                   cells=cells, target_ng_per_ml=grid.target_ng_per_ml,
                   parameter_set=grid.parameter_set, doses_mg=list(grid.doses_mg),
                   intervals_days=list(grid.intervals_days), elapsed_ms=grid.elapsed_ms,
                   assumptions=assumptions)


class PatientPointIn(InputModel):
    weight_kg: float = Field(ge=1, le=300, description="Body weight, kg.")
    baseline_ige_iu_per_ml: float = Field(ge=0.1, le=10_000, description="Baseline IgE, IU/mL.")


#: Most patients in one HTTP surrogate check, and patients x horizon days (bounds memory:
#: about 700 bytes a patient-day, 62 MB at 50 patients x 5 years, measured with tracemalloc;
#: time is bounded by the request-time budget, optimizer.services.budget: 1.4 s at that size).
MAX_CHECK_PATIENTS = 50
MAX_CHECK_PATIENT_DAYS = 91_250


class SurrogateCheckRequest(InputModel):
    """Compare the surrogate's total omalizumab with the binding model's over a regimen."""

    patients: list[PatientPointIn] | None = Field(
        default=None, min_length=1, max_length=MAX_CHECK_PATIENTS,
        description="Test patients; default: 7 points spanning 20-120 kg and 30-1000 IU/mL.")
    dose_mg: float = Field(default=300, ge=1, le=2400)
    interval_days: float = Field(default=28, ge=1, le=365)
    horizon_days: float = Field(default=364, gt=0, le=3650)
    parameter_set: Literal["hayashi2007", "lowe2009"] = "hayashi2007"
    from_day: float = Field(default=7, ge=0, description="Relative differences count from "
                                                         "this day (both curves start at 0).")
    fit: bool = Field(default=False, description="Also fit the surrogate's half-life and "
                                                 "V/F to each patient's binding curve.")
