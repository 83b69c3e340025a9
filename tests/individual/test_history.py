"""Story: a clinician enters a patient's dated doses and scores; mistakes are named precisely."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from optimizer.core.problem import PKParameters
from optimizer.errors import InputError
from optimizer.exposure.pk import PKModel, single_dose_concentration_mg_per_l
from optimizer.individual.history import (
    DoseRecord,
    Observation,
    build_history,
    regular_interval_days,
)

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
