"""Story: a cost analyst compares schedules over virtual patients; the same seed gives the same
figures, and the share controlled converges to its exact value as the population grows."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

from optimizer.comparison.costs import DEFAULT_PRICES
from optimizer.comparison.population import (
    PopulationFigures,
    PopulationSpec,
    controlled_days,
    draw_patients,
    incremental_cost,
    population_figures,
)
from optimizer.comparison.schedules import ComparisonSetup, evaluate_schedule
from optimizer.core.problem import Patient, RecommendationProblem
from optimizer.core.regimen import parse_schedule
from optimizer.errors import InputError
from optimizer.exposure.pk import steady_state_trough_mg_per_l
from optimizer.exposure.symptoms import threshold_concentration_mg_per_l
from optimizer.schemas.comparison import ComparisonRequest
from optimizer.services.comparison import compare

SETUP = ComparisonSetup(problem=RecommendationProblem(patient=Patient(30.0)),
                        prices=DEFAULT_PRICES)
Q5W = parse_schedule("300 mg q5w")


def test_same_seed_same_patients_and_figures() -> None:
    a = draw_patients(PopulationSpec(n=500, seed=7), SETUP)
    b = draw_patients(PopulationSpec(n=500, seed=7), SETUP)
    c = draw_patients(PopulationSpec(n=500, seed=8), SETUP)
    assert np.array_equal(a.ke_per_day, b.ke_per_day)
    assert np.array_equal(controlled_days(a, SETUP, Q5W), controlled_days(b, SETUP, Q5W))
    assert not np.array_equal(a.ec50_mg_per_l, c.ec50_mg_per_l)


def test_without_variability_everyone_is_the_typical_patient() -> None:
    spec = PopulationSpec(n=50, weight_cv=0, clearance_cv=0, volume_cv=0, ec50_cv=0)
    patients = draw_patients(spec, SETUP)
    for text in ("300 mg q5w", "300 mg q6w"):
        single = evaluate_schedule(SETUP, parse_schedule(text), text)
        days = controlled_days(patients, SETUP, parse_schedule(text))
        assert np.all(days == 364 - single.days_above_threshold)


def _exact_share(ec50_cv: float) -> float:
    """EC50 alone varies: controlled at steady state iff trough >= C* ec50_i / ec50, i.e.
    log ec50_i <= log(ec50 trough / C*): a normal probability."""
    trough = float(steady_state_trough_mg_per_l(SETUP.pk_model, 300.0, 35))
    c_star = threshold_concentration_mg_per_l(SETUP.problem.response, 2.0)
    sd = math.sqrt(math.log1p(ec50_cv**2))
    return float(norm.cdf(math.log(trough / c_star) / sd))


def test_share_controlled_converges_to_the_exact_probability() -> None:
    exact = _exact_share(0.53)
    errors = []
    for n in (1_000, 10_000, 100_000):
        spec = PopulationSpec(n=n, seed=3, weight_cv=0, clearance_cv=0, volume_cv=0,
                              ec50_cv=0.53)
        days = controlled_days(draw_patients(spec, SETUP), SETUP, Q5W)
        share = float(np.mean(days == 364))
        se = math.sqrt(exact * (1 - exact) / n)
        assert abs(share - exact) < 4 * se
        errors.append(abs(share - exact))
    assert errors[-1] < 0.01


def test_more_variability_means_fewer_patients_controlled_on_a_stretched_schedule() -> None:
    shares = []
    for cv in (0.1, 0.5, 1.0):
        spec = PopulationSpec(n=4000, seed=1, ec50_cv=cv)
        days = controlled_days(draw_patients(spec, SETUP), SETUP, parse_schedule("300 mg q4w"))
        shares.append(float(np.mean(days == 364)))
    assert shares[0] > shares[1] > shares[2]


def test_cost_per_controlled_patient_year_by_hand() -> None:
    days = np.array([364, 364, 182, 0])  # mean 227.5 controlled days of 364
    fig = population_figures(days, horizon_cost=1000.0, horizon_days=364)
    assert fig.share_controlled == 0.5
    assert fig.mean_controlled_days == 227.5
    assert fig.cost_per_patient_year == 1000.0
    assert fig.cost_per_controlled_patient_year == pytest.approx(1000.0 / (227.5 / 364))
    none = population_figures(np.array([0, 0]), 1000.0, 364)
    assert none.cost_per_controlled_patient_year is None


def test_incremental_cost_per_controlled_patient_year_by_hand() -> None:
    ref = PopulationFigures(1.0, 364.0, 6000.0, 6000.0)
    cheaper = PopulationFigures(0.5, 273.0, 4000.0, 4000.0 / 0.75)
    # 2000 saved for a quarter of a controlled year lost: 8000 per controlled patient-year.
    assert incremental_cost(cheaper, ref, 364) == pytest.approx(8000.0)
    assert incremental_cost(ref, ref, 364) is None


def test_population_rows_come_with_the_comparison() -> None:
    request = ComparisonRequest.model_validate(
        {"patient": {"weight_kg": 30}, "schedules": ["300 mg q4w", "300 mg q8w"],
         "population": {"n": 300, "seed": 1}})
    q4w, q8w = compare(request).rows
    assert q4w.share_controlled is not None and q8w.share_controlled is not None
    assert q4w.share_controlled > q8w.share_controlled
    assert q4w.cost_per_patient_year == pytest.approx(q4w.total_cost)  # 364-day horizon
    assert q4w.incremental_cost_per_controlled_patient_year is None
    assert q8w.incremental_cost_per_controlled_patient_year is not None


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"n": 0}, "population.n"), ({"n": 100_001}, "population.n"),
    ({"seed": -1}, "population.seed"), ({"ec50_cv": 3.0}, "population.ec50_cv"),
])
def test_population_limits_name_the_field(kwargs: dict[str, int | float], field: str) -> None:
    with pytest.raises(InputError) as err:
        PopulationSpec(**kwargs)  # type: ignore[arg-type]
    assert err.value.field == field


def test_too_much_work_is_refused_naming_population_n() -> None:
    request = ComparisonRequest.model_validate(
        {"patient": {"weight_kg": 30}, "schedules": ["300 mg q4w"] * 3,
         "horizon_days": 3650, "population": {"n": 100_000}})
    with pytest.raises(InputError) as err:
        compare(request)
    assert err.value.field == "population.n"


@pytest.mark.parametrize(("variability", "log_sd"), [
    ("lowe2009", math.sqrt(0.162 + 0.0901 - 2 * 0.103)),          # Lowe 2009 Table 3
    ("hayashi2007", math.sqrt(math.log1p(0.203**2) + math.log1p(0.130**2))),  # Hayashi 2007
])
def test_half_life_spread_matches_the_cited_population_model(variability: str,
                                                             log_sd: float) -> None:
    spec = PopulationSpec.from_source(variability, n=40_000, seed=5, weight_cv=0.0)
    half_life = math.log(2) / draw_patients(spec, SETUP).ke_per_day
    for q in (0.05, 0.5, 0.95):
        expected = 26.0 * math.exp(norm.ppf(q) * log_sd)
        assert float(np.quantile(half_life, q)) == pytest.approx(expected, rel=0.015)
    # the label's SDs drawn independently (the earlier default) spread 2.4-2.8 times wider
    label = math.sqrt(math.log1p(0.46**2) + math.log1p(0.41**2))
    assert 2.4 < label / log_sd < 2.8


def test_weight_exponents_make_heavier_patients_clear_relatively_faster() -> None:
    spec = PopulationSpec.from_source("lowe2009", n=2000, seed=2, clearance_cv=0.0,
                                      volume_cv=0.0, ec50_cv=0.0)
    p = draw_patients(spec, SETUP)
    ratio = p.weight_kg / 30.0
    base_ke = math.log(2) / 26.0
    assert np.allclose(p.ke_per_day, base_ke * ratio ** (1.00 - 0.828), rtol=1e-12)
    assert np.allclose(p.volume_l, 0.078 * 30.0 * ratio ** 0.828, rtol=1e-12)


def test_comparison_reports_share_controlled_as_a_range_over_sourced_models() -> None:
    out = compare(ComparisonRequest.model_validate(
        {"patient": {"weight_kg": 30}, "schedules": ["300 mg q4w", "300 mg q6w"],
         "population": {"n": 400, "seed": 3}}))
    for row in out.rows:
        assert row.share_controlled_range is not None
        assert row.share_controlled_by_variability is not None
        low, high = row.share_controlled_range
        assert low <= high
        assert set(row.share_controlled_by_variability) == {"lowe2009", "hayashi2007"}
        assert row.share_controlled == row.share_controlled_by_variability["lowe2009"]


def test_given_cvs_make_a_custom_population_and_the_range_still_uses_the_sourced_models() -> None:
    request = ComparisonRequest.model_validate(
        {"patient": {"weight_kg": 30}, "schedules": ["300 mg q4w"],
         "population": {"n": 300, "clearance_cv": 0.46, "volume_cv": 0.41,
                        "clearance_volume_correlation": 0.0}})
    assert request.population is not None
    spec = request.population.to_domain()
    assert (spec.variability, spec.clearance_cv, spec.clearance_volume_correlation) == (
        "custom", 0.46, 0.0)
    assert spec.weight_exponent_clearance == 1.0          # exponents stay Lowe 2009's
    assert request.population.to_domain("hayashi2007").clearance_cv == 0.203
    row = compare(request).rows[0]
    assert row.share_controlled_by_variability is not None
    assert set(row.share_controlled_by_variability) == {"lowe2009", "hayashi2007"}
