"""Story: a script sends a valid question with one or two values broken (a wrong type, a
number out of range, a date that does not exist, a missing key). Every answer is a 200 or a
4xx whose first item names a field: never a 5xx, never an error about "the body" as a
whole. (The schema-driven fuzz is tests/api/test_fuzz.py; this one starts from valid
questions, so the broken value sits deep inside a history, a plan or the priors.)"""

from __future__ import annotations

import copy
import json
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.main import app

client = TestClient(app, raise_server_exceptions=False)
VALID: dict[str, dict[str, Any]] = {
    "/v1/recommendations": {
        "patient": {"weight_kg": 30, "age_years": 9, "baseline_ige_iu_per_ml": 300},
        "history": {"doses": [{"date": "2020-01-06", "dose_mg": 300},
                              {"date": "2020-02-03", "dose": 0.3, "unit": "g"}],
                    "observations": [{"date": "2020-02-03", "score": 1, "symptomatic": False},
                                     {"date": "2020-03-01", "symptomatic": True}]},
        "evaluation_date": "2020-03-02", "samples": 20, "min_probability": 0.5,
        "plan": {"horizon_weeks": 8, "clinic_weekdays": ["mon", "wed"]},
        "priors": {"score_sd": 1.0, "symptom_cutoff_score": 2.0},
        "dose_options_mg": [150, 300], "label": "eu", "indication": "asthma",
        "interval_options_days": {"min": 14, "max": 56, "step": 7}},
    "/v1/label-dose": {"weight_kg": 30, "baseline_ige_iu_per_ml": 300},
    "/v1/surrogate-check": {"dose_mg": 300, "interval_days": 28},
}
BROKEN = st.sampled_from([None, True, 0, -1, 10**12, 1e308, 0.5, "", "x", "2020-02-30",
                          "1899-01-01", [], {}, [1], {"a": 1}, 1577836800, "\u0663", "NaN",
                          2401, "<drop>"])


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    items = node.items() if isinstance(node, dict) else \
        enumerate(node) if isinstance(node, list) else []
    for key, value in items:
        out += [(*prefix, key), *paths(value, (*prefix, key))]
    return out


def broken(body: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(body)
    node: Any = out
    for key in path[:-1]:
        node = node[key]
    if value == "<drop>" and isinstance(node, dict):
        node.pop(path[-1])
    elif value != "<drop>":
        node[path[-1]] = value
    return out


@given(route=st.sampled_from(sorted(VALID)), data=st.data())
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
def test_one_broken_value_is_a_4xx_naming_a_field(route: str, data: st.DataObject) -> None:
    body = VALID[route]
    path = data.draw(st.sampled_from(paths(body)))
    r = client.post(route, content=json.dumps(broken(body, path, data.draw(BROKEN))),
                    headers={"Content-Type": "application/json"})
    assert r.status_code < 500, r.text
    if r.status_code >= 400:
        field = r.json()["detail"][0]["field"]
        assert field and field != "body", r.json()


def test_the_valid_questions_are_answered() -> None:
    for route, body in VALID.items():
        r = client.post(route, json=body)
        assert r.status_code == 200, (route, r.text)
