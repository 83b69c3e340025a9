"""Request and response of the label look-up (``POST /v1/label-dose``, ``doseopt label-dose``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from optimizer.schemas.base import InputModel

__all__ = ["GridLabelCellPublic", "GridLabelComparisonPublic", "LabelDosePublic",
           "LabelDoseRequest", "SyringePublic"]


class LabelDoseRequest(InputModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)

    weight_kg: float = Field(ge=1, le=300, description="Body weight, kg.")
    baseline_ige_iu_per_ml: float | None = Field(
        default=None, ge=0.1, le=10_000,
        description="Total serum IgE before omalizumab, IU/mL (needed for asthma).")
    label: Literal["eu", "us"] = Field(
        default="eu", description='"eu": EU SmPC; "us": US PI (asthma table of editions '
                                  'before 2024, patients 12 years and older).')
    indication: Literal["asthma", "csu"] = Field(
        default="asthma", description='"asthma" (weight x IgE table) or "csu" (chronic '
                                      'spontaneous urticaria: fixed doses).')


class SyringePublic(BaseModel):
    size_mg: float
    count: int


class LabelDosePublic(BaseModel):
    """The label's dose, or why there is none, with the document it comes from."""

    status: Literal["dose", "do_not_administer", "outside_table"] = Field(
        description='"dose"; "do_not_administer" (a blank cell of the table); '
                    '"outside_table" (weight or IgE beyond the table: not to be given).')
    dose_mg: float | None = Field(description="Dose per injection day, mg.")
    interval_weeks: int | None = Field(description="Every 2 or 4 weeks.")
    source: str = Field(description="Document, section and edition of the answer.")
    reason: str = Field(description="The table cell used, or why no dose is given.")
    dose_options_mg: list[float] = Field(
        default_factory=list, description="Every labelled dose (US CSU: 150 or 300 mg).")
    syringes: list[SyringePublic] = Field(
        default_factory=list, description="Fewest syringes that make dose_mg.")
    label: Literal["eu", "us"]
    indication: Literal["asthma", "csu"]
    data_version: str = Field(description="Version of the label data files.")


class GridLabelCellPublic(BaseModel):
    weight_kg: float
    baseline_ige_iu_per_ml: float
    agreement: Literal["exact", "one_step", "differs", "grid_doses_blank_cell", "grid_none",
                       "not_compared"]
    label_text: str = Field(description='The label cell, e.g. "300 q4w", "do not administer".')


class GridLabelComparisonPublic(BaseModel):
    """The dosing grid against the label's asthma table, cell by cell (docs/label.md)."""

    label: Literal["eu", "us"]
    source: str
    compared: int = Field(description="Grid cells whose bands lie inside one label cell.")
    exact: int
    within_one_step: int = Field(description="Exact, or same interval and 75 mg apart.")
    share_exact: float | None
    share_within_one_step: float | None
    grid_doses_blank_cell: int = Field(
        description='Label "do not administer" cells the grid gives a dose.')
    grid_none: int = Field(description="Label-dosed cells the grid has no option for.")
    cells: list[GridLabelCellPublic]
