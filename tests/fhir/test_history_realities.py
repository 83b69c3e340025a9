"""Story: a clinic pastes an EHR export into a request: a 300 mg dose recorded as two 150 mg
administrations, time-stamped with a zone, a dose in grams. The answer is the one for the
hand-typed history, and says what it merged; an entry out of range names itself."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from api.main import app
from optimizer.schemas.history import HistoryIn, calendar_date

client = TestClient(app)

BASE: dict[str, Any] = {
    "patient": {"weight_kg": 30},
    "history": {"doses": [{"date": d, "dose_mg": 300} for d in
                          ("2020-01-06", "2020-02-03", "2020-03-02", "2020-03-30")],
                "observations": [{"date": "2020-03-02", "score": 0},
                                 {"date": "2020-03-30", "score": 0},
                                 {"date": "2020-04-20", "score": 2}]},
    "evaluation_date": "2020-04-20", "samples": 50,
    "interval_options_days": {"min": 14, "max": 84, "step": 7},
}
#: Fields that measure the run, not the answer.
RUN_FIELDS = ("timings_ms", "solver", "warnings", "id")


def answer(body: dict[str, Any]) -> dict[str, Any]:
    r = client.post("/v1/recommendations", json=body)
    assert r.status_code == 200, r.text
    return r.json()


def answer_fields(body: dict[str, Any]) -> dict[str, Any]:
    """The answer without what measures the run (times, solver, audit id) and the warnings
    (compared on their own where they should match)."""
    out = {k: v for k, v in body.items() if k not in RUN_FIELDS}
    if out.get("plan"):
        out["plan"] = {k: v for k, v in out["plan"].items() if k != "solve_ms"}
    return out


def same_answer(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert answer_fields(a) == answer_fields(b)


@pytest.fixture(scope="module")
def base_answer(module_database: str) -> dict[str, Any]:
    return answer(BASE)


def test_two_150_mg_administrations_on_one_date_answer_as_one_300_mg_dose(
        base_answer: dict[str, Any]) -> None:
    split = copy.deepcopy(BASE)
    split["history"]["doses"][2:3] = [{"date": "2020-03-02", "dose_mg": 150},
                                      {"date": "2020-03-02", "dose_mg": 150}]
    out = answer(split)
    same_answer(out, base_answer)
    merged = [w for w in out["warnings"] if w["code"] == "doses_merged"]
    assert len(merged) == 1 and merged[0]["field"] == "history.doses[2]"
    assert "150 mg + 150 mg" in merged[0]["message"] and "300 mg" in merged[0]["message"]
    assert not [w for w in base_answer["warnings"] if w["code"] == "doses_merged"]


def test_zoned_date_times_answer_as_their_calendar_dates(base_answer: dict[str, Any]) -> None:
    zoned = copy.deepcopy(BASE)
    # 23:30 at UTC-05:00 is the next day in UTC: the clinic's own date must be kept.
    zoned["history"]["doses"][0]["date"] = "2020-01-06T23:30:00-05:00"
    zoned["history"]["doses"][1]["date"] = "2020-02-03T09:30:00+01:00"
    zoned["history"]["observations"][0]["date"] = "2020-03-02T00:15:00Z"
    zoned["evaluation_date"] = "2020-04-20T08:00:00+02:00"
    same_answer(answer(zoned), base_answer)


def test_a_dose_in_grams_is_converted(base_answer: dict[str, Any]) -> None:
    grams = copy.deepcopy(BASE)
    grams["history"]["doses"][0] = {"date": "2020-01-06", "dose": 0.3, "unit": "g"}
    same_answer(answer(grams), base_answer)


@pytest.mark.parametrize(("entry", "field", "allowed"), [
    ({"date": "1899-12-30", "dose_mg": 300}, "history.doses[3].date", "1900-01-01"),
    ({"date": "2020-03-30", "dose": 300, "unit": "kg"}, "history.doses[3].unit",
     "unit of mass"),
    ({"date": "2020-03-30T25:00:00", "dose_mg": 300}, "history.doses[3].date", "date"),
    ({"date": "2020-03-30", "dose_mg": 300, "dose": 300}, "history.doses[3].dose_mg",
     "not both"),
    ({"date": "2020-03-30", "dose": "0.3", "unit": "g"}, "history.doses[3].dose", "number"),
    ({"date": "2020-03-30", "dose": 1e308, "unit": "g"}, "history.doses[3].dose", "finite"),
    ({"date": 1585526400, "dose_mg": 300}, "history.doses[3].date", "a number is not read"),
])
def test_a_bad_entry_names_itself(entry: dict[str, Any], field: str, allowed: str) -> None:
    bad = copy.deepcopy(BASE)
    bad["history"]["doses"][3] = entry
    r = client.post("/v1/recommendations", json=bad)
    assert r.status_code == 422, r.text
    item = r.json()["detail"][0]
    assert item["field"] == field and allowed in item["allowed"]


def test_merged_doses_above_the_dose_limit_are_refused() -> None:
    big = copy.deepcopy(BASE)
    big["history"]["doses"][3:] = [{"date": "2020-03-30", "dose_mg": 2000}] * 2
    r = client.post("/v1/recommendations", json=big)
    assert r.status_code == 422
    item = r.json()["detail"][0]
    assert item["field"] == "history.doses[3].dose_mg" and "2400" in item["allowed"]


def test_an_unsorted_history_is_refused_with_the_index_as_written() -> None:
    """Merging never renumbers an unsorted list: the error points at the user's own entry."""
    bad = copy.deepcopy(BASE)
    bad["history"]["doses"] = [{"date": "2020-01-06", "dose_mg": 150},
                               {"date": "2020-01-06", "dose_mg": 150},
                               {"date": "2020-03-02", "dose_mg": 300},
                               {"date": "2020-02-03", "dose_mg": 300}]
    r = client.post("/v1/recommendations", json=bad)
    assert r.status_code == 422
    assert r.json()["detail"][0]["field"] == "history.doses[3].date"


