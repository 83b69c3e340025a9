"""Compile a parametric Pyomo model once; refill its numbers per question.

Pyomo states the formulation. Walking its expressions and handing them to a solver costs
milliseconds per solve, most of the time of a small question, although only the *numbers*
change from one question to the next. A :class:`CompiledLinearModel` walks the model once
(``generate_standard_repn`` with ``compute_values=False``), remembering for every matrix entry
and objective coefficient whether it is a constant or a mutable ``Param`` entry. A new question
then only fills numpy arrays with its parameter values; :func:`optimizer.solve.highs.solve_compiled`
hands them to HiGHS directly.

Supported: linear constraints and objective, bounds constant, coefficients either numbers or
single entries of mutable Params (anything else raises ``ValueError`` at compile time, so an
unsupported model cannot compile silently wrong). Tests check that the compiled path and the
plain Pyomo path give the same answers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo
from numpy.typing import NDArray
from pyomo.core.base.param import ParamData
from pyomo.repn import generate_standard_repn

__all__ = ["CompiledLinearModel", "ParamSlots", "compile_model"]

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class ParamSlots:
    """Where one Param's entries go: ``target[positions] = values[param_index]``."""

    positions: IntArray
    param_index: IntArray


def _empty_slots() -> dict[str, tuple[list[int], list[int]]]:
    return {}


@dataclass(frozen=True)
class CompiledLinearModel:
    """Row-wise sparse matrix, bounds and costs, with parameter slots to fill per question."""

    n_col: int
    n_row: int
    maximize: bool
    col_lower: FloatArray
    col_upper: FloatArray
    integrality: IntArray
    row_lower: FloatArray
    row_upper: FloatArray
    a_start: IntArray
    a_index: IntArray
    a_const: FloatArray
    a_params: dict[str, ParamSlots]
    cost_const: FloatArray
    cost_params: dict[str, ParamSlots]
    col_of: dict[str, int]

    def fill(self, data: dict[str, FloatArray]) -> tuple[FloatArray, FloatArray]:
        """Matrix values and costs for one question. ``data[name][i]`` is ``Param name[i]``."""
        a_value = self.a_const.copy()
        cost = self.cost_const.copy()
        for target, slots in ((a_value, self.a_params), (cost, self.cost_params)):
            for name, slot in slots.items():
                values = np.asarray(data[name], dtype=np.float64)
                target[slot.positions] = values[slot.param_index]
        return a_value, cost


def _param_key(coef: object) -> tuple[str, int] | None:
    if isinstance(coef, ParamData):
        index = coef.index()
        if not isinstance(index, int):
            raise ValueError(f"Param {coef.name}: only integer-indexed Params are supported")
        return coef.parent_component().local_name, index
    return None


def _coef(coef: object, position: int, const: list[float],
          slots: dict[str, tuple[list[int], list[int]]]) -> None:
    key = _param_key(coef)
    if key is not None:
        const.append(0.0)
        pos, idx = slots.setdefault(key[0], ([], []))
        pos.append(position)
        idx.append(key[1])
    elif isinstance(coef, (int, float)):
        const.append(float(coef))
    else:
        raise ValueError(f"unsupported coefficient {coef!s}: a number or a single Param entry")


def _slots(raw: dict[str, tuple[list[int], list[int]]]) -> dict[str, ParamSlots]:
    return {name: ParamSlots(np.asarray(p, dtype=np.int64), np.asarray(i, dtype=np.int64))
            for name, (p, i) in raw.items()}


def _bound(value: object, default: float) -> float:
    if value is None:
        return default
    return float(pyo.value(value))


def compile_model(model: pyo.ConcreteModel) -> CompiledLinearModel:
    """Walk ``model`` once into a :class:`CompiledLinearModel`."""
    variables = list(model.component_data_objects(pyo.Var, active=True, descend_into=True))
    col_of = {v.name: k for k, v in enumerate(variables)}
    col_lower = np.array([_bound(v.lb, -np.inf) for v in variables])
    col_upper = np.array([_bound(v.ub, np.inf) for v in variables])
    integrality = np.array([1 if v.is_integer() else 0 for v in variables], dtype=np.int64)
    a_start: list[int] = [0]
    a_index: list[int] = []
    a_const: list[float] = []
    a_raw: dict[str, tuple[list[int], list[int]]] = _empty_slots()
    row_lower: list[float] = []
    row_upper: list[float] = []
    for con in model.component_data_objects(pyo.Constraint, active=True, descend_into=True):
        repn = generate_standard_repn(con.body, compute_values=False, quadratic=False)
        if not repn.is_linear() or not isinstance(repn.constant, (int, float)):
            raise ValueError(f"constraint {con.name}: only linear rows with constant terms")
        for coef, var in zip(repn.linear_coefs, repn.linear_vars, strict=True):
            _coef(coef, len(a_index), a_const, a_raw)
            a_index.append(col_of[var.name])
        a_start.append(len(a_index))
        row_lower.append(_bound(con.lb, -np.inf) - float(repn.constant))
        row_upper.append(_bound(con.ub, np.inf) - float(repn.constant))
    objectives = list(model.component_data_objects(pyo.Objective, active=True))
    if len(objectives) != 1:
        raise ValueError("exactly one active objective is required")
    obj = objectives[0]
    repn = generate_standard_repn(obj.expr, compute_values=False, quadratic=False)
    cost_const = np.zeros(len(variables))
    cost_raw: dict[str, tuple[list[int], list[int]]] = _empty_slots()
    for coef, var in zip(repn.linear_coefs, repn.linear_vars, strict=True):
        col = col_of[var.name]
        tmp: list[float] = []
        key = _param_key(coef)
        _coef(coef, col, tmp, cost_raw)
        if key is None:
            cost_const[col] = tmp[0]
    return CompiledLinearModel(
        n_col=len(variables), n_row=len(row_lower), maximize=obj.sense == pyo.maximize,
        col_lower=col_lower, col_upper=col_upper, integrality=integrality,
        row_lower=np.array(row_lower), row_upper=np.array(row_upper),
        a_start=np.array(a_start, dtype=np.int64), a_index=np.array(a_index, dtype=np.int64),
        a_const=np.array(a_const), a_params=_slots(a_raw), cost_const=cost_const,
        cost_params=_slots(cost_raw), col_of=col_of)
