"""A dosing grid (binding model) compared with the label's table, cell by cell.

A grid cell covers the band ``(previous edge, edge]`` of weight and of baseline IgE and is
answered for a patient at the upper edges. It is *compared* when both bands lie inside one cell
of the label's table (the grid's first band, "up to the first edge", has no lower edge and is
not compared; nor is a band straddling two label cells). Agreement:

* ``exact``: same dose and same interval, or no dose in both (grid infeasible, label "do not
  administer");
* ``one_step``: both dose at the same interval and the doses differ by one 75 mg step;
* ``differs``: any other pair of doses;
* ``grid_doses_blank_cell``: the label says "do not administer" and the grid gives a dose;
* ``grid_none``: the label doses and the grid has no allowed option.

The grid describes the typical patient at the band's edge; the label's table was built for the
population (its cells cover spread in clearance and binding), so agreement is not expected to be
complete. See ``docs/label.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from optimizer.label.tables import LabelCell, label_cells

__all__ = ["Agreement", "CellAgreement", "GridLabelComparison", "compare_grid_with_label"]

Agreement = Literal["exact", "one_step", "differs", "grid_doses_blank_cell", "grid_none",
                    "not_compared"]
#: One dose step: the smallest syringe (75 mg).
DOSE_STEP_MG = 75.0


@dataclass(frozen=True)
class CellAgreement:
    weight_kg: float
    baseline_ige_iu_per_ml: float
    agreement: Agreement
    label_text: str  # e.g. "300 q4w", "do not administer", "outside the table"


@dataclass(frozen=True)
class GridLabelComparison:
    label: str
    cells: tuple[CellAgreement, ...]

    def count(self, *kinds: Agreement) -> int:
        return sum(c.agreement in kinds for c in self.cells)

    @property
    def compared(self) -> int:
        return len(self.cells) - self.count("not_compared")

    @property
    def share_exact(self) -> float | None:
        return self.count("exact") / self.compared if self.compared else None

    @property
    def share_within_one_step(self) -> float | None:
        return self.count("exact", "one_step") / self.compared if self.compared else None


def _containing(cells: Sequence[LabelCell], low_w: float, w: float, low_i: float,
                i: float) -> LabelCell | None:
    for c in cells:
        if (c.weight_low_kg <= low_w and w <= c.weight_high_kg
                and c.ige_low_iu_per_ml <= low_i and i <= c.ige_high_iu_per_ml):
            return c
    return None


def _text(c: LabelCell | None) -> str:
    if c is None:
        return "outside the table"
    if c.status == "do_not_administer":
        return "do not administer"
    return f"{c.dose_mg:g} q{c.interval_weeks}w"


def _agreement(c: LabelCell, dose_mg: float | None, interval_days: int | None) -> Agreement:
    if c.status == "do_not_administer":
        return "exact" if dose_mg is None else "grid_doses_blank_cell"
    if dose_mg is None or interval_days is None:
        return "grid_none"
    assert c.dose_mg is not None and c.interval_weeks is not None
    if interval_days != 7 * c.interval_weeks:
        return "differs"
    gap = abs(dose_mg - c.dose_mg)
    if gap < 1e-9:
        return "exact"
    return "one_step" if gap <= DOSE_STEP_MG + 1e-9 else "differs"


def compare_grid_with_label(
        weights_kg: Sequence[float], ige_iu_per_ml: Sequence[float],
        answers: dict[tuple[float, float], tuple[float | None, int | None]],
        label: str = "eu") -> GridLabelComparison:
    """Compare a grid with the label's asthma table.

    Args:
        weights_kg, ige_iu_per_ml: the grid's band upper edges, increasing.
        answers: ``(weight_kg, ige) -> (dose_mg, interval_days)``, ``None``s when infeasible.
        label: ``"eu"`` or ``"us"``.
    """
    cells = label_cells(label)
    out = []
    for j, ige in enumerate(ige_iu_per_ml):
        for i, w in enumerate(weights_kg):
            dose, interval = answers.get((w, ige), (None, None))
            cell = (None if i == 0 or j == 0 else
                    _containing(cells, weights_kg[i - 1], w, ige_iu_per_ml[j - 1], ige))
            kind: Agreement = "not_compared" if cell is None else _agreement(cell, dose,
                                                                              interval)
            out.append(CellAgreement(w, ige, kind, _text(cell)))
    return GridLabelComparison(label=label, cells=tuple(out))
