"""Story: the weight x IgE dosing grid is a table of single recommendations, and reads like one.

Each cell is compared with :func:`recommend_free_ige` asked about that cell alone (a separate
simulation of a separate problem); the default table is checked to be monotone in exposure; the
CSV export is parsed back; bad edges are refused with the field named.
"""

from __future__ import annotations

import csv
import io
import math
from typing import Any

import numpy as np
import pytest

from optimizer.core.results import Status
from optimizer.errors import InputError
from optimizer.free_ige.dosing_grid import DosingCell, DosingGrid, dosing_grid
from optimizer.free_ige.target import FreeIgEProblem, recommend_free_ige

HEADER = ["weight_kg", "baseline_ige_iu_per_ml", "status", "dose_mg", "interval_days",
          "max_free_ige_ng_per_ml", "extrapolated"]


@pytest.fixture(scope="module")
def default_grid() -> DosingGrid:
    return dosing_grid()


def small_grid(**kwargs: Any) -> DosingGrid:
    return dosing_grid((30.0, 70.0, 150.0), (30.0, 400.0, 1500.0), **kwargs)


@pytest.mark.parametrize("options", [
    {},
    {"target_ng_per_ml": 12.0, "doses_mg": (75.0, 150.0, 300.0), "intervals_days": (14, 28),
     "parameter_set": "lowe2009"},
    {"target_ng_per_ml": 50.0, "intervals_days": (7, 14, 28, 56), "ige_production": "published"},
])
def test_every_cell_is_the_single_recommendation(options: dict[str, Any]) -> None:
    """Status, dose and interval equal; worst free IgE within relative 1e-8 (the batched Newton
    iterations run until every column converged, so the two solves stop at different points
    below its 1e-10 tolerance)."""
    grid = small_grid(**options)
    assert len(grid.cells) == 9
    statuses = set()
    for cell in grid.cells:
        problem = FreeIgEProblem(
            weight_kg=cell.weight_kg, baseline_ige_iu_per_ml=cell.baseline_ige_iu_per_ml,
            target_ng_per_ml=float(options.get("target_ng_per_ml", 25.0)),
            **{k: v for k, v in options.items() if k != "target_ng_per_ml"})
        rec = recommend_free_ige(problem)
        statuses.add(rec.status)
        assert cell.status == rec.status.value
        assert cell.dose_mg == rec.dose_mg
        assert cell.interval_days == rec.interval_days
        assert cell.max_free_ige_ng_per_ml == pytest.approx(rec.max_free_ige_ng_per_ml,
                                                            rel=1e-8)
        assert cell.extrapolated == problem.extrapolates()
    if options.get("target_ng_per_ml") == 12.0:
        assert statuses == {Status.OPTIMAL, Status.INFEASIBLE}  # both kinds of cell compared


def exposure_mg_per_28_days(cell: DosingCell) -> float:
    """Dose scaled to four weeks; a cell no option controls needs more than any option."""
    if cell.dose_mg is None or cell.interval_days is None:
        return math.inf
    return cell.dose_mg * 28.0 / cell.interval_days


def test_default_grid_exposure_never_falls_with_weight_or_ige(default_grid: DosingGrid) -> None:
    w, g = default_grid.weights_kg, default_grid.ige_iu_per_ml
    assert len(default_grid.cells) == len(w) * len(g)
    table = np.array([[exposure_mg_per_28_days(default_grid.cell(wk, gi)) for wk in w]
                      for gi in g])
    assert np.all(np.diff(table, axis=1) >= 0.0), "exposure falls with weight"
    assert np.all(np.diff(table, axis=0) >= 0.0), "exposure falls with baseline IgE"
    assert table[0, 0] < table[-1, -1]  # and the table is not trivially flat
    for c in default_grid.cells:
        if c.status == Status.OPTIMAL.value:
            assert c.max_free_ige_ng_per_ml <= default_grid.target_ng_per_ml


def test_csv_has_one_row_per_cell(default_grid: DosingGrid) -> None:
    for grid in (default_grid, small_grid(target_ng_per_ml=10.0, doses_mg=(75.0, 150.0))):
        rows = list(csv.reader(io.StringIO(grid.to_csv())))
        assert rows[0] == HEADER
        body = rows[1:]
        assert len(body) == len(grid.cells)
        for row, cell in zip(body, grid.cells, strict=True):
            assert float(row[0]) == cell.weight_kg
            assert float(row[1]) == cell.baseline_ige_iu_per_ml
            assert row[2] == cell.status
            if cell.dose_mg is None:
                assert row[3] == "" and row[4] == "" and cell.status == "infeasible"
            else:
                assert float(row[3]) == cell.dose_mg and int(row[4]) == cell.interval_days
            assert float(row[5]) == pytest.approx(cell.max_free_ige_ng_per_ml, abs=5e-4)
            assert row[6] == ("true" if cell.extrapolated else "false")
        assert {(float(r[0]), float(r[1])) for r in body} == {
            (wk, gi) for wk in grid.weights_kg for gi in grid.ige_iu_per_ml}


@pytest.mark.parametrize(("weights", "iges", "field"), [
    ((30.0, 70.0, 50.0), (100.0,), "weights_kg"),
    ((30.0, 30.0), (100.0,), "weights_kg"),
    ((), (100.0,), "weights_kg"),
    ((70.0,), (400.0, 300.0), "ige_iu_per_ml"),
    ((70.0,), (), "ige_iu_per_ml"),
    (tuple(np.linspace(20.0, 150.0, 50)), tuple(np.linspace(30.0, 1500.0, 41)), "weights_kg"),
    ((10.0, 70.0), (100.0,), "weights_kg[0]"),
    ((70.0,), (100.0, 2000.0), "ige_iu_per_ml[1]"),
])
def test_bad_edges_are_refused(weights: tuple[float, ...], iges: tuple[float, ...],
                               field: str) -> None:
    with pytest.raises(InputError) as err:
        dosing_grid(weights, iges)
    assert err.value.field == field


def test_extrapolated_edges_are_answered_when_allowed() -> None:
    grid = dosing_grid((10.0, 70.0), (100.0, 2000.0), allow_extrapolation=True)
    assert [c.extrapolated for c in grid.cells] == [True, False, True, True]
