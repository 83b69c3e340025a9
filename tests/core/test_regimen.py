"""Story: an analyst writes schedules as short text ("300 mg q4w") or as explicit doses, and
a typo is refused with a message naming the field."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from optimizer.core.regimen import DoseList, RegularSchedule, format_schedule, parse_schedule
from optimizer.errors import InputError


@pytest.mark.parametrize(("text", "dose_mg", "interval_days"), [
    ("300 mg q4w", 300, 28), ("300 mg q35d", 300, 35), ("150 mg q2w", 150, 14),
    ("  75MG Q1W ", 75, 7), ("450 mg q 6 w", 450, 42), ("112.5 mg q10d", 112.5, 10),
])
def test_text_form_reads_weeks_and_days(text: str, dose_mg: float, interval_days: int) -> None:
    s = parse_schedule(text)
    assert (s.dose_mg, s.interval_days) == (dose_mg, interval_days)


def test_text_form_writes_whole_weeks_as_weeks() -> None:
    assert format_schedule(RegularSchedule(300, 35)) == "300 mg q5w"
    assert format_schedule(RegularSchedule(300, 36)) == "300 mg q36d"
    assert parse_schedule("300 mg q35d").text == "300 mg q5w"


@given(dose=st.integers(1, 2400), tau=st.integers(1, 365))
def test_text_form_round_trips(dose: int, tau: int) -> None:
    s = RegularSchedule(float(dose), tau)
    assert parse_schedule(format_schedule(s)) == s


@pytest.mark.parametrize("text", ["lots", "300 q4w", "300 mg every 4 weeks", "300 mg q0w",
                                  "3000 mg q4w", "300 mg q53w", "0 mg q4w", "300 mg q4m", ""])
def test_unknown_text_is_refused_naming_the_field(text: str) -> None:
    with pytest.raises(InputError) as err:
        parse_schedule(text, "schedules[2]")
    assert err.value.field == "schedules[2]" and err.value.value == text
    assert "300 mg q4w" in err.value.allowed


def test_q4w_over_52_weeks_is_13_doses_on_days_0_to_336() -> None:
    s = parse_schedule("300 mg q4w")
    assert s.dose_days(364).tolist() == [28 * k for k in range(13)]
    assert s.dose_days(365).size == 14  # day 364 is inside [0, 365)
    assert s.dose_days(28).tolist() == [0]
    assert s.doses_mg(364).sum() == 3900


@given(tau=st.integers(1, 365), horizon=st.integers(1, 3650))
def test_dose_count_is_horizon_over_interval_rounded_up(tau: int, horizon: int) -> None:
    days = RegularSchedule(300.0, tau).dose_days(horizon)
    assert days.size == math.ceil(horizon / tau)
    assert days[0] == 0 and days[-1] < horizon


def test_start_date_gives_calendar_dates() -> None:
    s = parse_schedule("300 mg q5w", start_date=dt.date(2024, 1, 1))
    assert s.dose_dates(71) == [dt.date(2024, 1, 1), dt.date(2024, 2, 5), dt.date(2024, 3, 11)]
    with pytest.raises(InputError):
        parse_schedule("300 mg q5w").dose_dates(71)


def test_explicit_doses_are_sorted_and_cut_at_the_horizon() -> None:
    d = DoseList(((30, 150.0), (0, 300.0), (400, 300.0)), name="taper")
    assert d.dose_days(364).tolist() == [0, 30]
    assert d.doses_mg(364).tolist() == [300.0, 150.0]


@pytest.mark.parametrize(("doses", "field"), [
    (((0, 300.0), (0, 150.0)), "doses"), (((-1, 300.0),), "doses[0].day"),
    (((0, 0.5),), "doses[0].dose_mg"), ((), "doses"),
])
def test_bad_explicit_doses_name_the_entry(doses: tuple[tuple[int, float], ...],
                                           field: str) -> None:
    with pytest.raises(InputError) as err:
        DoseList(doses)
    assert err.value.field == field
