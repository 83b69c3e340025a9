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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo
from numpy.typing import NDArray

__all__ = ["ChanceModelData", "build_chance_model"]


@dataclass(frozen=True)
class ChanceModelData:
    """``ok[c, k]``: candidate ``c`` controls sample ``k``; ``rank[c]``: preference."""

    ok: NDArray[np.bool_]
    rank: NDArray[np.float64]
    required: int

    def __post_init__(self) -> None:
        if self.ok.ndim != 2 or self.ok.shape[0] != self.rank.size:
            raise ValueError("ok must be (candidates x samples) and rank one per candidate")


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
