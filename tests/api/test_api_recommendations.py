"""Story: a script posts a question over HTTP and gets an explained answer or a clear 4xx."""

from __future__ import annotations

import concurrent.futures as cf
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.main import app

client = TestClient(app)

EXAMPLE: dict[str, Any] = {
    "patient": {"weight_kg": 30},
    "pk": {"half_life_days": 26, "tmax_days": 7.5, "apparent_volume_l_per_kg": 0.078},
    "response": {"baseline_score": 8.5, "ec50_mg_per_l": 62.4, "hill": 4},
    "threshold_score": 2,
    "dose_options_mg": [300],
    "interval_options_days": {"min": 14, "max": 84, "step": 1},
}


def test_issue_example_returns_36_days_with_an_explanation() -> None:
    r = client.post("/v1/recommendations", json=EXAMPLE)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "optimal"
    assert (body["interval_days"], body["dose_mg"]) == (36, 300)
    assert body["max_score"] <= 2 and body["margin_score"] == pytest.approx(2 - body["max_score"])
    assert body["next_longer"]["interval_days"] == 37 and body["next_longer"]["max_score"] > 2
    assert body["late_dose_tolerance_days"] >= 0
    assert body["model"]["weight_kg"] == 30 and body["model"]["volume_l"] == pytest.approx(2.34)
    assert body["solver"]["name"] == "highs" and body["solver"]["status"] == "kOptimal"
    assert any("judgement" in a for a in body["assumptions"])
    assert any("Why not longer" in e for e in body["explanation"])


def test_only_weight_is_required() -> None:
    r = client.post("/v1/recommendations", json={"patient": {"weight_kg": 30}})
    assert r.status_code == 200 and r.json()["interval_days"] == 36


def test_infeasible_question_is_an_answer_not_an_error() -> None:
    body = {"patient": {"weight_kg": 120}, "threshold_score": 0.5, "dose_options_mg": [75]}
    r = client.post("/v1/recommendations", json=body)
    assert r.status_code == 200
    out = r.json()
    assert out["status"] == "infeasible" and out["interval_days"] is None
    assert out["closest_option"]["interval_days"] == 14
    assert out["max_score"] > 0.5


@pytest.mark.parametrize(("change", "field"), [
    ({"patient": {"weight_kg": -5}}, "patient.weight_kg"),
    ({"patient": {"weight_kg": "heavy"}}, "patient.weight_kg"),
    ({"patient": {}}, "patient.weight_kg"),
    ({"threshold_score": 9}, "threshold_score"),
    ({"interval_options_days": {"min": 60, "max": 20, "step": 1}}, "interval_options_days.min"),
    ({"dose_options_mg": []}, "dose_options_mg"),
    ({"dose_options_mg": ["a lot"]}, "dose_options_mg[0]"),
    ({"dose_options_mg": [25 * k for k in range(1, 61)],
      "interval_options_days": {"min": 1, "max": 365, "step": 1}}, "interval_options_days"),
    ({"pk": {"half_life_days": 10, "tmax_days": 30}}, "pk.tmax_days"),
    ({"surprise": 1}, "surprise"),
])
def test_bad_input_gets_422_naming_the_field(change: dict[str, Any], field: str) -> None:
    r = client.post("/v1/recommendations", json={**EXAMPLE, **change})
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert any(d["field"] == field for d in detail), detail
    assert all({"field", "value", "allowed", "message"} <= set(d) for d in detail)


def test_malformed_json_is_a_4xx() -> None:
    r = client.post("/v1/recommendations", content=b"{not json",
                    headers={"content-type": "application/json"})
    assert r.status_code == 422


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=12)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(patch=st.dictionaries(st.sampled_from(sorted(EXAMPLE) + ["x"]), json_values,
                             max_size=3))
def test_no_request_shape_yields_a_5xx(patch: dict[str, Any]) -> None:
    r = client.post("/v1/recommendations", json={**EXAMPLE, **patch})
    assert r.status_code < 500, r.text


schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@schema.include(path_regex="^/v1/(recommendations|health)$").parametrize()
@settings(max_examples=60, suppress_health_check=list(HealthCheck))
def test_openapi_schema_fuzz_never_5xx(case: Any) -> None:
    response = case.call()
    assert response.status_code < 500, response.text


def test_concurrent_http_requests_all_answer() -> None:
    weights = [20, 30, 45, 60, 75, 90] * 4
    with cf.ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(client.post, "/v1/recommendations",
                               json={"patient": {"weight_kg": w}}) for w in weights]
        bodies = [f.result(timeout=120) for f in futures]
    assert all(b.status_code == 200 for b in bodies)
    by_weight: dict[int, set[int]] = {}
    for w, b in zip(weights, bodies, strict=True):
        by_weight.setdefault(w, set()).add(b.json()["interval_days"])
    assert all(len(v) == 1 for v in by_weight.values())
    assert by_weight[30] == {36}


def test_health_and_docs() -> None:
    assert client.get("/v1/health").json()["status"] == "ok"
    assert client.get("/docs").status_code == 200
    assert "/v1/recommendations" in client.get("/openapi.json").json()["paths"]
