"""Story: a record holds a score of 0 on a day marked "symptomatic", or a score of 8 on a day
marked not symptomatic. The answer keeps the score (the fit uses it) and says so with one
``observation_contradiction`` warning listing the dates: the same warning whether the history
came as JSON, as a FHIR bundle or as a NONMEM-style dataset."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from api.main import app
from optimizer.interchange.nonmem import write_nonmem
from optimizer.interchange.sources import load_request_from, recommend_loaded
from optimizer.schemas.recommendation import RecommendationRequest
from tests.fhir.bundles import bundle_from_request
from tests.fhir.test_history_realities import BASE

client = TestClient(app)
CODE = "observation_contradiction"


def contradicting() -> dict[str, Any]:
    body = copy.deepcopy(BASE)
    body["history"]["observations"] = [
        {"date": "2020-03-02", "score": 0, "symptomatic": True},
        {"date": "2020-03-30", "score": 0},
        {"date": "2020-04-20", "score": 8, "symptomatic": False}]
    return body


def contradictions(warnings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [w for w in warnings if w["code"] == CODE]


def test_json_fhir_and_nonmem_give_the_same_warning(tmp_path: Path) -> None:
    body = contradicting()
    plain = client.post("/v1/recommendations", json=body)
    assert plain.status_code == 200, plain.text
    [warning] = contradictions(plain.json()["warnings"])
    assert warning["field"] == "history.observations[0]"
    assert "2020-03-02 (score 0, symptomatic true)" in warning["message"]
    assert "2020-04-20 (score 8, symptomatic false)" in warning["message"]
    assert "2020-03-30" not in warning["message"]

    fhir = client.post("/v1/fhir/recommendations", json=bundle_from_request(body))
    assert fhir.status_code == 200, fhir.text
    assert contradictions(fhir.json()["warnings"]) == [warning]

    dataset = tmp_path / "history.csv"
    dataset.write_text(write_nonmem(RecommendationRequest.model_validate(body)))
    loaded = load_request_from(nonmem=dataset, subject_id=1)
    out = recommend_loaded(loaded).model_dump(mode="json")
    assert contradictions(out["warnings"]) == [warning]


def test_the_score_is_what_the_fit_uses() -> None:
    body = contradicting()
    scores_only = copy.deepcopy(body)
    for o in scores_only["history"]["observations"]:
        o.pop("symptomatic", None)
    a = client.post("/v1/recommendations", json=body).json()
    b = client.post("/v1/recommendations", json=scores_only).json()
    assert (a["interval_days"], a["dose_mg"], a["probability_controlled"]) == \
        (b["interval_days"], b["dose_mg"], b["probability_controlled"])
    assert a["fit"]["parameters"] == b["fit"]["parameters"]
    assert contradictions(b["warnings"]) == []


def test_agreeing_marks_give_no_warning() -> None:
    body = copy.deepcopy(BASE)
    body["history"]["observations"] = [
        {"date": "2020-03-02", "score": 0, "symptomatic": False},
        {"date": "2020-04-20", "score": 5, "symptomatic": True}]
    r = client.post("/v1/recommendations", json=body)
    assert r.status_code == 200, r.text
    assert contradictions(r.json()["warnings"]) == []


def test_the_fhir_answer_places_the_warning_on_the_bundle_element() -> None:
    bundle = bundle_from_request(contradicting())
    r = client.post("/v1/fhir/recommendations", content=json.dumps(bundle),
                    headers={"Content-Type": "application/fhir+json",
                             "Accept": "application/fhir+json"})
    assert r.status_code == 200, r.text
    issues = [e["resource"] for e in r.json()["entry"]
              if e["resource"]["resourceType"] == "DetectedIssue"
              and e["resource"]["code"]["coding"][0]["code"] == CODE]
    assert len(issues) == 1
    assert "Bundle.entry[" in issues[0]["detail"]
