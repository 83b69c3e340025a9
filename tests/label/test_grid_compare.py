"""Story: a pharmacometrician sees how far the binding-model grid is from the label's table."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.main import app
from optimizer.label.grid_compare import compare_grid_with_label
from optimizer.label.tables import label_cells

W = (20, 25, 30, 40, 50, 60, 70, 80, 90, 125, 150)
IGE = (30, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1100, 1200, 1300, 1500)


def label_answers(shift_mg: float = 0.0) -> dict[tuple[float, float], tuple[float | None,
                                                                             int | None]]:
    out: dict[tuple[float, float], tuple[float | None, int | None]] = {}
    for c in label_cells("eu"):
        key = (c.weight_high_kg, c.ige_high_iu_per_ml)
        out[key] = ((None, None) if c.dose_mg is None or c.interval_weeks is None
                    else (c.dose_mg + shift_mg, 7 * c.interval_weeks))
    return out


def test_the_label_compared_with_itself_agrees_everywhere() -> None:
    cmp = compare_grid_with_label(W, IGE, label_answers())
    assert cmp.compared == 140 and cmp.count("not_compared") == len(W) + len(IGE) - 1
    assert cmp.share_exact == 1.0 and cmp.share_within_one_step == 1.0


def test_one_step_off_and_blank_cells_dosed_are_told_apart() -> None:
    answers = label_answers(shift_mg=75.0)
    answers[(150.0, 1500.0)] = (600.0, 14)       # a "do not administer" cell given a dose
    answers[(25.0, 100.0)] = (None, None)        # a labelled cell without a grid option
    cmp = compare_grid_with_label(W, IGE, answers)
    assert cmp.count("exact") == 33              # the other 34 blank cells: none in both
    assert cmp.count("grid_doses_blank_cell") == 1 and cmp.count("grid_none") == 1
    assert cmp.count("one_step") == 140 - 34 - 1
    fine = compare_grid_with_label([90, 125], [300, 400], {(125, 400): (450.0, 14)})
    assert [c.agreement for c in fine.cells] == ["not_compared"] * 3 + ["exact"]


def test_bands_straddling_label_cells_are_not_compared() -> None:
    cmp = compare_grid_with_label([20, 35, 40, 50], [30, 100], {})
    # row <= 30 IU/mL and column <= 20 kg have no lower edge; (20, 35] kg spans three cells
    assert [c.agreement for c in cmp.cells] == ["not_compared"] * 6 + ["grid_none"] * 2


def test_the_default_grid_page_figures() -> None:
    """The figures docs/label.md quotes: 20 of 140 cells exact, 46 within one 75 mg step,
    34 'do not administer' cells dosed (25 ng/mL, hayashi2007, 14 and 28 days)."""
    body = TestClient(app).post("/v1/ige-table", json={
        "ige_iu_per_ml": list(IGE)}).json()["label_comparison"]
    assert (body["compared"], body["exact"], body["within_one_step"],
            body["grid_doses_blank_cell"]) == (140, 20, 46, 34)
