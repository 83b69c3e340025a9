"""Pyomo model of the chance-constrained interval choice, in small named steps.

One binary ``x[c]`` per candidate ``c`` = (interval, dose), ordered by preference as in
:mod:`optimizer.solve.interval_model`, and one binary ``z[k]`` per parameter sample ``k``: "sample
``k``
is controlled by the chosen candidate". Rows (compact: one per sample, never one per time)::

    choose_one:  sum_c x[c] = 1
    cover[k]:    z[k] <= sum_{c : ok[c, k]} x[c]          for every sample k
    share:       sum_k z[k] >= required                    (required = ceil(p K))

``ok[c, k]`` (steady-state trough of candidate ``c`` at or above sample ``k``'s threshold
concentration) is computed in numpy. Because exactly one ``x`` is 1, ``cover[k]`` lets ``z[k]``
be 1 only when the chosen candidate controls sample ``k``; ``share`` asks for enough of them.
The objective maximises the candidate's rank (longest interval, then smallest dose).

This is the reference statement of the question; requests are answered by
:func:`optimizer.solve.chance.choose_by_share`, its exact reformulation without sample binaries
(this model branched at 800 samples x 11 candidates). Tests compare the two.
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo

from optimizer.solve.chance import ChanceModelData

__all__ = ["ChanceModelData", "build_chance_model"]


def add_sets(m: pyo.ConcreteModel, data: ChanceModelData) -> None:
    m.C = pyo.RangeSet(0, data.ok.shape[0] - 1)
    m.K = pyo.RangeSet(0, data.ok.shape[1] - 1)


def add_variables(m: pyo.ConcreteModel) -> None:
    m.x = pyo.Var(m.C, domain=pyo.Binary)
    m.z = pyo.Var(m.K, domain=pyo.Binary)


def add_constraints(m: pyo.ConcreteModel, data: ChanceModelData) -> None:
    controls = [np.flatnonzero(data.ok[:, k]).tolist() for k in range(data.ok.shape[1])]
    m.choose_one = pyo.Constraint(expr=pyo.quicksum(m.x[c] for c in m.C) == 1)
    m.cover = pyo.Constraint(
        m.K, rule=lambda m, k: m.z[k] <= pyo.quicksum(m.x[c] for c in controls[k])
        if controls[k] else m.z[k] <= 0)
    m.share = pyo.Constraint(expr=pyo.quicksum(m.z[k] for k in m.K) >= data.required)


def add_objective(m: pyo.ConcreteModel, data: ChanceModelData) -> None:
    rank = data.rank.tolist()
    m.preference = pyo.Objective(expr=pyo.quicksum(rank[c] * m.x[c] for c in m.C),
                                 sense=pyo.maximize)


def build_chance_model(data: ChanceModelData) -> pyo.ConcreteModel:
    """Sets, variables, constraints, objective: in that order."""
    m = pyo.ConcreteModel(name="longest_interval_with_probability")
    add_sets(m, data)
    add_variables(m)
    add_constraints(m, data)
    add_objective(m, data)
    return m
