"""Surrogate vs binding model: the report's curves are the two models' own, its figures match
brute force over those curves, the fit recovers known parameters and never makes the largest
difference worse, and bad input names its field."""

from __future__ import annotations

import csv
import io
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import simpson

from optimizer.core.problem import PKParameters
from optimizer.errors import InputError
from optimizer.exposure.pk import PKModel, concentration_mg_per_l
from optimizer.free_ige.binding import simulate_regimen
from optimizer.free_ige.params import NG_PER_ML_PER_IU, PARAMETER_SETS, individual_parameters
from optimizer.free_ige.surrogate_check import DEFAULT_PATIENTS, SurrogateCheck, surrogate_check
from optimizer.free_ige.surrogate_fit import fit_surrogate, fit_surrogate_to_curve

DOSE_DAYS = np.arange(0.0, 364.0, 28.0)  # 13 doses of 300 mg, written out independently
DOSES = np.full(DOSE_DAYS.size, 300.0)


@pytest.fixture(scope="module")
def report() -> SurrogateCheck:
    return surrogate_check()


def surrogate_auc(pk: PKParameters, weight_kg: float, end_day: float) -> float:
    """Closed-form integral of the surrogate from 0 to ``end_day``, dose by dose."""
    m = PKModel.from_parameters(pk, weight_kg)
    ke, ka = m.ke_per_day, m.ka_per_day
    total = 0.0
    for day, mg in zip(DOSE_DAYS, DOSES, strict=True):
        s = end_day - day
        total += mg * m.unit_scale * (-math.expm1(-ke * s) / ke + math.expm1(-ka * s) / ka)
    return total


def test_surrogate_curve_is_pk_modules_own(report: SurrogateCheck) -> None:
    assert report.t_days[0] == 0.0 and report.t_days[-1] == 364.0
    assert np.allclose(np.diff(report.t_days), 1.0 / 4.0, rtol=0, atol=1e-12)  # finer than daily
    for j, (w, _) in enumerate(DEFAULT_PATIENTS):
        own = concentration_mg_per_l(PKModel.from_parameters(PKParameters(), w), DOSE_DAYS,
                                     DOSES, report.t_days)
        np.testing.assert_allclose(report.surrogate_mg_per_l[:, j], own, rtol=1e-12, atol=0)


def test_surrogate_uses_the_pk_it_is_given() -> None:
    pk = PKParameters(half_life_days=20.0, tmax_days=5.0, apparent_volume_l_per_kg=0.1)
    r = surrogate_check([(60, 200)], horizon_days=56, pk=pk, steps_per_day=2)
    own = concentration_mg_per_l(PKModel.from_parameters(pk, 60), [0, 28], [300, 300], r.t_days)
    np.testing.assert_allclose(r.surrogate_mg_per_l[:, 0], own, rtol=1e-12, atol=0)


def test_binding_curve_is_simulate_regimens_own(report: SurrogateCheck) -> None:
    # one patient at a time (the report simulates all in one call), IgE converted here
    for j in (0, 4, 6):
        w, ige = DEFAULT_PATIENTS[j]
        p = individual_parameters(w, ige * NG_PER_ML_PER_IU, PARAMETER_SETS["hayashi2007"])
        own = simulate_regimen(p, 300.0, 28.0, 364.0, steps_per_day=4)
        np.testing.assert_array_equal(own.t_days, report.t_days)
        np.testing.assert_allclose(report.binding_mg_per_l[:, j], own.total_drug_mg_per_l[:, 0],
                                   rtol=1e-12, atol=0)


def check_against_brute_force(report: SurrogateCheck, from_day: float) -> None:
    t = report.t_days.tolist()
    overall = (-1.0, -1)
    for j, row in enumerate(report.patients):
        s, b = report.surrogate_mg_per_l[:, j].tolist(), report.binding_mg_per_l[:, j].tolist()
        best, best_day = -1.0, -1.0
        for ti, si, bi in zip(t, s, b, strict=True):
            if ti >= from_day and abs(si - bi) / bi > best:
                best, best_day = abs(si - bi) / bi, ti
        assert row.max_relative_difference == pytest.approx(best, rel=1e-14)
        assert row.day_of_max_relative_difference == best_day
        trough_days = [28.0 * k for k in range(1, 14) if 28.0 * k >= from_day]  # ... 364
        troughs = [abs(s[t.index(d)] - b[t.index(d)]) / b[t.index(d)] for d in trough_days]
        assert row.max_trough_relative_difference == pytest.approx(max(troughs), rel=1e-14)
        assert row.day_of_max_trough_relative_difference == trough_days[troughs.index(
            max(troughs))]
        # AUC: closed form for the surrogate, Simpson's rule for the binding curve; the
        # report uses the trapezoid rule at 1/8 day (measured 1.4e-5 relative)
        auc_s = surrogate_auc(PKParameters(), row.weight_kg, 364.0)
        assert row.auc_surrogate_mg_day_per_l == pytest.approx(auc_s, rel=1e-4)
        assert row.auc_ratio == pytest.approx(auc_s / simpson(b, x=t), rel=1e-4)
        if best > overall[0]:
            overall = (best, j)
    assert report.max_relative_difference == pytest.approx(overall[0], rel=1e-14)
    assert report.worst_patient_index == overall[1]


