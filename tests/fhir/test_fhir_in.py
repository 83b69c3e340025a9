"""Story: an EHR sends the patient's record as a FHIR R4 Bundle. The answer is the one the JSON
route gives for the same data; a malformed bundle gets a 422 naming the element to fix."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import app
from optimizer.batch.scenario_files import load_recommendation
from optimizer.errors import InputError
from optimizer.fhir.bundle_in import read_bundle
from optimizer.services.recommendation import recommend
from tests.fhir.bundles import (
    SCORE,
    administration,
    bundle_from_request,
    entry,
    observation,
    weight,
)
from tests.fhir.test_history_realities import BASE, answer_fields

client = TestClient(app)
REPO = Path(__file__).resolve().parents[2]
REFERENCE_TOML = REPO / "scenarios" / "reference-case-history.toml"
REFERENCE_FHIR = REPO / "scenarios" / "reference-case-fhir.json"
FHIR = {"Content-Type": "application/fhir+json"}


def post_fhir(bundle: dict[str, Any], **headers: str) -> Any:
    return client.post("/v1/fhir/recommendations", content=json.dumps(bundle),
                       headers={**FHIR, **headers})


def with_entries(bundle: dict[str, Any], *resources: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(bundle)
    out["entry"] += [entry(900 + n, r) for n, r in enumerate(resources)]
    return out


@pytest.fixture(scope="module")
def small() -> dict[str, Any]:
    return bundle_from_request(copy.deepcopy(BASE))


def test_the_reference_bundle_reads_as_the_reference_scenario() -> None:
    imported = read_bundle(json.loads(REFERENCE_FHIR.read_text()))
    assert imported.age_years == 9 and imported.notes == []
    assert imported.request.model_dump(exclude={"patient": {"age_years"}}) == \
        load_recommendation(REFERENCE_TOML).model_dump(exclude={"patient": {"age_years"}})
    assert imported.origins["history.doses[7].date"] == \
        "Bundle.entry[9].resource.effectiveDateTime"


def test_the_reference_bundle_gets_the_reference_answer() -> None:
    fhir = post_fhir(json.loads(REFERENCE_FHIR.read_text()))
    assert fhir.status_code == 200, fhir.text
    request = load_recommendation(REFERENCE_TOML)
    plain = client.post("/v1/recommendations", content=request.model_dump_json(),
                        headers={"Content-Type": "application/json"})
    assert plain.status_code == 200, plain.text
    assert answer_fields(fhir.json()) == answer_fields(plain.json())
    assert (fhir.json()["interval_days"], fhir.json()["dose_mg"]) == (35, 300)
    stored = client.get(f"/v1/recommendations/{fhir.json()['id']}")
    assert stored.status_code == 200


def test_one_fixture_gives_one_answer_on_both_routes(small: dict[str, Any]) -> None:
    fhir = post_fhir(small)
    plain = client.post("/v1/recommendations", json=BASE)
    assert fhir.status_code == 200 and plain.status_code == 200, fhir.text
    assert answer_fields(fhir.json()) == answer_fields(plain.json())
    assert fhir.json()["warnings"] == plain.json()["warnings"]


def test_two_150_mg_administrations_read_as_one_300_mg_dose(small: dict[str, Any]) -> None:
    split = copy.deepcopy(small)
    doses = [e for e in split["entry"]
             if e["resource"]["resourceType"] == "MedicationAdministration"]
    doses[1]["resource"]["dosage"]["dose"]["value"] = 150
    split = with_entries(split, administration("2020-02-03", 150, time="T16:00:00-05:00"))
    imported = read_bundle(split)
    assert imported.request.model_dump() == read_bundle(small).request.model_dump()
    assert [m.doses_mg for m in imported.request.history.merged] == [(150.0, 150.0)]


def test_units_are_converted(small: dict[str, Any]) -> None:
    b = copy.deepcopy(small)
    b["entry"] = [e for e in b["entry"] if e["resource"]["resourceType"] != "Observation"
                  or e["resource"]["code"]["coding"][0]["code"] != "29463-7"]
    pounds = weight("2020-01-06", 66.1386786)
    pounds["valueQuantity"].update(unit="lb", code="[lb_av]")
    grams = administration("2020-04-13", 0.15)
    grams["dosage"]["dose"].update(unit="g", code="g")
    ige = observation({"system": "http://loinc.org", "code": "19113-0"}, "2019-12-01",
                      valueQuantity={"value": 420, "unit": "kU/L", "code": "kU/L"})
    request = read_bundle(with_entries(b, pounds, grams, ige)).request
    assert request.patient.weight_kg == pytest.approx(30.0, abs=1e-6)
    assert request.patient.baseline_ige_iu_per_ml == 420
    assert request.history is not None
    assert [d.dose_mg for d in request.history.doses][-1] == pytest.approx(150.0)


def test_statements_references_and_skipped_doses(small: dict[str, Any]) -> None:
    med = {"resourceType": "Medication", "id": "oma",
           "code": {"coding": [{"system": "http://www.whocc.no/atc", "code": "R03DX05"}]}}
    statement = {"resourceType": "MedicationStatement", "status": "completed",
                 "medicationReference": {"reference": "Medication/oma"},
                 "subject": {"reference": "urn:uuid:00000000-0000-4000-8000-000000000001"},
                 "effectiveDateTime": "2020-04-13",
                 "dosage": [{"doseAndRate": [{"doseQuantity": {"value": 300, "code": "mg"}}]}]}
    not_done = administration("2020-04-16", 300, status="not-done")
    request = read_bundle(with_entries(small, med, statement, not_done)).request
    assert request.history is not None
    assert [str(d.date) for d in request.history.doses][-1] == "2020-04-13"


def test_an_observation_not_read_is_reported(small: dict[str, Any]) -> None:
    bp = observation({"system": "http://loinc.org", "code": "8480-6"}, "2020-03-02",
                     valueQuantity={"value": 100, "unit": "mm[Hg]"})
    r = post_fhir(with_entries(small, bp))
    assert r.status_code == 200, r.text
    codes = [(w["code"], w["field"]) for w in r.json()["warnings"]]
    assert ("fhir_observation_not_used", f"Bundle.entry[{len(small['entry'])}].resource.code") \
        in codes


def _drop(bundle: dict[str, Any], code: str) -> dict[str, Any]:
    out = copy.deepcopy(bundle)
    out["entry"] = [e for e in out["entry"] if code not in json.dumps(e)]
    return out


def _replace(bundle: dict[str, Any], i: int, **fields: Any) -> dict[str, Any]:
    out = copy.deepcopy(bundle)
    out["entry"][i]["resource"].update(fields)
    return out


MALFORMED: list[tuple[str, Any, str, str]] = [
    ("missing weight", lambda b: _drop(b, "29463-7"), "Bundle.entry", "29463-7"),
    ("unknown medication", lambda b: _replace(b, 2, medicationCodeableConcept={
        "coding": [{"system": "http://www.whocc.no/atc", "code": "R03DX09"}],
        "text": "mepolizumab"}), "Bundle.entry[2].resource.medicationCodeableConcept",
     "omalizumab"),
    ("impossible date", lambda b: _replace(b, 2, effectiveDateTime="2020-13-06"),
     "Bundle.entry[2].resource.effectiveDateTime", "regex"),
    ("date without a day", lambda b: _replace(b, 3, effectiveDateTime="2020-02"),
     "Bundle.entry[3].resource.effectiveDateTime", "full date"),
    ("dose after the evaluation date", lambda b: _replace(
        b, 5, effectiveDateTime="2020-05-30T09:30:00+01:00"),
     "Bundle.entry[5].resource.effectiveDateTime", "evaluation_date"),
    ("wrong resource type", lambda b: _replace(b, 4, resourceType="Condition"),
     "Bundle.entry[4].resource.resourceType", "MedicationAdministration"),
    ("not a bundle", lambda b: b["entry"][0]["resource"], "resourceType", "Bundle"),
    ("unknown status", lambda b: _replace(b, 2, status="on-hold"),
     "Bundle.entry[2].resource.status", "completed"),
    ("dose without a unit", lambda b: _replace(b, 2, dosage={"dose": {"value": 300}}),
     "Bundle.entry[2].resource.dosage.dose.unit", "mg"),
    ("score out of range", lambda b: _replace(b, 6, valueInteger=12),
     "Bundle.entry[6].resource.valueInteger", "10"),
    ("patient set by Parameters", lambda b: _replace(b, -1, parameter=[
        {"name": "patient.weight_kg", "valueDecimal": 30.0}]),
     "Bundle.entry[9].resource.parameter[0].name", "from the bundle"),
]


@pytest.mark.parametrize(("story", "breaking", "field", "allowed"), MALFORMED,
                         ids=[m[0] for m in MALFORMED])
def test_a_malformed_bundle_is_a_422_naming_the_element(
        small: dict[str, Any], story: str, breaking: Any, field: str, allowed: str) -> None:
    r = post_fhir(breaking(small))
    assert r.status_code == 422, r.text
    item = r.json()["detail"][0]
    assert item["field"] == field, item
    assert allowed in item["allowed"], item


def test_two_scores_on_one_date_name_both(small: dict[str, Any]) -> None:
    again = observation(SCORE, "2020-03-02", valueInteger=3)
    with pytest.raises(InputError, match=r"Bundle.entry\[6\]") as err:
        read_bundle(with_entries(small, again))
    assert err.value.field.endswith("effectiveDateTime")


def test_the_fixture_indices_used_above(small: dict[str, Any]) -> None:
    kinds = [e["resource"]["resourceType"] for e in small["entry"]]
    assert kinds[:3] == ["Patient", "Observation", "MedicationAdministration"]
    assert kinds[2:6] == ["MedicationAdministration"] * 4
    assert kinds[6] == "Observation" and kinds[9] == "Parameters" and len(kinds) == 10


def test_plain_json_content_type_is_read_too(small: dict[str, Any]) -> None:
    r = client.post("/v1/fhir/recommendations", json=small)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"


def test_the_route_is_documented_with_the_fhir_media_type() -> None:
    path = client.get("/openapi.json").json()["paths"]["/v1/fhir/recommendations"]["post"]
    assert "application/fhir+json" in path["requestBody"]["content"]
    assert "application/fhir+json" in path["responses"]["200"]["content"]


def test_the_birth_date_gives_the_age_the_label_checks_read(small: dict[str, Any]) -> None:
    young = _replace(small, 0, birthDate="2016-01-01")
    imported = read_bundle(young)
    assert imported.age_years == 4
    assert imported.request.patient.age_years == 4
    assert imported.origins["patient.age_years"] == "Bundle.entry[0].resource.birthDate"
    codes = [w.code for w in recommend(imported.request).warnings]
    assert "age_outside_label" in codes
    six = read_bundle(_replace(small, 0, birthDate="2014"))   # 6 in 2020-04
    assert six.request.patient.age_years == 6
    assert "age_outside_label" not in [w.code for w in recommend(six.request).warnings]


def test_the_score_code_is_configurable(small: dict[str, Any],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from optimizer.settings import get_settings

    local = copy.deepcopy(small)
    for e in local["entry"]:
        for c in e["resource"].get("code", {}).get("coding", []):
            if c.get("code") == "symptom-score":
                c.update(system="http://clinic.example/scores", code="msaf")
    monkeypatch.setenv("DOSEOPT_FHIR_SCORE_CODE", "http://clinic.example/scores|msaf")
    get_settings.cache_clear()
    r = post_fhir(local)
    assert r.status_code == 200, r.text
    assert r.json()["fit"]["observations"] == 3
    monkeypatch.setenv("DOSEOPT_FHIR_SCORE_CODE", "no-bar")
    get_settings.cache_clear()
    r = post_fhir(local)
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "DOSEOPT_FHIR_SCORE_CODE"


@pytest.mark.parametrize(("accept", "fhir"), [
    ("application/fhir+json", True),
    ("application/json", False),
    (None, False),
    ("application/fhir+json;q=0.5, application/json", False),
    ("application/json;q=0.4, application/fhir+json;q=0.9", True),
    ("*/*", False),
    ("application/fhir+json, */*;q=0.1", True),
    ("application/fhir+json;q=bad", False),
])
def test_the_accept_header_is_read_with_its_quality_values(accept: str | None,
                                                           fhir: bool) -> None:
    from api.routes.fhir import prefers_fhir

    assert prefers_fhir(accept) is fhir


def test_a_bundle_sent_as_xml_is_a_400_naming_the_fhir_json_type() -> None:
    r = client.post("/v1/fhir/recommendations", content=b"<Bundle/>",
                    headers={"content-type": "application/fhir+xml"})
    assert r.status_code == 400, r.text
    (detail,) = r.json()["detail"]
    assert detail["field"] == "body" and "application/fhir+json" in detail["allowed"]
