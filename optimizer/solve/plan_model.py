"""Pyomo model of the transition plan: one binary per clinic slot, in small named steps.

``y[s] = 1``: a dose is given on clinic slot ``s`` (day ``t_s`` from today). All numbers come
from numpy (:mod:`optimizer.individual.plan`); the rows are index lists::

    control[t]:  sum_{s : t_s < t} a[t, s] y[s] >= rhs[t]       checkpoint days t
    gap[g]:      sum_{s in clique g} y[s] <= 1                    doses >= min_gap apart
    cap[s]:      sum_{q in window} y[q] >= y[s]                   next dose within the target
    step[p]:     sum_{q in window} y[q] >= y[s] + y[r] - 1 - sum_{q between} y[q]
    anchor[p]:   sum_{q in window} y[q] >= y[r] - sum_{q before r} y[q]
    first:       sum_{q in window} y[q] >= 1                      next dose by the deadline
    cover[w]:    sum_{q in window w} y[q] >= 1                    every target-long window
    bound:       sum_s y[s] <= greedy count                       (a known feasible plan)

``control[t]`` is the concentration in units of the threshold concentration, so ``a`` and
``rhs`` are dimensionless. The objective counts injections, with a tie-break below one
injection that prefers later dates (symmetry breaking among plans with equal counts).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyomo.environ as pyo
from numpy.typing import NDArray

__all__ = ["PlanModelData", "build_plan_model"]

Window = tuple[int, ...]


@dataclass(frozen=True)
class PlanModelData:
    slot_days: NDArray[np.int64]
    control_a: NDArray[np.float64]  # (rows, slots)
    control_rhs: NDArray[np.float64]
    gap_cliques: tuple[Window, ...]
    caps: tuple[tuple[int, Window], ...]
    steps: tuple[tuple[int, int, Window, Window], ...]  # (s, r, between, window)
    anchors: tuple[tuple[int, Window, Window], ...]  # (r, before, window)
    first_window: Window | None
    covers: tuple[Window, ...]
    count_bound: int | None
    tie_break: NDArray[np.float64]


def add_sets(m: pyo.ConcreteModel, data: PlanModelData) -> None:
    m.S = pyo.RangeSet(0, data.slot_days.size - 1)
    m.T = pyo.RangeSet(0, data.control_rhs.size - 1)


def add_variables(m: pyo.ConcreteModel) -> None:
    m.y = pyo.Var(m.S, domain=pyo.Binary)


def _sum(m: pyo.ConcreteModel, idx: Window) -> Any:
    return pyo.quicksum(m.y[q] for q in idx)


def add_control(m: pyo.ConcreteModel, data: PlanModelData) -> None:
    a, rhs = data.control_a, data.control_rhs
    nz = [np.flatnonzero(a[t] > 0.0).tolist() for t in range(rhs.size)]
    m.control = pyo.Constraint(m.T, rule=lambda m, t: pyo.quicksum(
        float(a[t, s]) * m.y[s] for s in nz[t]) >= float(rhs[t]) if nz[t]
        else pyo.Constraint.Skip)  # unreachable: rows excluded before (optimizer.individual.plan)


def add_schedule_rules(m: pyo.ConcreteModel, data: PlanModelData) -> None:
    m.gap = pyo.Constraint(range(len(data.gap_cliques)),
                           rule=lambda m, g: _sum(m, data.gap_cliques[g]) <= 1)
    m.cap = pyo.Constraint(range(len(data.caps)), rule=lambda m, k: _sum(
        m, data.caps[k][1]) >= m.y[data.caps[k][0]])
    m.step = pyo.Constraint(range(len(data.steps)), rule=lambda m, k: _sum(
        m, data.steps[k][3]) >= m.y[data.steps[k][0]] + m.y[data.steps[k][1]] - 1
        - _sum(m, data.steps[k][2]))
    m.anchor = pyo.Constraint(range(len(data.anchors)), rule=lambda m, k: _sum(
        m, data.anchors[k][2]) >= m.y[data.anchors[k][0]] - _sum(m, data.anchors[k][1]))
    if data.first_window is not None:
        m.first = pyo.Constraint(expr=_sum(m, data.first_window) >= 1)
    m.cover = pyo.Constraint(range(len(data.covers)),
                             rule=lambda m, w: _sum(m, data.covers[w]) >= 1)
    if data.count_bound is not None:
        m.bound = pyo.Constraint(expr=pyo.quicksum(m.y[s] for s in m.S) <= data.count_bound)


def add_objective(m: pyo.ConcreteModel, data: PlanModelData) -> None:
    tie = data.tie_break.tolist()
    m.injections = pyo.Objective(expr=pyo.quicksum((1.0 + tie[s]) * m.y[s] for s in m.S),
                                 sense=pyo.minimize)


def build_plan_model(data: PlanModelData) -> pyo.ConcreteModel:
    """Sets, variables, constraints, objective: in that order."""
    m = pyo.ConcreteModel(name="transition_plan")
    add_sets(m, data)
    add_variables(m)
    add_control(m, data)
    add_schedule_rules(m, data)
    add_objective(m, data)
    return m
