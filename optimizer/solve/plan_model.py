"""Pyomo statement of the transition plan (rows documented in
:mod:`optimizer.solve.plan_program`), in small named steps.

The reference formulation: requests hand the same rows to HiGHS as arrays
(:func:`optimizer.solve.plan_program.plan_program`); tests check that both give the same plan.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyomo.environ as pyo

from optimizer.solve.plan_program import PlanModelData, Window

__all__ = ["PlanModelData", "build_plan_model"]


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
