"""Story: a clinician enters a patient's dated doses and scores; mistakes are named precisely."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from optimizer.core.problem import PKParameters
from optimizer.errors import InputError
from optimizer.exposure.pk import PKModel, single_dose_concentration_mg_per_l
from optimizer.individual.history import (
    LISTED_DATES,
    DoseRecord,
    Observation,
    build_history,
    contradicting_observations,
    regular_interval_days,
)
from optimizer.individual.likelihood import ObservationBounds
from optimizer.individual.priors import ZERO_BELOW_SCORE

D0 = date(2020, 2, 3)


def doses(*offsets: int) -> list[DoseRecord]:
    return [DoseRecord(D0 + timedelta(days=o), 300.0) for o in offsets]


def test_days_are_counted_from_the_evaluation_date() -> None:
    h = build_history(doses(0, 28), [Observation(D0 + timedelta(days=35), score=1)],
                      D0 + timedelta(days=40))
    assert h.dose_days.tolist() == [-40.0, -12.0]
    assert h.observation_days.tolist() == [-5.0]


def test_default_evaluation_date_is_the_latest_entry() -> None:
    h = build_history(doses(0, 28), [Observation(D0 + timedelta(days=50), symptomatic=True)], None)
    assert h.evaluation_date == D0 + timedelta(days=50)


def test_history_concentration_is_the_sum_of_single_doses() -> None:
    h = build_history(doses(0, 28, 56), [], D0 + timedelta(days=70))
    pk = PKModel.from_parameters(PKParameters(), 30.0)
    t = np.array([-60.0, -20.0, 0.0, 30.0])
    by_hand = sum(single_dose_concentration_mg_per_l(pk, 300.0, t - d) for d in (-70, -42, -14))
    assert np.allclose(h.concentration_mg_per_l(pk, t), by_hand)


@pytest.mark.parametrize(("dose_offsets", "obs", "field"), [
    ((0, 28, 90), [], "history.doses[2].date"),          # after the evaluation date
    ((0, 28, 28), [], "history.doses[2].date"),          # duplicate
    ((0, 28, 14), [], "history.doses[2].date"),          # unsorted
    ((0,), [Observation(D0, score=11)], "history.observations[0].score"),
    ((0,), [Observation(D0, score=-1)], "history.observations[0].score"),
    ((0,), [Observation(D0)], "history.observations[0].score"),
    ((0,), [Observation(D0 + timedelta(days=5), score=1), Observation(D0, score=1)],
     "history.observations[1].date"),
])
def test_bad_history_names_the_field(dose_offsets: tuple[int, ...], obs: list[Observation],
                                     field: str) -> None:
    with pytest.raises(InputError) as err:
        build_history(doses(*dose_offsets), obs, D0 + timedelta(days=60))
    assert err.value.field == field


def test_dates_outside_the_accepted_range_are_refused() -> None:
    with pytest.raises(InputError) as err:
        build_history(doses(0), [], date(9999, 1, 1))
    assert err.value.field == "evaluation_date"


def test_current_schedule_ignores_a_missed_dose() -> None:
    h = build_history(doses(0, 28, 56, 112, 140, 175), [], D0 + timedelta(days=180))
    assert regular_interval_days(h, 28) == 35     # the latest regular interval, not the 56
    h2 = build_history(doses(0, 28, 84), [], D0 + timedelta(days=90))
    assert regular_interval_days(h2, 99) == 28
    assert regular_interval_days(build_history(doses(0), [], D0), 30) == 30


@given(marks=st.lists(st.tuples(st.none() | st.integers(0, 10).map(float)
                                | st.floats(0, 10, allow_nan=False),
                                st.none() | st.booleans()), min_size=1, max_size=15),
       cutoff=st.sampled_from([0.5, 1.0, 1.5, 2.0, 2.5, 9.0, 9.7]))
def test_a_score_and_a_yes_no_that_cannot_both_hold_are_reported_once(
        marks: list[tuple[float | None, bool | None]], cutoff: float) -> None:
    obs = [Observation(D0 + timedelta(days=7 * k), score=s, symptomatic=y)
           for k, (s, y) in enumerate(marks) if s is not None or y is not None]
    if not obs:
        return
    h = build_history(doses(0), obs, None)
    # the fit's own latent interval of each score: the yes/no contradicts it when the whole
    # interval lies on the other side of the cut-off
    arrays = ObservationBounds.of(h, ZERO_BELOW_SCORE)
    clash = [k for k, o in enumerate(obs) if o.score is not None and o.symptomatic is not None
             and (arrays.upper[k] <= cutoff if o.symptomatic else arrays.lower[k] >= cutoff)]
    found = contradicting_observations(h, cutoff, ZERO_BELOW_SCORE)
    assert len(found) == (1 if clash else 0)
    if clash:
        w = found[0]
        assert (w.code, w.field) == ("observation_contradiction",
                                     f"history.observations[{clash[0]}]")
        for k in clash[:LISTED_DATES]:
            assert obs[k].date.isoformat() in w.message
        assert w.message.startswith(f"{len(clash)} observation")


@pytest.mark.parametrize(("score", "symptomatic", "contradicts"), [
    (0.0, True, True), (1.0, True, True), (2.0, True, False), (2.0, False, False),
    (3.0, False, True), (8.0, False, True), (8.0, True, False), (0.0, False, False)])
def test_which_marks_contradict_at_the_default_cutoff(score: float, symptomatic: bool,
                                                       contradicts: bool) -> None:
    """A recorded 2 stands for 1.5-2.5, so either answer to "above 2?" can be true."""
    h = build_history(doses(0), [Observation(D0, score=score, symptomatic=symptomatic)], None)
    assert bool(contradicting_observations(h, 2.0, ZERO_BELOW_SCORE)) is contradicts


def test_the_two_contradictions_named_in_the_story() -> None:
    obs = [Observation(D0 + timedelta(days=7), score=0.0, symptomatic=True),
           Observation(D0 + timedelta(days=14), score=8.0, symptomatic=False),
           Observation(D0 + timedelta(days=21), score=2.0, symptomatic=False),
           Observation(D0 + timedelta(days=28), score=3.0, symptomatic=True)]
    [w] = contradicting_observations(build_history(doses(0), obs, None), 2.0, ZERO_BELOW_SCORE)
    assert "2020-02-10 (score 0, symptomatic true)" in w.message
    assert "2020-02-17 (score 8, symptomatic false)" in w.message
    assert "2020-02-24" not in w.message and "2020-03-02" not in w.message
    assert "score was used" in w.message
