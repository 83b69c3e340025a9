"""A dosing grid by weight band and baseline-IgE band, in the form clinicians know from the
omalizumab label: each cell holds the dose and interval the free-IgE target mode recommends
for a patient at the upper edge of the cell's weight band and IgE band.

All cells x all candidates are simulated to steady state in one vectorised pass; each cell's
choice is then made by the same compiled Pyomo/HiGHS model as a single recommendation.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from optimizer.core.results import Status
from optimizer.errors import InputError
from optimizer.free_ige.params import IgEProduction
from optimizer.free_ige.target import (
    DEFAULT_INTERVALS_DAYS,
    DEFAULT_MAX_DOSE_MG,
    DEFAULT_TARGET_NG_PER_ML,
    FreeIgEProblem,
    FreeIgERecommendation,
    decide,
    default_doses_mg,
    evaluate_free_ige_many,
)

__all__ = ["DEFAULT_IGE_EDGES_IU_PER_ML", "DEFAULT_WEIGHT_EDGES_KG", "DosingCell",
           "DosingGrid", "cells_csv", "dosing_grid"]

#: Weight band upper edges, kg (label-style bands from 20 kg children to 150 kg).
DEFAULT_WEIGHT_EDGES_KG: tuple[float, ...] = (20, 25, 30, 40, 50, 60, 70, 80, 90, 125, 150)
#: Baseline IgE band upper edges, IU/mL (30-100, >100-200, ... as in the label's tables).
DEFAULT_IGE_EDGES_IU_PER_ML: tuple[float, ...] = (
    30, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1100, 1200, 1300, 1500)
MAX_CELLS = 2_000
#: Most steady-state integration steps one grid may take: cells x doses x intervals steady
#: states, each over 4 steps a day of the longest interval's cycle. Cost grows with the
#: longest interval: 10 x 10 cells x 32 doses x 3 intervals take about 3 s at 26-28 days
#: and took 44.6 s at 363-365 days (per-step cost: benchmarks/bench_budget.py). This cap
#: (about 5 minutes at the measured 1.3-4 us a step) guards direct callers and scripts run
#: without a budget; an HTTP or CLI request meets the request-time budget
#: (optimizer.services.budget) first.
MAX_STEADY_STATE_STEPS = 100_000_000


@dataclass(frozen=True)
class DosingCell:
    weight_kg: float
    baseline_ige_iu_per_ml: float
    status: str
    dose_mg: float | None
    interval_days: int | None
    max_free_ige_ng_per_ml: float
    extrapolated: bool

    @property
    def label(self) -> str:
        if self.dose_mg is None or self.interval_days is None:
            return "none"
        weeks = self.interval_days / 7
        unit = f"q{weeks:g}w" if float(weeks).is_integer() else f"q{self.interval_days}d"
        return f"{self.dose_mg:g} {unit}"


@dataclass(frozen=True)
class DosingGrid:
    weights_kg: tuple[float, ...]
    ige_iu_per_ml: tuple[float, ...]
    cells: tuple[DosingCell, ...]
    target_ng_per_ml: float
    parameter_set: str
    doses_mg: tuple[float, ...]
    intervals_days: tuple[int, ...]
    elapsed_ms: float

    def cell(self, weight_kg: float, ige_iu_per_ml: float) -> DosingCell:
        for c in self.cells:
            if c.weight_kg == weight_kg and c.baseline_ige_iu_per_ml == ige_iu_per_ml:
                return c
        raise KeyError((weight_kg, ige_iu_per_ml))

    def to_csv(self) -> str:
        return cells_csv(self.cells)


class _CellLike(Protocol):
    @property
    def weight_kg(self) -> float: ...
    @property
    def baseline_ige_iu_per_ml(self) -> float: ...
    @property
    def status(self) -> str: ...
    @property
    def dose_mg(self) -> float | None: ...
    @property
    def interval_days(self) -> int | None: ...
    @property
    def max_free_ige_ng_per_ml(self) -> float: ...
    @property
    def extrapolated(self) -> bool: ...


def cells_csv(cells: Sequence[_CellLike]) -> str:
    """One CSV row per cell, with a header (units in the column names)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["weight_kg", "baseline_ige_iu_per_ml", "status", "dose_mg",
                "interval_days", "max_free_ige_ng_per_ml", "extrapolated"])
    for c in cells:
        w.writerow([f"{c.weight_kg:g}", f"{c.baseline_ige_iu_per_ml:g}", c.status,
                    "" if c.dose_mg is None else f"{c.dose_mg:g}",
                    "" if c.interval_days is None else c.interval_days,
                    f"{c.max_free_ige_ng_per_ml:.3f}", str(c.extrapolated).lower()])
    return buf.getvalue()


