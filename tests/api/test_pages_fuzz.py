"""Story: the page posts back an answer it holds, but a tampered or stale page may post
anything. The page routes check it against the answer's own schema and refuse junk with a
422 naming the field, never a 5xx."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.main import app

client = TestClient(app, raise_server_exceptions=False)
REQUEST: dict[str, Any] = {"patient": {"weight_kg": 30}, "threshold_score": 2}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                 max_size=3),
    max_leaves=8)


@pytest.fixture(scope="module")
def answer() -> dict[str, Any]:
    out = client.post("/v1/recommendations", json=REQUEST)
    assert out.status_code == 200, out.text
    body: dict[str, Any] = out.json()
    return body


@pytest.fixture(scope="module")
def comparison() -> dict[str, Any]:
    out = client.post("/v1/comparisons", json={
        "patient": {"weight_kg": 30}, "schedules": ["300 mg q4w", "300 mg q5w"],
        "population": {"n": 20}})
    assert out.status_code == 200, out.text
    body: dict[str, Any] = out.json()
    return body


def post(path: str, body: Any) -> Any:
    # json.dumps writes NaN and Infinity, as a careless client would; the server must cope
    return client.post(path, content=json.dumps(body),
                       headers={"Content-Type": "application/json"})


def names_a_field(r: Any) -> None:
    assert r.status_code < 500, r.text
    if r.status_code == 422:
        item = r.json()["detail"][0]
        assert item["field"] and item["allowed"], item


def mutate(body: dict[str, Any], path: list[str], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(body)
    node = out
    for key in path[:-1]:
        nxt = node.get(key)
        if not isinstance(nxt, dict):
            return out
        node = nxt
    node[path[-1]] = value
    return out


def answer_paths(body: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[list[str]]:
    out: list[list[str]] = []
    for k, v in body.items():
        out.append([*prefix, k])
        if isinstance(v, dict):
            out += answer_paths(v, (*prefix, k))
    return out


@given(data=st.data())
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
def test_a_tampered_answer_is_refused_naming_the_field(answer: dict[str, Any],
                                                       data: st.DataObject) -> None:
    body = answer
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(answer_paths(answer)))
        body = mutate(body, path, data.draw(json_values))
    names_a_field(post("/page/summary", {"request": REQUEST, "response": body}))


@given(response=json_values)
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_any_json_as_the_answer_is_refused_naming_the_field(response: Any) -> None:
    names_a_field(post("/page/summary", {"request": REQUEST, "response": response}))


@given(data=st.data())
@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
def test_a_tampered_comparison_is_refused_naming_the_field(comparison: dict[str, Any],
                                                           data: st.DataObject) -> None:
    body = comparison
    rows = [k for k, v in comparison.items() if isinstance(v, list) and v
            and isinstance(v[0], dict)]
    for _ in range(data.draw(st.integers(1, 3))):
        key = data.draw(st.sampled_from(rows)) if rows else ""
        if isinstance(body.get(key), list) and body[key] and isinstance(body[key][0], dict) \
                and data.draw(st.booleans()):
            row = data.draw(st.integers(0, len(body[key]) - 1))
            if not isinstance(body[key][row], dict):
                continue
            field = data.draw(st.sampled_from(sorted(comparison[key][0])))
            body = copy.deepcopy(body)
            body[key][row][field] = data.draw(json_values)
        else:
            path = data.draw(st.sampled_from(answer_paths(comparison)))
            body = mutate(body, path, data.draw(json_values))
    for route in ("/page/comparison-table", "/page/comparison.csv"):
        names_a_field(post(route, body))



@pytest.mark.parametrize(("change", "field"), [
    ({"probability_controlled": 5}, "response.probability_controlled"),
    ({"next_longer_probability": -0.5}, "response.next_longer_probability"),
    ({"threshold_score": None}, "response.threshold_score"),
    ({"status": "infeasible", "threshold_score": None}, "response.threshold_score"),
    ({"dose_mg": None}, "response.dose_mg"),
    ({"interval_days": None}, "response.interval_days"),
    ({"max_score": float("nan")}, "response.max_score"),
    ({"margin_score": float("inf")}, "response.margin_score"),
])
def test_answers_the_words_cannot_be_made_from_are_refused(
        answer: dict[str, Any], change: dict[str, Any], field: str) -> None:
    r = post("/page/summary", {"request": REQUEST, "response": {**answer, **change}})
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["field"] == field


@given(data=st.data())
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_a_tampered_question_is_refused_naming_the_field(answer: dict[str, Any],
                                                         data: st.DataObject) -> None:
    question = {**REQUEST, "history": {"doses": [{"date": "2020-01-06", "dose_mg": 300}],
                                       "observations": [{"date": "2020-02-03", "score": 1}]},
                "plan": {"horizon_weeks": 12}, "dose_options_mg": [150, 300]}
    path = data.draw(st.sampled_from(answer_paths(question)))
    names_a_field(post("/page/summary", {"request": mutate(question, path,
                                                           data.draw(json_values)),
                                         "response": answer}))
