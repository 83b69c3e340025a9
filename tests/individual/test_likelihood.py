"""Story: the fast likelihood of a long history gives the numbers the textbook formulas give,
in the bulk and far out in the tails, so a faster fit is the same fit."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import log_ndtr
from scipy.stats import norm

from optimizer.individual.likelihood import (
    DoseSums,
    log_interval_probability,
    log_tail_probability,
)

ROOT_2 = math.sqrt(2.0)


def reference_log_interval(a: float, b: float) -> float:
    """``log(Phi(b) - Phi(a))`` written out from ``log_ndtr``: the mirror image when the
    interval lies above the mean, so the larger tail is factored out."""
    if a > 0.0:
        a, b = -b, -a
    hi, lo = float(log_ndtr(b)), float(log_ndtr(a))
    return hi + math.log1p(-math.exp(lo - hi))


def log_density(x: float) -> float:
    return -0.5 * x * x - 0.5 * math.log(2.0 * math.pi)


ends = st.floats(-45.0, 45.0)
widths = st.floats(0.05, 40.0)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(ends, widths, st.sampled_from(["both", "no lower", "no upper"])),
                min_size=1, max_size=30))
def test_the_interval_probability_equals_log_ndtr_differences(
        cases: list[tuple[float, float, str]]) -> None:
    """Standardised intervals anywhere from 45 SDs below the mean to 45 above, open at either
    end or not: the log-probability and its derivative in the mean agree with the
    ``log_ndtr`` formula to 1e-10 relative (1e-13 absolute near a log-probability of 0)."""
    a = np.array([-math.inf if kind == "no lower" else lo for lo, _, kind in cases])
    b = np.array([math.inf if kind == "no upper" else lo + w for lo, w, kind in cases])
    log_p, dens = log_interval_probability(a / ROOT_2, b / ROOT_2, density=True)
    for k in range(a.size):
        ref = reference_log_interval(float(a[k]), float(b[k]))
        assert log_p[k] == pytest.approx(ref, rel=1e-10, abs=1e-13)
        ref_dens = (math.exp(log_density(float(a[k])) - ref)
                    - math.exp(log_density(float(b[k])) - ref))
        assert dens[k] == pytest.approx(ref_dens, rel=1e-9, abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-60.0, 60.0), min_size=1, max_size=30))
def test_the_one_sided_probability_equals_log_ndtr(z_list: list[float]) -> None:
    z = np.array(z_list)
    log_p, dens = log_tail_probability(z / ROOT_2, density=True)
    ref = log_ndtr(z)
    assert log_p == pytest.approx(ref, rel=1e-10, abs=1e-13)
    assert dens == pytest.approx(np.exp(-0.5 * z * z - 0.5 * math.log(2 * math.pi) - ref),
                                 rel=1e-9, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(st.floats(-8.0, 8.0), st.floats(0.2, 6.0))
def test_in_the_bulk_the_interval_probability_is_the_cdf_difference(lower: float,
                                                                    width: float) -> None:
    """Where plain CDF differences are accurate (within 8 SDs, no subtraction of two numbers
    near 1), they give the same probability."""
    log_p, _ = log_interval_probability(np.array([lower / ROOT_2]),
                                        np.array([(lower + width) / ROOT_2]))
    upper = lower + width
    plain = (norm.sf(lower) - norm.sf(upper) if lower > 0.0
             else norm.cdf(upper) - norm.cdf(lower))
    assert math.exp(log_p[0]) == pytest.approx(plain, rel=1e-12)


def test_far_tails_stay_finite_where_plain_differences_give_zero() -> None:
    """60 SDs out both tails underflow to 0 in double precision; the logarithm does not."""
    a, b = np.array([60.0, -61.0]), np.array([61.0, -60.0])
    log_p, _ = log_interval_probability(a / ROOT_2, b / ROOT_2)
    assert np.all(np.isfinite(log_p))
    assert log_p == pytest.approx([reference_log_interval(60.0, 61.0)] * 2, rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(dose_days=st.lists(st.integers(0, 6000), min_size=1, max_size=40, unique=True),
       obs_days=st.lists(st.integers(-30, 6100), min_size=1, max_size=30, unique=True),
       rates=st.lists(st.floats(1e-3, 3.0), min_size=1, max_size=4))
def test_the_dose_sums_of_a_long_history_with_fast_rates_equal_the_dense_sums(
        dose_days: list[int], obs_days: list[int], rates: list[float]) -> None:
    """Up to 16 years of doses at rates up to 3 per day (``exp(rate x days)`` far beyond the
    float range, so the running sums go block by block): the sums equal the dense
    observations x doses sums, observations in any order."""
    days = np.array(sorted(dose_days), dtype=np.float64)
    obs = np.array(obs_days, dtype=np.float64)
    amounts = np.linspace(75.0, 600.0, days.size)
    k = np.array(rates)[:, None]
    decay, lagged = DoseSums(days, amounts, obs).sums(k, with_lags=True)
    lag = obs[:, None] - days[None, :]
    weight = np.where(lag >= 0.0, amounts[None, :], 0.0)
    lag = np.maximum(lag, 0.0)
    dense = (weight * np.exp(-k[..., None] * lag)).sum(axis=2)
    dense_lagged = (weight * lag * np.exp(-k[..., None] * lag)).sum(axis=2)
    assert decay == pytest.approx(dense, rel=1e-10, abs=1e-300)
    assert lagged == pytest.approx(dense_lagged, rel=1e-9, abs=1e-300)
