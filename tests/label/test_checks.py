"""Story: every answer says where it leaves the label, its data or a safe margin; doses above the
label maximum or not made of syringes are refused unless the request allows them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from optimizer.errors import InputError
from optimizer.label.checks import (
    KNIFE_EDGE_LATE_DAYS,
    PLAUSIBLE_HALF_LIFE_DAYS,
    AnswerFacts,
    HistoryFacts,
    answer_warnings,
    check_request_doses,
    history_facts,
)
from optimizer.label.limits import label_limits


def codes(**kw: object) -> set[str]:
    base: dict[str, object] = {"label": "eu", "indication": None, "weight_kg": 60.0}
    return {w.code for w in answer_warnings(AnswerFacts(**{**base, **kw}))}  # type: ignore[arg-type]


def test_a_labelled_answer_has_no_warning() -> None:
    assert codes(dose_mg=300.0, interval_days=28, margin_score=1.0, threshold_score=2.0,
                 late_dose_tolerance_days=7.0, indication="asthma", age_years=30.0,
                 baseline_ige_iu_per_ml=150.0) == set()


@pytest.mark.parametrize(("facts", "code"), [
    ({"weight_kg": 8.0}, "weight_outside_label"),
    ({"weight_kg": 25.0, "label": "us"}, "weight_outside_label"),
    ({"age_years": 5.0}, "age_outside_label"),
    ({"age_years": 10.0, "indication": "csu"}, "age_outside_label"),
    ({"indication": "mastocytosis"}, "off_label_indication"),
    ({"baseline_ige_iu_per_ml": 1400.0, "weight_kg": 100.0}, "label_does_not_dose"),
    ({"dose_mg": 1200.0, "interval_days": 84}, "dose_above_label_max"),
    ({"dose_mg": 600.0, "interval_days": 10}, "dose_above_label_max"),
    ({"dose_mg": 450.0, "interval_days": 28, "label": "us"}, "dose_above_label_max"),
    ({"dose_mg": 100.0, "interval_days": 28}, "dose_not_syringe_sum"),
    ({"dose_mg": 300.0, "interval_days": 35}, "interval_longer_than_label"),
    ({"dose_mg": 300.0, "interval_days": 20, "margin_score": 0.004, "threshold_score": 2.0},
     "knife_edge"),
    ({"dose_mg": 300.0, "interval_days": 20, "late_dose_tolerance_days": 0.0}, "knife_edge"),
    ({"score_model_from_reference_case": True}, "population_calibration"),
])
def test_each_situation_gets_its_warning(facts: dict[str, object], code: str) -> None:
    assert code in codes(**facts)


def test_csu_is_not_weight_based_and_no_table_warning_is_given() -> None:
    assert codes(weight_kg=8.0, indication="csu") == set()


def test_history_warnings() -> None:
    def h(**kw: object) -> HistoryFacts:
        base: dict[str, object] = {"longest_controlled_interval_days": 35,
                                   "current_interval_days": 35,
                                   "loss_of_control_recorded": False,
                                   "fitted_half_life_days": 26.0}
        return HistoryFacts(**{**base, **kw})  # type: ignore[arg-type]

    assert codes(dose_mg=300.0, interval_days=35, history=h()) == {"interval_longer_than_label"}
    assert "extrapolated_interval" in codes(dose_mg=300.0, interval_days=42, history=h())
    assert "extrapolated_interval" in codes(
        dose_mg=300.0, interval_days=28, history=h(longest_controlled_interval_days=None))
    low, high = PLAUSIBLE_HALF_LIFE_DAYS
    assert "implausible_half_life" in codes(history=h(fitted_half_life_days=low - 0.5))
    assert "implausible_half_life" in codes(history=h(fitted_half_life_days=high + 0.5))
    assert "implausible_half_life" not in codes(history=h(fitted_half_life_days=26.0))
    assert "shorter_than_current_interval" in codes(dose_mg=300.0, interval_days=14,
                                                      history=h())
    assert "shorter_than_current_interval" not in codes(
        dose_mg=300.0, interval_days=14, history=h(loss_of_control_recorded=True))


def test_plausible_half_life_is_the_population_model_s_95_percent_range() -> None:
    assert PLAUSIBLE_HALF_LIFE_DAYS == (17, 40)
    assert KNIFE_EDGE_LATE_DAYS == 3.0


def test_history_facts_from_dated_doses_and_scores() -> None:
    doses = [0, 28, 56, 84, 119]                          # q4w, then one 5-week gap
    obs = [(d, False) for d in (27, 55, 83, 115, 140)]   # controlled at every trough seen
    f = history_facts(doses, obs, 26.0)
    assert f.longest_controlled_interval_days == 35 and f.current_interval_days == 35
    assert not f.loss_of_control_recorded
    # symptoms before the 5-week dose: that gap is not shown controlled, control was lost
    f = history_facts(doses, [*obs[:3], (115, True)], None)
    assert f.longest_controlled_interval_days == 28 and f.loss_of_control_recorded
    # a gap without an observation near its end shows nothing
    assert history_facts([0, 28], [(5, False)], None).longest_controlled_interval_days is None


def test_refusals_name_the_field_and_the_way_out() -> None:
    with pytest.raises(InputError, match=r"dose_options_mg\[1\].*allow_above_label_max"):
        check_request_doses([300.0, 1200.0], 14, "eu", allow_above_label_max=False,
                            allow_any_dose=False)
    with pytest.raises(InputError, match=r"interval_options_days.min"):
        check_request_doses([600.0], 7, "eu", allow_above_label_max=False,
                            allow_any_dose=False)
    with pytest.raises(InputError, match=r"dose_options_mg\[0\].*allow_any_dose"):
        check_request_doses([100.0], 14, "eu", allow_above_label_max=False,
                            allow_any_dose=False)
    with pytest.raises(InputError, match=r"at most 375 mg"):
        check_request_doses([450.0], 14, "us", allow_above_label_max=False,
                            allow_any_dose=False)
    check_request_doses([100.0, 1200.0], 7, "eu", allow_above_label_max=True,
                        allow_any_dose=True)


@given(dose=st.integers(1, 2400), min_days=st.integers(1, 84), label=st.sampled_from(["eu", "us"]))
def test_what_is_not_refused_is_within_the_label(dose: int, min_days: int, label: str) -> None:
    lim = label_limits(label)
    try:
        check_request_doses([float(dose)], min_days, label, allow_above_label_max=False,
                            allow_any_dose=False)
    except InputError:
        return
    assert dose % 75 == 0
    for interval in range(min_days, 85):
        assert not lim.above_max(float(dose), interval)


def test_days_since_the_last_record_count_doses_and_observations() -> None:
    facts = history_facts([0, 28, 56], [(60, False)], None, evaluation_day=100)
    assert facts.days_since_last_record == 40
    assert history_facts([0, 28, 56], [(20, False)], None, 100).days_since_last_record == 44
    assert history_facts([0, 28], [], None).days_since_last_record is None


@pytest.mark.parametrize(("late_days", "words"), [
    (0.0, "any delay of the next dose crosses the threshold"),
    (1.5, "a dose 1.5 days late crosses the threshold")])
def test_a_short_late_dose_tolerance_is_said_plainly_with_the_warnings_own_limit(
        late_days: float, words: str) -> None:
    out = answer_warnings(AnswerFacts(label="eu", indication="asthma", weight_kg=30,
                                      age_years=None, baseline_ige_iu_per_ml=None,
                                      dose_mg=300.0, interval_days=28, margin_score=None,
                                      threshold_score=None, late_dose_tolerance_days=late_days,
                                      history=None))
    edge = next(w for w in out if w.code == "knife_edge")
    assert words in edge.message and "(warning limit: 3 days)" in edge.message
