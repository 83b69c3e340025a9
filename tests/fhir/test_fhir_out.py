"""Story: the EHR asks for the answer as FHIR. It gets a Bundle of proposals (never orders)
that the FHIR library validates: the dose and interval, the dated plan, the warnings as
detected issues, and the audit record id to trace it."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B.bundle import Bundle

from api.main import app
from optimizer.fhir.bundle_out import recommendation_bundle
from optimizer.schemas.recommendation import RecommendationPublic
from tests.fhir.bundles import administration, bundle_from_request, entry
from tests.fhir.test_history_realities import BASE

client = TestClient(app)
FHIR = "application/fhir+json"


def resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


@pytest.fixture(scope="module")
def answered(module_database: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The FHIR answer to a history with a split dose and a plan, and the JSON answer."""
    request = copy.deepcopy(BASE) | {"plan": {"horizon_weeks": 12}}
    bundle = bundle_from_request(request)
    split = [e for e in bundle["entry"]
             if e["resource"]["resourceType"] == "MedicationAdministration"][0]
    split["resource"]["dosage"]["dose"]["value"] = 150
    bundle["entry"].append(entry(99, administration("2020-01-06", 150)))
    fhir = client.post("/v1/fhir/recommendations", content=json.dumps(bundle),
                       headers={"Content-Type": FHIR, "Accept": FHIR})
    assert fhir.status_code == 200, fhir.text
    assert fhir.headers["content-type"].startswith(FHIR)
    plain = client.post("/v1/fhir/recommendations", content=json.dumps(bundle),
                        headers={"Content-Type": FHIR})
    assert plain.status_code == 200 and plain.headers["content-type"] == "application/json"
    record_id = fhir.json()["identifier"]["value"]
    assert client.get(f"/v1/recommendations/{record_id}").status_code == 200   # stored
    return fhir.json(), plain.json()


def test_the_answer_is_a_valid_bundle_with_a_proposed_request(
        answered: tuple[dict[str, Any], dict[str, Any]]) -> None:
    fhir, plain = answered
    Bundle.model_validate(fhir)
    main = resources(fhir, "MedicationRequest")[0]
    assert (main["status"], main["intent"]) == ("draft", "proposal")
    instruction = main["dosageInstruction"][0]
    assert instruction["timing"]["repeat"] == {"frequency": 1,
                                               "period": plain["interval_days"],
                                               "periodUnit": "d"}
    dose = instruction["doseAndRate"][0]["doseQuantity"]
    assert (dose["value"], dose["code"]) == (plain["dose_mg"], "mg")
    codes = {c["code"] for c in main["medicationCodeableConcept"]["coding"]}
    assert codes == {"302379", "R03DX05"}
    assert main["subject"]["reference"].startswith("urn:uuid:")


def test_the_plan_is_dated_proposals(answered: tuple[dict[str, Any], dict[str, Any]]) -> None:
    fhir, plain = answered
    planned = resources(fhir, "MedicationRequest")[1:]
    assert [p["dosageInstruction"][0]["timing"]["event"] for p in planned] == \
        [[d["date"]] for d in plain["plan"]["doses"]]
    assert planned and all(p["intent"] == "proposal" for p in planned)


def test_warnings_are_detected_issues_and_the_audit_id_is_the_identifier(
        answered: tuple[dict[str, Any], dict[str, Any]]) -> None:
    fhir, plain = answered
    issues = resources(fhir, "DetectedIssue")
    assert [i["code"]["coding"][0]["code"] for i in issues] == \
        [w["code"] for w in plain["warnings"]]
    assert "doses_merged" in [w["code"] for w in plain["warnings"]]
    merged = issues[[w["code"] for w in plain["warnings"]].index("doses_merged")]
    assert merged["detail"].endswith("(at Bundle.entry[2].resource)")   # the first of the date
    record_id = fhir["identifier"]["value"]
    assert all(r["identifier"][0]["value"] == record_id
               for r in resources(fhir, "MedicationRequest") + issues)


def test_an_infeasible_answer_proposes_nothing_and_says_why() -> None:
    out = RecommendationPublic.model_validate({
        "status": "infeasible", "interval_days": None, "dose_mg": None, "max_score": None,
        "margin_score": None, "worst_day_in_cycle": None, "threshold_score": 2,
        "threshold_conc_mg_per_l": None, "trough_conc_mg_per_l": None,
        "peak_conc_mg_per_l": None, "next_longer": None, "late_dose_tolerance_days": None,
        "closest_option": None, "candidates": 1, "feasible_candidates": 0,
        "explanation": ["No allowed dose and interval keeps the predicted score at or below 2."],
        "assumptions": [], "model": {}, "timings_ms": {},
        "solver": {"name": "highs", "version": "1", "status": "optimal", "time_ms": 1.0}})
    bundle = json.loads(recommendation_bundle(out).model_dump_json())
    assert resources(bundle, "MedicationRequest") == []
    issue = resources(bundle, "DetectedIssue")[0]
    assert issue["code"]["text"] == "no_controlled_interval" and "No allowed" in issue["detail"]