def test_figures_equal_brute_force_over_the_curves(report: SurrogateCheck) -> None:
    check_against_brute_force(report, 7.0)


def test_from_day_moves_the_window() -> None:
    # (20 kg, 30 IU/mL) differs most on day 11.4 and at the day-28 trough (see the default
    # report): both are left out when counting from day 30
    report = surrogate_check([(20, 30), (120, 1000)], from_day=30)
    check_against_brute_force(report, 30.0)
    assert report.patients[0].day_of_max_relative_difference >= 30.0
    assert report.patients[0].day_of_max_trough_relative_difference == 56.0


def test_first_days_excluded_and_outside_range_flagged(report: SurrogateCheck) -> None:
    assert all(p.day_of_max_relative_difference >= 7.0 for p in report.patients)
    assert report.patients[0].day_of_max_relative_difference < 28.0
    flags = [p.outside_studied_range for p in report.patients]
    # hayashi2007 data: 42-101 kg, 53-2143 ng/mL = 21.9-885.5 IU/mL
    assert flags == [True, True, False, False, True, False, True]


def test_json_and_csv_outputs(report: SurrogateCheck) -> None:
    d = json.loads(json.dumps(report.to_dict()))
    assert d["worst_weight_kg"] == report.worst.weight_kg
    assert d["regimen"] == {"dose_mg": 300.0, "interval_days": 28.0, "horizon_days": 364.0,
                            "parameter_set": "hayashi2007", "from_day": 7.0, "steps_per_day": 4}
    assert "t_days" not in d
    curves = json.loads(json.dumps(surrogate_check([(50, 100)], horizon_days=28,
                                                   steps_per_day=1).to_dict(True)))
    assert len(curves["t_days"]) == 29 and len(curves["binding_mg_per_l"][0]) == 29
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(report.rows()[0]))
    writer.writeheader()
    writer.writerows(report.rows())
    back = list(csv.DictReader(io.StringIO(buf.getvalue())))
    assert [float(r["auc_ratio"]) for r in back] == [p.auc_ratio for p in report.patients]


@settings(max_examples=12, deadline=None)
@given(half_life=st.floats(8.0, 80.0), volume=st.floats(0.02, 0.5), weight=st.floats(20, 120))
def test_fit_recovers_surrogate_generated_parameters(half_life: float, volume: float,
                                                     weight: float) -> None:
    truth = PKParameters(half_life_days=half_life, apparent_volume_l_per_kg=volume)
    t = np.arange(0.0, 364.25, 0.25)
    conc = concentration_mg_per_l(PKModel.from_parameters(truth, weight), DOSE_DAYS, DOSES, t)
    fit = fit_surrogate_to_curve(t, conc, weight_kg=weight, dose_days=DOSE_DAYS,
                                 doses_mg=DOSES)
    assert fit.converged and not fit.at_bound
    assert fit.half_life_days == pytest.approx(half_life, rel=1e-6)
    assert fit.apparent_volume_l_per_kg == pytest.approx(volume, rel=1e-6)
    assert fit.max_relative_difference_after < 1e-6
    assert fit.max_relative_difference_after <= fit.max_relative_difference_before


def sse(pk: PKParameters, weight: float, t: np.ndarray, ref: np.ndarray, days: np.ndarray
        ) -> float:
    c = concentration_mg_per_l(PKModel.from_parameters(pk, weight), days, np.full(days.size,
                                                                                  300.0), t)
    return float(np.sum((np.log(c) - np.log(ref)) ** 2))


@settings(max_examples=6, deadline=None)
@given(weight=st.floats(20, 120), ige=st.floats(30, 1000),
       parameter_set=st.sampled_from(["hayashi2007", "lowe2009"]))