def _edges(name: str, values: Sequence[float]) -> tuple[float, ...]:
    vals = tuple(float(v) for v in values)
    if not vals:
        raise InputError(name, list(values), "one or more band upper edges")
    if any(b <= a for a, b in zip(vals, vals[1:], strict=False)):
        raise InputError(name, list(vals), "band upper edges in increasing order")
    return vals


def dosing_grid(weights_kg: Sequence[float] = DEFAULT_WEIGHT_EDGES_KG,
                ige_iu_per_ml: Sequence[float] = DEFAULT_IGE_EDGES_IU_PER_ML, *,
                target_ng_per_ml: float = DEFAULT_TARGET_NG_PER_ML,
                doses_mg: Sequence[float] | None = None,
                intervals_days: Sequence[int] = DEFAULT_INTERVALS_DAYS,
                parameter_set: str = "hayashi2007", ige_production: IgEProduction = "baseline",
                allow_extrapolation: bool = False, time_limit_s: float = 10.0,
                max_dose_mg: float = DEFAULT_MAX_DOSE_MG) -> DosingGrid:
    """Recommended dose and interval for every weight band x IgE band."""
    t0 = time.perf_counter()
    weights = _edges("weights_kg", weights_kg)
    iges = _edges("ige_iu_per_ml", ige_iu_per_ml)
    if len(weights) * len(iges) > MAX_CELLS:
        raise InputError("weights_kg", len(weights) * len(iges),
                         f"at most {MAX_CELLS} cells (weights x IgE bands)")
    doses = tuple(doses_mg) if doses_mg is not None else default_doses_mg(max_dose_mg)
    ivs = sorted(set(intervals_days))
    work = len(weights) * len(iges) * len(set(doses)) * len(ivs) * 4 * max(ivs, default=0)
    if work > MAX_STEADY_STATE_STEPS:
        raise InputError("interval_options_days", ivs,
                         f"cells x doses x intervals x 4 steps a day of the longest interval "
                         f"at most {MAX_STEADY_STATE_STEPS:,}; this grid needs {work:,}: fewer "
                         "bands, doses or intervals, or shorter intervals")
    problems = [_cell_problem(i, w, j, g, target_ng_per_ml=target_ng_per_ml, doses_mg=doses,
                              intervals_days=tuple(intervals_days), parameter_set=parameter_set,
                              ige_production=ige_production,
                              allow_extrapolation=allow_extrapolation)
                for j, g in enumerate(iges) for i, w in enumerate(weights)]
    tables = evaluate_free_ige_many(problems)
    per_ms = (time.perf_counter() - t0) * 1e3 / len(problems)
    cells = [_cell(prob, decide(prob, table, per_ms, time_limit_s))
             for prob, table in zip(problems, tables, strict=True)]
    first = tables[0]
    return DosingGrid(weights_kg=weights, ige_iu_per_ml=iges, cells=tuple(cells),
                      target_ng_per_ml=target_ng_per_ml, parameter_set=parameter_set,
                      doses_mg=tuple(float(d) for d in first.doses_mg),
                      intervals_days=tuple(int(i) for i in first.intervals_days),
                      elapsed_ms=(time.perf_counter() - t0) * 1e3)


def _cell_problem(i: int, weight_kg: float, j: int, ige_iu_per_ml: float,
                  **options: Any) -> FreeIgEProblem:
    """One cell's question; an error names the band edge as the grid request writes it."""
    try:
        return FreeIgEProblem(weight_kg=weight_kg, baseline_ige_iu_per_ml=ige_iu_per_ml,
                              **options)
    except InputError as exc:
        field = {"patient.weight_kg": f"weights_kg[{i}]",
                 "patient.baseline_ige_iu_per_ml": f"ige_iu_per_ml[{j}]"}.get(exc.field)
        if field is None:
            raise
        raise InputError(field, exc.value, exc.allowed) from None


def _cell(prob: FreeIgEProblem, rec: FreeIgERecommendation) -> DosingCell:
    ok = rec.status is Status.OPTIMAL
    return DosingCell(weight_kg=prob.weight_kg, baseline_ige_iu_per_ml=prob.baseline_ige_iu_per_ml,
                      status=rec.status.value, dose_mg=rec.dose_mg if ok else None,
                      interval_days=rec.interval_days if ok else None,
                      max_free_ige_ng_per_ml=rec.max_free_ige_ng_per_ml,
                      extrapolated=prob.extrapolates())
