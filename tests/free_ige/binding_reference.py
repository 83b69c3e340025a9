"""Reference computations for the binding-model tests: a right-hand side written from the
module docstring, scipy's adaptive integrator, root bracketing and brute-force steady states.
They share nothing with optimizer/free_ige/binding.py but the published parameters."""

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce

import numpy as np
from hypothesis import strategies as st
from numpy.typing import NDArray
from scipy.integrate import solve_ivp

from optimizer.free_ige.params import (
    PARAMETER_SETS,
    IndividualBinding,
)

Array = NDArray[np.float64]
#: 1 mg of omalizumab (150 kDa = 150e3 ng/nmol) in nmol: 1e6 ng / 150e3 ng/nmol.
NMOL_PER_MG = 1.0e6 / 150.0e3
#: 1 nM of IgE (190 kDa) in ng/mL.
IGE_NG_PER_ML_PER_NM = 190.0
#: 1 nM of omalizumab in mg/L.
DRUG_MG_PER_L_PER_NM = 0.150
IU = 2.42  # ng/mL per IU/mL
SET_NAMES = sorted(PARAMETER_SETS)


# --- independent reference: the ODE written from the module docstring, solved by scipy -------

def reference_complex_nmol(x: Array, e: Array, p: IndividualBinding) -> Array:
    """Smaller root of Z**2 - (X + E + K) Z + X E = 0, K = KD V**2 / V_C, in textbook form."""
    kd = p.kd_nm * np.power(x / e, p.kd_ratio_exponent)
    s = x + e + kd * p.volume_l ** 2 / p.volume_complex_l
    return 0.5 * (s - np.sqrt(s * s - 4.0 * x * e))


def reference_rhs(p: IndividualBinding) -> Callable[[float, Array], Array]:
    """State ``[A (mg), X (nmol), E (nmol)]``, one block of ``n`` subjects each."""
    n = p.size

    def rhs(_: float, y: Array) -> Array:
        a, x, e = y[:n], y[n:2 * n], y[2 * n:]
        z = reference_complex_nmol(x, e, p)
        c_free_x, c_free_e = (x - z) / p.volume_l, (e - z) / p.volume_l
        c_complex = z / p.volume_complex_l
        absorbed = p.ka_per_day * a
        dx = absorbed * NMOL_PER_MG - p.cl_drug_l_per_day * c_free_x \
            - p.cl_complex_l_per_day * c_complex
        de = p.ige_production_nmol_per_day - p.cl_ige_l_per_day * c_free_e \
            - p.cl_complex_l_per_day * c_complex
        return np.concatenate([-absorbed, dx, de])

    return rhs


def reference_free_ige_ng_per_ml(x: Array, e: Array, p: IndividualBinding) -> Array:
    return (e - reference_complex_nmol(x, e, p)) / p.volume_l * IGE_NG_PER_ML_PER_NM


def reference_total_drug_mg_per_l(x: Array, e: Array, p: IndividualBinding) -> Array:
    z = reference_complex_nmol(x, e, p)
    return ((x - z) / p.volume_l + z / p.volume_complex_l) * DRUG_MG_PER_L_PER_NM


def untreated_state(p: IndividualBinding) -> Array:
    """No drug anywhere; IgE at production / clearance (concentration) in the volume."""
    e0 = p.ige_production_nmol_per_day / p.cl_ige_l_per_day * p.volume_l
    return np.concatenate([np.zeros(p.size), np.zeros(p.size), e0])


def reference_regimen(p: IndividualBinding, dose_mg: float, interval_days: float,
                      horizon_days: float, t_rows: Array, method: str = "DOP853"
                      ) -> Array:
    """States at ``t_rows`` (rows, shape ``(T, 3n)``): the integrator is stopped at every dose
    and restarted with the dose added to the depot; a row at a dose time is after the dose."""
    rhs = reference_rhs(p)
    n = p.size
    y = untreated_state(p)
    out = np.empty((t_rows.size, 3 * n))
    k = 0
    while k * interval_days < horizon_days - 1e-9:
        start, end = k * interval_days, min((k + 1) * interval_days, horizon_days)
        y = y.copy()
        y[:n] += dose_mg
        sol = solve_ivp(rhs, (start, end), y, method=method, rtol=1e-10, atol=1e-12,
                        dense_output=True)
        assert sol.success, sol.message
        last = end >= horizon_days - 1e-9
        rows = (t_rows >= start - 1e-9) & ((t_rows < end - 1e-9) | last)
        out[rows] = sol.sol(t_rows[rows]).T
        y = sol.y[:, -1]
        k += 1
    return out


