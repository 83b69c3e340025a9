"""Story: the PK surrogate reproduces the label's figures and its own closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from optimizer.core.problem import PKParameters
from optimizer.exposure.pk import (
    PKModel,
    absorption_rate_per_day,
    concentration_mg_per_l,
    regular_series_mg_per_l,
    single_dose_concentration_mg_per_l,
    steady_state_concentration_mg_per_l,
    steady_state_trough_mg_per_l,
    superposition_mg_per_l,
)

half_lives = st.floats(5.0, 60.0)
weights = st.floats(10.0, 150.0)


def model(t_half: float = 26.0, tmax: float = 7.5, weight: float = 30.0) -> PKModel:
    return PKModel.from_parameters(PKParameters(half_life_days=t_half, tmax_days=tmax), weight)


def test_label_defaults_give_ka_near_0_38_per_day() -> None:
    # DOMAIN: ka ~ 0.38/day for t1/2 = 26 d and tmax = 7.5 d.
    assert absorption_rate_per_day(26.0, 7.5) == pytest.approx(0.38, abs=0.005)


@given(t_half=half_lives, frac=st.floats(0.05, 0.9))
def test_single_dose_peaks_at_tmax(t_half: float, frac: float) -> None:
    tmax = frac * t_half / math.log(2.0)
    m = model(t_half, tmax)
    assert m.ka_per_day > m.ke_per_day
    t = np.linspace(0.0, 3 * tmax, 30001)
    c = single_dose_concentration_mg_per_l(m, 300.0, t)
    assert abs(t[int(np.argmax(c))] - tmax) <= 3 * tmax / 30000 + 1e-9


def test_volume_and_elimination_follow_the_contract() -> None:
    m = model(26.0, 7.5, 30.0)
    assert m.volume_l == pytest.approx(0.078 * 30.0)
    assert m.ke_per_day == pytest.approx(math.log(2) / 26.0)
    t = np.array([0.0, 5.0, 40.0])
    expected = 300.0 / m.volume_l * m.ka_per_day / (m.ka_per_day - m.ke_per_day) * (
        np.exp(-m.ke_per_day * t) - np.exp(-m.ka_per_day * t))
    np.testing.assert_allclose(single_dose_concentration_mg_per_l(m, 300.0, t), expected)


@given(t_half=half_lives, weight=weights, dose=st.floats(75.0, 600.0),
       tau=st.integers(7, 84), phase=st.floats(0.0, 1.0))
def test_superposition_of_many_doses_converges_to_steady_state_closed_form(
        t_half: float, weight: float, dose: float, tau: int, phase: float) -> None:
    m = model(t_half, 7.5 if t_half > 15 else t_half / 3, weight)
    n = int(60 * t_half / tau) + 2  # 60 half-lives of history: residual < 1e-15
    days = np.arange(n) * float(tau)
    t = days[-1] + phase * tau
    c_sum = concentration_mg_per_l(m, days, np.full(n, dose), t)
    c_ss = steady_state_concentration_mg_per_l(m, dose, tau, phase * tau)
    # Both sides are differences of exponentials on the scale of dose / volume: their float
    # error is absolute on that scale (a trough 16 half-lives after the dose is 1e-5 of it).
    assert float(c_sum) == pytest.approx(float(c_ss), rel=1e-9, abs=1e-12 * dose / m.volume_l)


def test_superposition_matches_a_numerical_ode_solution() -> None:
    m = model(26.0, 7.5, 30.0)
    dose_days = [0.0, 28.0, 56.0, 91.0]
    doses = [300.0, 300.0, 150.0, 450.0]

    def rhs(_: float, y: np.ndarray) -> list[float]:
        depot, central = y
        return [-m.ka_per_day * depot, m.ka_per_day * depot - m.ke_per_day * central]

    y = np.array([0.0, 0.0])
    t_out, c_out = [], []
    edges = [*dose_days, 150.0]
    for k, start in enumerate(dose_days):
        y = y + np.array([doses[k], 0.0])
        grid = np.linspace(start, edges[k + 1], 50)
        sol = solve_ivp(rhs, (start, edges[k + 1]), y, t_eval=grid, rtol=1e-11, atol=1e-11)
        t_out.extend(sol.t)
        c_out.extend(sol.y[1] / m.volume_l)
        y = sol.y[:, -1]
    c_sup = concentration_mg_per_l(m, dose_days, doses, np.array(t_out))
    np.testing.assert_allclose(c_sup, np.array(c_out), rtol=1e-7, atol=1e-8)


@given(t_half=half_lives, tau=st.integers(1, 120), dose=st.floats(75.0, 600.0))
def test_trough_is_the_minimum_of_the_steady_state_cycle(t_half: float, tau: int,
                                                         dose: float) -> None:
    m = model(t_half, min(7.5, t_half / 2), 30.0)
    t = np.linspace(0.0, tau, 4001)
    c = steady_state_concentration_mg_per_l(m, dose, tau, t)
    trough = float(steady_state_trough_mg_per_l(m, dose, tau))
    tol = 1e-12 * float(c.max())  # round-off of the closed form, relative to the peak
    assert abs(trough - float(c[-1])) <= tol
    assert float(c.min()) >= trough - tol


def test_no_concentration_before_the_first_dose() -> None:
    m = model()
    assert float(concentration_mg_per_l(m, [10.0], [300.0], 5.0)) == 0.0
    assert float(concentration_mg_per_l(m, [], [], 5.0)) == 0.0


@settings(max_examples=60)
@given(tau=st.floats(1.0, 60.0), first=st.floats(0.0, 30.0), n=st.integers(1, 300),
       half_life=st.floats(5.0, 60.0), tmax=st.floats(0.5, 6.0))
def test_regular_series_equals_the_superposition_of_its_doses(
        tau: float, first: float, n: int, half_life: float, tmax: float) -> None:
    ke = math.log(2.0) / half_life
    ka = absorption_rate_per_day(half_life, tmax)
    t = np.linspace(0.0, first + tau * (n + 2), 801)
    days = first + tau * np.arange(n)
    closed = regular_series_mg_per_l(ke, ka, 4.0, 150.0, tau, first, n, t)
    summed = superposition_mg_per_l(ke, ka, 4.0, days, np.full(n, 150.0), t)
    np.testing.assert_allclose(closed, summed, rtol=1e-9, atol=1e-12 * summed.max())
    assert np.all(closed[t < first] == 0.0)


@settings(max_examples=200, deadline=None)
@given(half_life_days=st.floats(0.5, 120.0), share=st.floats(0.005, 0.995))
def test_absorption_rate_puts_the_peak_at_tmax_like_a_library_root_finder(
        half_life_days: float, share: float) -> None:
    from scipy.optimize import brentq

    ke = math.log(2.0) / half_life_days
    tmax_days = share / ke
    ka = absorption_rate_per_day.__wrapped__(half_life_days, tmax_days)
    assert ka > ke
    assert math.isclose(math.log(ka / ke) / (ka - ke), tmax_days, rel_tol=1e-9)

    def gap(k: float) -> float:
        return math.log(k / ke) / (k - ke) - tmax_days

    high = ke * 2.0
    while gap(high) > 0.0:
        high *= 2.0
    reference = brentq(gap, ke * (1.0 + 1e-9), high, xtol=1e-14, rtol=1e-14, maxiter=500)
    assert math.isclose(ka, reference, rel_tol=1e-11)
