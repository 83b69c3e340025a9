"""Story: a dose is late or was missed; the clinician learns how long they have and how to
catch up. Checked against a fine-grid simulation of the same doses."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from optimizer.core.problem import PKParameters, ResponseParameters
from optimizer.exposure.pk import PKModel, concentration_mg_per_l
from optimizer.exposure.symptoms import threshold_concentration_mg_per_l
from optimizer.individual.history import DoseRecord, build_history
from optimizer.individual.missed import advise_missed_dose

PK = PKModel.from_parameters(PKParameters(), 30.0)
C_STAR = threshold_concentration_mg_per_l(ResponseParameters(), 2.0)
START = date(2020, 1, 6)


def hist(offsets: list[int], today: int):  # type: ignore[no-untyped-def]
    doses = [DoseRecord(START + timedelta(days=o), 300.0) for o in offsets]
    return build_history(doses, [], START + timedelta(days=today))


def first_day_below(days: np.ndarray, amounts: np.ndarray, start: float) -> float:
    t = np.arange(start, start + 200, 0.01)
    c = concentration_mg_per_l(PK, days, amounts, t)
    peak = int(np.argmax(c))
    below = np.flatnonzero(c[peak:] < C_STAR)
    return float(t[peak + below[0]])


def test_late_dose_tolerance_matches_a_fine_grid_simulation() -> None:
    h = hist([28 * k for k in range(8)], 28 * 7 + 10)
    advice = advise_missed_dose(h, PK, C_STAR, 28, (300.0,), 0)
    grid = first_day_below(h.dose_days, h.doses_mg, float(h.dose_days[-1]))
    assert advice.symptoms_return_day == pytest.approx(grid, abs=0.02)
    assert advice.late_dose_tolerance_days == pytest.approx(grid - advice.next_due_day, abs=0.11)
    assert advice.late_dose_tolerance_days <= grid - advice.next_due_day  # never overstated
    assert not advice.overdue and advice.catch_up == ()


def test_a_past_missed_dose_is_found_with_its_predicted_return_of_symptoms() -> None:
    offsets = [0, 28, 56, 84, 112, 168, 196]           # the dose due on day 140 was missed
    h = hist(offsets, 200)
    advice = advise_missed_dose(h, PK, C_STAR, 28, (300.0,), 0)
    assert len(advice.past_missed) == 1
    due, back = advice.past_missed[0]
    assert due == 140 - 200
    days = np.array(offsets[:5], dtype=float) - 200
    assert back == pytest.approx(first_day_below(days, np.full(5, 300.0), days[-1]), abs=0.02)


def test_overdue_patient_gets_the_best_catch_up_by_brute_force() -> None:
    h = hist([28 * k for k in range(6)], 28 * 5 + 50)   # 50 days since the last dose
    options = (150.0, 300.0, 450.0)
    advice = advise_missed_dose(h, PK, C_STAR, 28, options, 2)
    assert advice.overdue and advice.catch_up_day == 2
    recovery = {}
    for d in options:
        t = np.arange(2, 122, dtype=float)
        c = concentration_mg_per_l(PK, np.r_[h.dose_days, 2.0], np.r_[h.doses_mg, d], t)
        ok = np.flatnonzero(c >= C_STAR)
        recovery[d] = int(t[ok[0]]) if ok.size else None
    assert {o.dose_mg: o.recovery_day for o in advice.catch_up} == recovery
    reachable = [d for d in options if recovery[d] is not None]
    earliest = min(recovery[d] for d in reachable)  # type: ignore[type-var]
    assert advice.best_catch_up is not None
    assert advice.best_catch_up.recovery_day == earliest


def gaps_of(offsets: list[int]) -> list[str]:
    from optimizer.individual.missed import classify_gaps

    return [kind for kind, _ in classify_gaps(np.array(offsets, dtype=float))]


def scored_hist(offsets: list[int], today: int, score_days: list[int], score: float = 0.0):  # type: ignore[no-untyped-def]
    from optimizer.individual.history import Observation

    doses = [DoseRecord(START + timedelta(days=o), 300.0) for o in offsets]
    obs = [Observation(START + timedelta(days=d), score=score) for d in score_days]
    return build_history(doses, obs, START + timedelta(days=today))


def test_a_deliberate_lengthening_is_a_new_schedule_not_missed_doses() -> None:
    offsets = [28 * k for k in range(6)] + [140 + 56 * k for k in range(1, 8)]  # q4w then q8w
    assert gaps_of(offsets) == ["regular"] * 5 + ["schedule_change"] + ["regular"] * 6
    h = scored_hist(offsets, offsets[-1] + 10, [o - 1 for o in offsets[1:]])
    advice = advise_missed_dose(h, PK, C_STAR, 56, (300.0,), 0)
    assert advice.past_missed == ()
    from optimizer.individual.missed import schedule_interval_days

    assert schedule_interval_days(h, 28) == 56


def test_a_shortening_is_never_a_missed_dose() -> None:
    offsets = [56 * k for k in range(5)] + [224 + 28 * k for k in range(1, 6)]  # q8w then q4w
    assert "missed" not in gaps_of(offsets)
    advice = advise_missed_dose(hist(offsets, offsets[-1] + 5), PK, C_STAR, 28, (300.0,), 0)
    assert advice.past_missed == ()


def test_one_missed_dose_among_regular_gaps_is_one_missed_dose() -> None:
    offsets = [0, 28, 56, 84, 140, 168, 196]
    assert gaps_of(offsets) == ["regular"] * 3 + ["missed"] + ["regular"] * 2
    advice = advise_missed_dose(hist(offsets, 200), PK, C_STAR, 28, (300.0,), 0)
    assert [d for d, _ in advice.past_missed] == [112 - 200]


def test_two_missed_doses_in_a_row_are_two_due_dates_with_one_return_of_symptoms() -> None:
    offsets = [0, 28, 56, 84, 168, 196, 224]          # doses due on 112 and 140 not given
    assert gaps_of(offsets) == ["regular"] * 3 + ["missed"] + ["regular"] * 2
    advice = advise_missed_dose(hist(offsets, 230), PK, C_STAR, 28, (300.0,), 0)
    assert [d for d, _ in advice.past_missed] == [112 - 230, 140 - 230]
    backs = {b for _, b in advice.past_missed}
    assert len(backs) == 1 and None not in backs
    days = np.array(offsets[:4], dtype=float) - 230
    (back,) = backs
    assert back == pytest.approx(first_day_below(days, np.full(4, 300.0), days[-1]), abs=0.02)


def test_a_score_of_0_after_the_gap_rules_out_the_predicted_return() -> None:
    offsets = [0, 28, 56, 84, 140, 168, 196]
    plain = advise_missed_dose(hist(offsets, 200), PK, C_STAR, 28, (300.0,), 0)
    (_, back), = plain.past_missed
    assert back is not None
    seen = scored_hist(offsets, 200, [139])               # score 0 the day before the dose
    (_, ruled_out), = advise_missed_dose(seen, PK, C_STAR, 28, (300.0,), 0).past_missed
    assert ruled_out is None
    early = scored_hist(offsets, 200, [int(back) + 200 - 3])  # a 0 before the predicted day
    (_, kept), = advise_missed_dose(early, PK, C_STAR, 28, (300.0,), 0).past_missed
    assert kept == pytest.approx(back)