@dataclass(frozen=True)
class PeriodicReference:
    """Brute-force periodic state of each column: worst free IgE over its cycle (ng/mL),
    total drug just before a dose (mg/L), and the days simulated to get there."""

    max_free_ige_ng_per_ml: Array
    trough_total_drug_mg_per_l: Array
    days_simulated: float


def _segment(rhs: Callable[[float, Array], Array], t: float, seg: float, y: Array,
             dense: bool) -> tuple[Array, Callable[[Array], Array]]:
    sol = solve_ivp(rhs, (t, t + seg), y, method="DOP853", rtol=1e-10, atol=1e-12,
                    dense_output=dense)
    assert sol.success, sol.message
    return sol.y[:, -1], sol.sol


def reference_periodic(p: IndividualBinding, dose_mg: Array, interval_days: Array,
                       change_tol: float = 1e-9, max_days: float = 5000.0,
                       grid_per_segment: int = 4001) -> PeriodicReference:
    """Dose every column from the untreated state until nothing changes any more.

    All columns share one integration: it stops every ``gcd`` of the (whole-day) intervals and
    doses the columns that are due. Every ``lcm`` period the states X and E are compared with
    the previous period; the run ends when no column moved by more than ``change_tol``
    (relative). The cycle maps contract (every perturbation decays), so what is left to move is
    of the order of the last change. A final period is integrated with dense output and each
    column's free IgE is maximised on a ``grid_per_segment`` grid per segment (both ends
    included: a dose time is a kink); at 28 days per segment the grid step is 0.007 day."""
    n = p.size
    ints = [int(v) for v in interval_days]
    seg = float(reduce(math.gcd, ints))
    period = reduce(lambda a, b: a * b // math.gcd(a, b), ints)
    tau = np.asarray(interval_days, dtype=np.float64)
    rhs = reference_rhs(p)
    y, t = untreated_state(p), 0.0

    def run_period(dense: bool) -> tuple[Array, list[tuple[float, Callable[[Array], Array]]]]:
        nonlocal y, t
        sols = []
        for _ in range(int(period / seg)):
            due = np.isclose(np.mod(t + 0.5 * seg, tau), 0.5 * seg)
            y = y.copy()
            y[:n] += np.where(due, dose_mg, 0.0)
            start = t
            y, sol = _segment(rhs, t, seg, y, dense)
            t += seg
            sols.append((start, sol))
        return y, sols

    previous = y.copy()
    while True:
        run_period(dense=False)
        moved = np.abs(y[n:] - previous[n:]) / np.abs(y[n:])
        previous = y.copy()
        if moved.max() <= change_tol:
            break
        assert t < max_days, f"no periodic state after {t} days (change {moved.max():.2e})"
    x_end, e_end = y[n:2 * n], y[2 * n:]
    trough = reference_total_drug_mg_per_l(x_end, e_end, p)
    _, sols = run_period(dense=True)
    peak = np.full(n, -np.inf)
    for start, sol in sols:
        grid = np.linspace(start, start + seg, grid_per_segment)
        states = sol(grid)
        free = reference_free_ige_ng_per_ml(states[n:2 * n].T, states[2 * n:].T, p)
        peak = np.maximum(peak, free.max(axis=0))
    return PeriodicReference(max_free_ige_ng_per_ml=peak, trough_total_drug_mg_per_l=trough,
                             days_simulated=t)


# --- 1. equilibrium ------------------------------------------------------------------------

log_amounts = st.floats(-6.0, 4.0).map(lambda v: 10.0 ** v)
