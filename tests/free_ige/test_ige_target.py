"""Story: the free-IgE target mode answers what a brute-force search answers, and refuses
questions it should not answer.

The brute force shares only the published parameters with the code under test: every
candidate is dosed from the untreated state with scipy's ``solve_ivp`` until its cycle stops
changing (``tests.free_ige.test_binding.reference_periodic``), its worst free IgE is read off a
dense
grid of the last cycle, and the choice (longest interval, then smallest dose, with worst free
IgE at or below the target) is made with plain loops. Both sides compute the worst free IgE to
about 1e-5 relative, so an example with a candidate within 1e-4 (relative) of the target is a
near-tie and is discarded.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

from optimizer.core.results import Status
from optimizer.errors import InputError
from optimizer.free_ige.params import PARAMETER_SETS, individual_parameters
from optimizer.free_ige.target import FreeIgEProblem, FreeIgERecommendation, recommend_free_ige
from tests.free_ige.binding_reference import IU, PeriodicReference, reference_periodic

Option = tuple[int, float]
TIE_REL = 1e-4
VALUE_REL = 1e-4
DOSE_SETS: tuple[tuple[float, ...], ...] = (
    (75.0, 150.0, 300.0, 600.0),
    (150.0, 225.0, 300.0, 375.0, 450.0),
    (75.0, 150.0, 225.0, 300.0, 375.0, 450.0, 525.0, 600.0),
)
INTERVAL_SETS: tuple[tuple[int, ...], ...] = ((14, 28), (7, 14, 28, 56), (28,))


def brute_force(problem: FreeIgEProblem) -> tuple[dict[Option, float], dict[Option, float]]:
    """Worst free IgE (ng/mL) and pre-dose total drug (mg/L) of every candidate."""
    options = [(tau, dose) for tau in sorted(set(problem.intervals_days))
               for dose in sorted(set(problem.doses_mg))]
    p = individual_parameters(problem.weight_kg, problem.baseline_ige_iu_per_ml * IU,
                              PARAMETER_SETS[problem.parameter_set], problem.ige_production)
    ref: PeriodicReference = reference_periodic(
        p.take(np.zeros(len(options), dtype=np.int64)),
        np.array([o[1] for o in options]), np.array([float(o[0]) for o in options]),
        change_tol=1e-8)
    peaks = dict(zip(options, ref.max_free_ige_ng_per_ml.tolist(), strict=True))
    troughs = dict(zip(options, ref.trough_total_drug_mg_per_l.tolist(), strict=True))
    return peaks, troughs


def choose_by_loops(peaks: dict[Option, float], target: float) -> Option | None:
    best: Option | None = None
    for tau, dose in peaks:
        if peaks[(tau, dose)] > target:
            continue
        if best is None or tau > best[0] or (tau == best[0] and dose < best[1]):
            best = (tau, dose)
    return best


def check_against_brute_force(problem: FreeIgEProblem, rec: FreeIgERecommendation,
                              peaks: dict[Option, float], troughs: dict[Option, float]) -> None:
    target = problem.target_ng_per_ml
    assert rec.candidates == len(peaks)
    assert rec.feasible_candidates == sum(v <= target for v in peaks.values())
    best = choose_by_loops(peaks, target)
    if best is None:
        closest = min(peaks, key=lambda o: peaks[o])
        assert rec.status is Status.INFEASIBLE
        assert rec.interval_days is None and rec.dose_mg is None
        assert rec.closest_option is not None
        assert (rec.closest_option.interval_days, rec.closest_option.dose_mg) == closest
        assert rec.closest_option.max_free_ige_ng_per_ml == pytest.approx(peaks[closest],
                                                                          rel=VALUE_REL)
        assert rec.max_free_ige_ng_per_ml == rec.closest_option.max_free_ige_ng_per_ml
        return
    assert rec.status is Status.OPTIMAL
    assert (rec.interval_days, rec.dose_mg) == best
    assert rec.closest_option is None
    assert rec.max_free_ige_ng_per_ml == pytest.approx(peaks[best], rel=VALUE_REL)
    assert rec.max_free_ige_ng_per_ml <= target
    assert rec.margin_ng_per_ml == pytest.approx(target - rec.max_free_ige_ng_per_ml)
    assert rec.trough_total_drug_mg_per_l == pytest.approx(troughs[best], rel=VALUE_REL)
    longer = sorted(t for t in {o[0] for o in peaks} if t > best[0])
    if not longer:
        assert rec.next_longer is None
        return
    assert rec.next_longer is not None
    nxt = (longer[0], max(o[1] for o in peaks))
    assert (rec.next_longer.interval_days, rec.next_longer.dose_mg) == nxt
    assert rec.next_longer.max_free_ige_ng_per_ml == pytest.approx(peaks[nxt], rel=VALUE_REL)
    assert rec.next_longer.max_free_ige_ng_per_ml > target


@st.composite
def free_ige_problems(draw: st.DrawFn) -> FreeIgEProblem:
    return FreeIgEProblem(
        weight_kg=draw(st.floats(20.0, 150.0)),
        baseline_ige_iu_per_ml=draw(st.floats(30.0, 1500.0)),
        target_ng_per_ml=draw(st.floats(10.0, 60.0)),
        doses_mg=draw(st.sampled_from(DOSE_SETS)),
        intervals_days=draw(st.sampled_from(INTERVAL_SETS)),
        parameter_set=draw(st.sampled_from(sorted(PARAMETER_SETS))),
    )


@settings(max_examples=12)
@given(problem=free_ige_problems())
def test_recommendation_equals_brute_force(problem: FreeIgEProblem) -> None:
    peaks, troughs = brute_force(problem)
    assume(all(abs(v / problem.target_ng_per_ml - 1.0) > TIE_REL for v in peaks.values()))
    rec = recommend_free_ige(problem)
    event(rec.status.value)
    check_against_brute_force(problem, rec, peaks, troughs)


def test_an_uncontrollable_patient_gets_infeasible_and_the_closest_option() -> None:
    """150 kg, 1500 IU/mL, at most 150 mg: no option brings free IgE to 10 ng/mL."""
    problem = FreeIgEProblem(weight_kg=150.0, baseline_ige_iu_per_ml=1500.0,
                             target_ng_per_ml=10.0, doses_mg=(75.0, 150.0),
                             intervals_days=(14, 28))
    peaks, troughs = brute_force(problem)
    assert min(peaks.values()) > 10.0 * (1.0 + TIE_REL)
    rec = recommend_free_ige(problem)
    assert rec.status is Status.INFEASIBLE and rec.feasible_candidates == 0
    check_against_brute_force(problem, rec, peaks, troughs)


def test_a_typical_patient_gets_the_brute_force_answer() -> None:
    """70 kg, 300 IU/mL, target 25 ng/mL, the default doses and intervals."""
    problem = FreeIgEProblem(weight_kg=70.0, baseline_ige_iu_per_ml=300.0)
    peaks, troughs = brute_force(problem)
    assert all(abs(v / 25.0 - 1.0) > TIE_REL for v in peaks.values())
    rec = recommend_free_ige(problem)
    assert rec.status is Status.OPTIMAL
    assert rec.warnings == ()
    check_against_brute_force(problem, rec, peaks, troughs)


# --- validation ------------------------------------------------------------------------------

GOOD: dict[str, Any] = {"weight_kg": 70.0, "baseline_ige_iu_per_ml": 300.0}
BAD_INPUTS: list[tuple[dict[str, Any], str]] = [
    ({"weight_kg": math.nan}, "patient.weight_kg"),
    ({"weight_kg": math.inf}, "patient.weight_kg"),
    ({"weight_kg": 0.5, "allow_extrapolation": True}, "patient.weight_kg"),
    ({"weight_kg": 301.0, "allow_extrapolation": True}, "patient.weight_kg"),
    ({"weight_kg": 19.99}, "patient.weight_kg"),
    ({"weight_kg": 150.01}, "patient.weight_kg"),
    ({"baseline_ige_iu_per_ml": 0.0, "allow_extrapolation": True},
     "patient.baseline_ige_iu_per_ml"),
    ({"baseline_ige_iu_per_ml": -5.0}, "patient.baseline_ige_iu_per_ml"),
    ({"baseline_ige_iu_per_ml": math.nan}, "patient.baseline_ige_iu_per_ml"),
    ({"baseline_ige_iu_per_ml": 10_001.0, "allow_extrapolation": True},
     "patient.baseline_ige_iu_per_ml"),
    ({"baseline_ige_iu_per_ml": 29.9}, "patient.baseline_ige_iu_per_ml"),
    ({"baseline_ige_iu_per_ml": 1500.1}, "patient.baseline_ige_iu_per_ml"),
    ({"target_ng_per_ml": 0.05}, "target.max_ng_per_ml"),
    ({"target_ng_per_ml": 1000.5}, "target.max_ng_per_ml"),
    ({"target_ng_per_ml": math.nan}, "target.max_ng_per_ml"),
    ({"parameter_set": "hayashi"}, "target.parameter_set"),
    ({"parameter_set": ""}, "target.parameter_set"),
    ({"doses_mg": ()}, "dose_options_mg"),
    ({"doses_mg": (150.0, 0.5)}, "dose_options_mg"),
    ({"doses_mg": (150.0, 2401.0)}, "dose_options_mg"),
    ({"doses_mg": (math.nan,)}, "dose_options_mg"),
    ({"intervals_days": ()}, "interval_options_days"),
    ({"intervals_days": (0,)}, "interval_options_days"),
    ({"intervals_days": (14, 366)}, "interval_options_days"),
    ({"intervals_days": (14.5,)}, "interval_options_days"),
    ({"intervals_days": tuple(range(1, 366)), "doses_mg": tuple(range(1, 40)),
      "max_candidates": 10_000}, "interval_options_days"),
]


@pytest.mark.parametrize(("override", "field"), BAD_INPUTS)
def test_bad_input_names_its_field(override: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as err:
        FreeIgEProblem(**{**GOOD, **override})
    assert err.value.field == field
    assert str(err.value).startswith(f"{field}: ")


@pytest.mark.parametrize(("weight", "ige", "field", "words"), [
    (15.0, 300.0, "patient.weight_kg", "Weight 15 kg"),
    (160.0, 300.0, "patient.weight_kg", "Weight 160 kg"),
    (70.0, 20.0, "patient.baseline_ige_iu_per_ml", "Baseline IgE 20 IU/mL"),
    (70.0, 2500.0, "patient.baseline_ige_iu_per_ml", "Baseline IgE 2500 IU/mL"),
])
def test_outside_the_label_needs_allow_extrapolation_and_then_warns(
        weight: float, ige: float, field: str, words: str) -> None:
    with pytest.raises(InputError) as err:
        FreeIgEProblem(weight_kg=weight, baseline_ige_iu_per_ml=ige)
    assert err.value.field == field
    problem = FreeIgEProblem(weight_kg=weight, baseline_ige_iu_per_ml=ige,
                             allow_extrapolation=True)
    warnings = problem.warnings()
    assert any("Outside the approved dosing tables" in w.message for w in warnings)
    assert any(words in w.message for w in warnings)
    assert problem.extrapolates()


def test_label_edges_are_accepted_and_only_the_study_range_warns() -> None:
    inside = FreeIgEProblem(weight_kg=70.0, baseline_ige_iu_per_ml=300.0)
    assert inside.warnings() == [] and not inside.extrapolates()
    for weight, ige in [(20.0, 30.0), (150.0, 1500.0)]:
        edge = FreeIgEProblem(weight_kg=weight, baseline_ige_iu_per_ml=ige)
        warnings = edge.warnings()
        # Hayashi 2007 studied 42-101 kg: the label's edges extrapolate the model, not the label.
        assert edge.extrapolates() and warnings
        assert not any("Outside the approved dosing tables" in w.message for w in warnings)
    lowe = FreeIgEProblem(weight_kg=70.0, baseline_ige_iu_per_ml=300.0, parameter_set="lowe2009")
    assert not lowe.extrapolates()
    assert len(lowe.warnings()) == 1 and "lowe2009" in lowe.warnings()[0].message
    assert lowe.warnings()[0].code == "unverified_parameters"