@given(st.lists(st.tuples(st.integers(0, 60), st.integers(1, 8)), min_size=1, max_size=30))
def test_merging_keeps_every_milligram_and_one_dose_per_date(
        raw: list[tuple[int, int]]) -> None:
    days = sorted(d for d, _ in raw)
    start = dt.date(2020, 1, 1)
    doses = [{"date": (start + dt.timedelta(days=d)).isoformat(), "dose_mg": 75 * k}
             for d, (_, k) in zip(days, raw, strict=True)]
    per_date: dict[str, int] = {}
    for d in doses:
        per_date[d["date"]] = per_date.get(d["date"], 0) + d["dose_mg"]
    if max(per_date.values()) > 2400:  # more than the most a date may hold: refused, named
        with pytest.raises(ValidationError, match="at most 2400 mg on one date"):
            HistoryIn.model_validate({"doses": doses})
        return
    h = HistoryIn.model_validate({"doses": doses})
    assert sum(d.dose_mg for d in h.doses) == pytest.approx(sum(d["dose_mg"] for d in doses))
    dates = [d.date for d in h.doses]
    assert dates == sorted(set(dates))
    assert sum(len(m.indices) for m in h.merged) + len(dates) - len(h.merged) == len(doses)


@pytest.mark.parametrize(("text", "day"), [
    ("2024-01-01T09:30:00+01:00", "2024-01-01"), ("2024-01-01T23:59:59-12:00", "2024-01-01"),
    ("2024-01-01T00:00:00+14:00", "2024-01-01"), ("2024-01-01 07:00Z", "2024-01-01"),
    ("2024-01-01", "2024-01-01"),
])
def test_a_date_time_keeps_the_date_of_its_own_zone(text: str, day: str) -> None:
    assert str(calendar_date(text)) == day


def test_scenario_files_take_toml_date_times(tmp_path: Any) -> None:
    from optimizer.batch.scenario_files import load_recommendation

    path = tmp_path / "s.toml"
    path.write_text('[patient]\nweight_kg = 30\n[[history.doses]]\n'
                    'date = 2020-01-06T23:30:00-05:00\ndose_mg = 150\n[[history.doses]]\n'
                    'date = 2020-01-06\ndose = 0.15\nunit = "g"\n', encoding="utf-8")
    history = load_recommendation(path).history
    assert history is not None
    assert [(str(d.date), d.dose_mg) for d in history.doses] == [("2020-01-06", 300.0)]


def test_a_dose_after_the_evaluation_date_is_named_as_written_after_a_merge() -> None:
    late = copy.deepcopy(BASE)
    late["history"]["doses"][0:1] = [{"date": "2020-01-06", "dose_mg": 150}] * 2
    late["history"]["doses"].append({"date": "2020-05-01", "dose_mg": 300})
    r = client.post("/v1/recommendations", json=late)
    assert r.status_code == 422
    assert r.json()["detail"][0]["field"] == "history.doses[5].date"   # merged index: 4


def test_source_field_maps_merged_indices_back() -> None:
    h = HistoryIn.model_validate({"doses": [
        {"date": "2020-01-01", "dose_mg": 1}, {"date": "2020-01-02", "dose_mg": 1},
        {"date": "2020-01-02", "dose_mg": 1}, {"date": "2020-01-02", "dose_mg": 1},
        {"date": "2020-01-03", "dose_mg": 1}]})
    assert [h.source_field(f"history.doses[{k}].date") for k in range(3)] == \
        ["history.doses[0].date", "history.doses[1].date", "history.doses[4].date"]
    assert h.source_field("history.observations[2].date") == "history.observations[2].date"


def test_a_number_is_not_read_as_the_evaluation_date() -> None:
    bad = {**copy.deepcopy(BASE), "evaluation_date": 1587340800}   # 2020-04-20 in Unix seconds
    r = client.post("/v1/recommendations", json=bad)
    assert r.status_code == 422, r.text
    item = r.json()["detail"][0]
    assert (item["field"], item["value"]) == ("evaluation_date", 1587340800)