def test_fit_to_binding_never_worsens_the_largest_difference(weight: float, ige: float,
                                                             parameter_set: str) -> None:
    f = fit_surrogate(weight, ige, horizon_days=112, parameter_set=parameter_set,
                      steps_per_day=4)
    fit = f.fit
    assert fit.converged
    assert fit.max_relative_difference_after <= fit.max_relative_difference_before
    # recomputed independently from the two models' own curves
    p = individual_parameters(weight, ige * NG_PER_ML_PER_IU, PARAMETER_SETS[parameter_set])
    prof = simulate_regimen(p, 300.0, 28.0, 112.0, steps_per_day=4)
    keep = prof.t_days >= 7.0
    t, ref, days = prof.t_days[keep], prof.total_drug_mg_per_l[keep, 0], DOSE_DAYS[:4]
    for pk, claimed in ((PKParameters(), fit.max_relative_difference_before),
                        (fit.pk, fit.max_relative_difference_after)):
        c = concentration_mg_per_l(PKModel.from_parameters(pk, weight), days,
                                   np.full(4, 300.0), t)
        assert float(np.max(np.abs(c - ref) / ref)) == pytest.approx(claimed, rel=1e-9)
    # a least-squares minimum: no 1 % step of either parameter lowers the sum of squares
    best = sse(fit.pk, weight, t, ref, days)
    for dh, dv in ((1.01, 1.0), (0.99, 1.0), (1.0, 1.01), (1.0, 0.99)):
        if fit.at_bound and dh < 1.0:
            continue  # t½ sits on its lower bound (tmax ln 2): below it is not allowed
        moved = PKParameters(half_life_days=fit.half_life_days * dh,
                             apparent_volume_l_per_kg=fit.apparent_volume_l_per_kg * dv)
        assert best <= sse(moved, weight, t, ref, days)


BAD_CHECKS: list[tuple[dict[str, object], str]] = [
    ({"patients": []}, "patients"),
    ({"patients": [(50, 100)] * 201}, "patients"),
    ({"patients": [(50, 100), (60, 100), (0.5, 100)]}, "patients[2].weight_kg"),
    ({"patients": [(50, 100), (60, 100), (301, 100)]}, "patients[2].weight_kg"),
    ({"patients": [(50, 100), (60, 0)]}, "patients[1].baseline_ige_iu_per_ml"),
    ({"patients": [(50, 100), (60, 10_001)]}, "patients[1].baseline_ige_iu_per_ml"),
    ({"patients": [(50, math.nan)]}, "patients[0].baseline_ige_iu_per_ml"),
    ({"patients": [(50,)]}, "patients[0]"),
    ({"horizon_days": 0}, "horizon_days"),
    ({"horizon_days": -5}, "horizon_days"),
    ({"horizon_days": 3651}, "horizon_days"),
    ({"horizon_days": math.inf}, "horizon_days"),
    ({"horizon_days": 14}, "horizon_days"),  # shorter than one interval: no trough
    ({"parameter_set": "smith2020"}, "parameter_set"),
    ({"interval_days": 0}, "interval_days"),
    ({"dose_mg": 0}, "dose_mg"),
    ({"from_day": 0}, "from_day"),
    ({"from_day": 365}, "from_day"),
    ({"steps_per_day": 0}, "steps_per_day"),
]


@pytest.mark.parametrize(("kwargs", "field"), BAD_CHECKS)
def test_bad_input_names_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as info:
        surrogate_check(**kwargs)  # type: ignore[arg-type]
    assert info.value.field == field


@pytest.mark.parametrize(("args", "kwargs", "field"), [
    ((0.5, 100), {}, "weight_kg"),
    ((70, 0), {}, "baseline_ige_iu_per_ml"),
    ((70, 100), {"horizon_days": 4000}, "horizon_days"),
    ((70, 100), {"parameter_set": "nope"}, "parameter_set"),
    ((70, 100), {"tmax_days": 0}, "tmax_days"),
])
def test_fit_bad_input_names_the_field(args: tuple[float, float], kwargs: dict[str, object],
                                       field: str) -> None:
    with pytest.raises(InputError) as info:
        fit_surrogate(*args, **kwargs)  # type: ignore[arg-type]
    assert info.value.field == field


def test_curve_fit_bad_input_names_the_field() -> None:
    t = np.arange(0.0, 29.0)
    with pytest.raises(InputError) as info:
        fit_surrogate_to_curve(t, t[:-1], weight_kg=50, dose_days=[0], doses_mg=[300])
    assert info.value.field == "conc_mg_per_l"
    with pytest.raises(InputError) as info:
        fit_surrogate_to_curve(t, t, weight_kg=50, dose_days=[10], doses_mg=[300])
    assert info.value.field == "from_day"
    with pytest.raises(InputError) as info:
        fit_surrogate_to_curve(t, t, weight_kg=50, dose_days=[0, 14], doses_mg=[300])
    assert info.value.field == "doses_mg"
