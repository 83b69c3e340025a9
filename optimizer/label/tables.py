"""The approved dosing tables as data, and the look-up: weight x baseline IgE -> label dose.

The asthma tables live in ``optimizer/label/data/asthma_dosing_tables.csv``, one row per cell,
each with its source (document, section, edition):

* ``eu``: EU SmPC section 4.2, Tables 2 (every 4 weeks) and 3 (every 2 weeks); weight
  20-150 kg in 10 bands, baseline IgE 30-1500 IU/mL in 14 bands (140 cells, 34 "do not
  administer").
* ``us``: US PI Table 1, asthma patients 12 years and older, editions before 2024; weight
  30-150 kg in 4 bands, IgE 30-700 IU/mL in 7 bands (28 cells).

Bands include their upper edge and exclude their lower edge, except the lowest band of each
table, which includes it (">20-25 kg" is read as 20-25 kg, as the label's "patients weighing 20
kg" are dosed from it). Chronic spontaneous urticaria is dosed without the table (fixed doses
from ``label_limits.toml``).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Literal

from optimizer.errors import InputError
from optimizer.label.limits import LABELS, label_limits

__all__ = ["LabelCell", "LabelDose", "LabelStatus", "label_cells", "label_dose"]

LabelStatus = Literal["dose", "do_not_administer", "outside_table"]
#: Indications the look-up answers.
LOOKUP_INDICATIONS = ("asthma", "csu")


@dataclass(frozen=True)
class LabelCell:
    """One cell of a dosing table: ``(weight_low_kg, weight_high_kg] x (ige_low, ige_high]``."""

    label: str
    indication: str
    weight_low_kg: float
    weight_high_kg: float
    ige_low_iu_per_ml: float
    ige_high_iu_per_ml: float
    status: Literal["dose", "do_not_administer"]
    dose_mg: float | None
    interval_weeks: int | None
    source: str


@dataclass(frozen=True)
class LabelDose:
    """The label's answer for one patient.

    ``dose_mg`` and ``interval_weeks`` are set when ``status == "dose"``; ``dose_options_mg``
    lists every labelled dose (CSU in the US: 150 or 300 mg). ``cell`` is the table cell used.
    """

    status: LabelStatus
    dose_mg: float | None
    interval_weeks: int | None
    source: str
    reason: str
    dose_options_mg: tuple[float, ...] = ()
    cell: LabelCell | None = None


@cache
def _all_cells() -> tuple[LabelCell, ...]:
    text = files("optimizer.label").joinpath("data", "asthma_dosing_tables.csv").read_text(
        "utf-8")
    out = []
    for row in csv.DictReader(text.splitlines()):
        dose = row["status"] == "dose"
        out.append(LabelCell(
            label=row["label"], indication=row["indication"],
            weight_low_kg=float(row["weight_low_kg"]), weight_high_kg=float(row["weight_high_kg"]),
            ige_low_iu_per_ml=float(row["ige_low_iu_per_ml"]),
            ige_high_iu_per_ml=float(row["ige_high_iu_per_ml"]),
            status="dose" if dose else "do_not_administer",
            dose_mg=float(row["dose_mg"]) if dose else None,
            interval_weeks=int(row["interval_weeks"]) if dose else None, source=row["source"]))
    return tuple(out)


def label_cells(label: str, indication: str = "asthma") -> tuple[LabelCell, ...]:
    """Every cell of one table, rows by IgE band then columns by weight band."""
    return tuple(c for c in _all_cells() if c.label == label and c.indication == indication)


def _in_band(x: float, low: float, high: float, lowest: float) -> bool:
    return (low < x <= high) or (x == low == lowest)


def _check(name: str, value: float, low: float, high: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise InputError(name, value, f"a number in [{low:g}, {high:g}]")


def label_dose(weight_kg: float, baseline_ige_iu_per_ml: float | None, label: str = "eu",
               indication: str = "asthma") -> LabelDose:
    """The labelled dose and interval for a patient.

    Args:
        weight_kg: body weight, kg (1-300).
        baseline_ige_iu_per_ml: total serum IgE before treatment, IU/mL (0.1-10,000); needed
            for asthma, ignored for CSU.
        label: ``"eu"`` (EU SmPC) or ``"us"`` (US PI, editions before 2024).
        indication: ``"asthma"`` (weight x IgE table) or ``"csu"`` (fixed doses).

    Returns:
        :class:`LabelDose` with status ``"dose"``, ``"do_not_administer"`` (a blank cell of the
        table) or ``"outside_table"`` (weight or IgE beyond the table: the label says not to
        give omalizumab), and the source of the answer.

    Raises:
        InputError: a value out of range, an unknown label or indication, or no IgE for asthma.
    """
    _check("weight_kg", weight_kg, 1.0, 300.0)
    if label not in LABELS:
        raise InputError("label", label, '"eu" (EU SmPC) or "us" (US PI)')
    if indication not in LOOKUP_INDICATIONS:
        raise InputError("indication", indication, '"asthma" or "csu"')
    limits = label_limits(label).indication(indication)
    assert limits is not None  # both indications are in both data files
    if indication == "csu":
        doses = limits.fixed_doses_mg
        return LabelDose("dose", max(doses), limits.fixed_interval_weeks, limits.source,
                         "fixed dose, not based on weight or IgE", dose_options_mg=doses)
    if baseline_ige_iu_per_ml is None:
        raise InputError("baseline_ige_iu_per_ml", None,
                         "a baseline total IgE in IU/mL: the asthma table needs it")
    _check("baseline_ige_iu_per_ml", baseline_ige_iu_per_ml, 0.1, 10_000.0)
    cells = label_cells(label, indication)
    w_lo, i_lo = min(c.weight_low_kg for c in cells), min(c.ige_low_iu_per_ml for c in cells)
    for c in cells:
        if (_in_band(weight_kg, c.weight_low_kg, c.weight_high_kg, w_lo)
                and _in_band(baseline_ige_iu_per_ml, c.ige_low_iu_per_ml, c.ige_high_iu_per_ml,
                             i_lo)):
            band = (f"weight {c.weight_low_kg:g}-{c.weight_high_kg:g} kg, IgE "
                    f"{c.ige_low_iu_per_ml:g}-{c.ige_high_iu_per_ml:g} IU/mL")
            if c.status == "do_not_administer":
                return LabelDose("do_not_administer", None, None, c.source,
                                 f"blank cell of the table ({band})", cell=c)
            assert c.dose_mg is not None
            return LabelDose("dose", c.dose_mg, c.interval_weeks, c.source, band,
                             dose_options_mg=(c.dose_mg,), cell=c)
    w_hi = max(c.weight_high_kg for c in cells)
    i_hi = max(c.ige_high_iu_per_ml for c in cells)
    return LabelDose("outside_table", None, None, limits.source,
                     f"outside the table (weight {w_lo:g}-{w_hi:g} kg, IgE {i_lo:g}-{i_hi:g} "
                     "IU/mL): the label says not to give omalizumab")
