"""Story: the late-dose tolerance printed on every answer is the last point of a 0.1-day grid
at which the concentration is still at or above the threshold. It is found in two short
vectorised steps; it equals, to the last bit, a scan of the whole 2,601-point grid (kept here
as the reference), over the whole range of patients, schedules and thresholds, including no
tolerance at all and the 260-day cap. The peak concentration, computed in the same pass,
equals the one computed on its own."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from optimizer.core.problem import (
    IntervalOptions,
    Patient,
    PKParameters,
    RecommendationProblem,
    ResponseParameters,
)
from optimizer.core.results import Status
from optimizer.exposure.pk import PKModel, steady_state_concentration_mg_per_l
from optimizer.score_target.interval_search import late_dose_tolerance_days, recommend_interval


def full_grid_tolerance(model: PKModel, dose_mg: float, interval_days: float,
                        threshold_conc_mg_per_l: float) -> float:
    """The reference: every point of the 0.1-day grid up to 260 days after the due date."""
    delays = np.arange(0.0, 260.0 + 0.05, 0.1)
    c = steady_state_concentration_mg_per_l(model, dose_mg, interval_days,
                                            interval_days + delays)
    below = np.flatnonzero(c < threshold_conc_mg_per_l)
    if below.size == 0:
        return 260.0
    first = int(below[0])
    return 0.0 if first == 0 else round(float(delays[first - 1]), 1)


@settings(max_examples=300, deadline=None)
@given(half_life_days=st.floats(5.0, 60.0), tmax_ratio=st.floats(0.05, 0.9),
       weight_kg=st.floats(10.0, 200.0), dose_mg=st.floats(1.0, 2400.0),
       interval_days=st.integers(1, 365), threshold_fraction=st.floats(1e-4, 1.5))
@example(half_life_days=26.0, tmax_ratio=0.2, weight_kg=30.0, dose_mg=300.0,
         interval_days=28, threshold_fraction=1e-6)      # still above at 260 days: the cap
@example(half_life_days=26.0, tmax_ratio=0.2, weight_kg=30.0, dose_mg=300.0,
         interval_days=28, threshold_fraction=1.0)       # the trough itself: no tolerance
def test_two_step_search_equals_the_full_grid(half_life_days: float, tmax_ratio: float,
                                              weight_kg: float, dose_mg: float,
                                              interval_days: int,
                                              threshold_fraction: float) -> None:
    pk = PKParameters(half_life_days=half_life_days,
                      tmax_days=tmax_ratio * half_life_days / np.log(2.0))
    model = PKModel.from_parameters(pk, weight_kg)
    trough = float(steady_state_concentration_mg_per_l(model, dose_mg, interval_days, 0.0))
    threshold = trough * threshold_fraction
    expected = full_grid_tolerance(model, dose_mg, interval_days, threshold)
    assert late_dose_tolerance_days(model, dose_mg, interval_days, threshold) == expected


@pytest.mark.parametrize("delay_days", [0.1, 5.1, 5.2, 5.3, 10.4, 259.9])
def test_thresholds_on_grid_points_and_on_coarse_boundaries(delay_days: float) -> None:
    """A threshold equal to the concentration at a grid point (coarse points every 5.2 days
    and their neighbours) keeps that point: "at or above" the threshold counts."""
    model = PKModel.from_parameters(PKParameters(), 30.0)
    delays = np.arange(0.0, 260.0 + 0.05, 0.1)
    at = int(round(delay_days * 10))
    threshold = float(steady_state_concentration_mg_per_l(model, 300.0, 28, 28 + delays)[at])
    got = late_dose_tolerance_days(model, 300.0, 28, threshold)
    assert got == full_grid_tolerance(model, 300.0, 28, threshold)
    assert got == pytest.approx(delays[at], abs=1e-9)


def peak_on_its_own(model: PKModel, dose_mg: float, interval_days: float) -> float:
    """The reference: the peak time in closed form, then one evaluation at that time."""
    ke, ka = model.ke_per_day, model.ka_per_day
    t_peak = math.log(ka * -math.expm1(-ke * interval_days)
                      / (ke * -math.expm1(-ka * interval_days))) / (ka - ke)
    t_peak = min(max(t_peak, 0.0), interval_days)
    return float(steady_state_concentration_mg_per_l(model, dose_mg, interval_days, t_peak))


@settings(max_examples=100, deadline=None)
@given(half_life_days=st.floats(5.0, 60.0), weight_kg=st.floats(10.0, 200.0),
       max_days=st.integers(14, 200), ec50=st.floats(5.0, 200.0), threshold=st.floats(0.5, 6.0),
       doses=st.lists(st.sampled_from([75.0, 150.0, 225.0, 300.0, 450.0, 600.0]), min_size=1,
                      max_size=4, unique=True))
def test_answer_peak_and_tolerance_equal_their_references(
        half_life_days: float, weight_kg: float, max_days: int, ec50: float, threshold: float,
        doses: list[float]) -> None:
    problem = RecommendationProblem(
        patient=Patient(weight_kg=weight_kg), pk=PKParameters(half_life_days=half_life_days,
                                                              tmax_days=2.0),
        response=ResponseParameters(ec50_mg_per_l=ec50), threshold_score=threshold,
        dose_options_mg=tuple(doses), interval_options=IntervalOptions(7, max_days, 1))
    rec = recommend_interval(problem)
    if rec.status is Status.INFEASIBLE:
        assert rec.peak_conc_mg_per_l is None and rec.late_dose_tolerance_days is None
        return
    assert rec.interval_days is not None and rec.dose_mg is not None
    model = PKModel.from_parameters(problem.pk, weight_kg)
    tau = float(rec.interval_days)
    assert rec.peak_conc_mg_per_l == peak_on_its_own(model, rec.dose_mg, tau)
    assert rec.late_dose_tolerance_days == full_grid_tolerance(
        model, rec.dose_mg, tau, rec.threshold_conc_mg_per_l)
