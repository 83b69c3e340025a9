"""Story: an EHR sends a bundle with one value wrong. The 422 names the exact element to fix
(down to ``dosage.dose.value``), the value as the bundle wrote it and what is allowed, for
every refusal of the FHIR route."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import app
from optimizer.errors import InputError
from optimizer.fhir.bundle_in import read_bundle
from optimizer.schemas.validation import WITHHELD_VALUE
from tests.fhir.bundles import (
    SCORE,
    administration,
    bundle_from_request,
    entry,
    observation,
    weight,
)
from tests.fhir.test_history_realities import BASE

client = TestClient(app)
SMALL = bundle_from_request(copy.deepcopy(BASE))
PARAMS = 9      # the fixture's Parameters entry (tests/fhir/test_fhir_in.py checks the indices)
EXTRA = len(SMALL["entry"])   # the index of the first entry added by ``add``
Breaking = Callable[[dict[str, Any]], dict[str, Any]]


def add(*resources: dict[str, Any]) -> Breaking:
    def breaking(b: dict[str, Any]) -> dict[str, Any]:
        b["entry"] += [entry(900 + n, r) for n, r in enumerate(resources)]
        return b
    return breaking


def edit(i: int, change: Callable[[dict[str, Any]], Any]) -> Breaking:
    def breaking(b: dict[str, Any]) -> dict[str, Any]:
        change(b["entry"][i]["resource"])
        return b
    return breaking


def param(*items: dict[str, Any]) -> Breaking:
    return edit(PARAMS, lambda r: r["parameter"].extend(items))


def statement(dosage: list[dict[str, Any]]) -> dict[str, Any]:
    return {"resourceType": "MedicationStatement", "status": "completed",
            "medicationCodeableConcept": {"text": "omalizumab"},
            "subject": {"reference": PATIENT}, "effectiveDateTime": "2020-04-13",
            "dosage": dosage}


def grams(value: float) -> dict[str, Any]:
    dose = administration("2020-04-13", value)
    dose["dosage"]["dose"].update(unit="g", code="g")
    return dose


def pounds(value: float) -> dict[str, Any]:
    w = weight("2020-02-01", value)
    w["valueQuantity"].update(unit="lb", code="[lb_av]")
    return w


def period_dose() -> dict[str, Any]:
    dose = administration("2020-04-13", 300)
    del dose["effectiveDateTime"]
    dose["effectivePeriod"] = {"start": "2020-05-30"}
    return dose


def set_dose(value: Any) -> Callable[[dict[str, Any]], Any]:
    return lambda r: r["dosage"]["dose"].update(value=value)


#: Any value (the table does not check it).
ANY = object()
PATIENT = SMALL["entry"][0]["fullUrl"]
IGE = {"system": "http://loinc.org", "code": "19113-0"}
STMT = f"Bundle.entry[{EXTRA}].resource.dosage[0].doseAndRate[0].doseQuantity"
#: story, how the fixture is broken, the element named, the value named, words of "allowed".
CASES: list[tuple[str, Breaking, str, Any, str]] = [
    ("dose above the limit", edit(2, set_dose(5000)),
     "Bundle.entry[2].resource.dosage.dose.value", 5000, "2400"),
    ("dose of zero", edit(2, set_dose(0)),
     "Bundle.entry[2].resource.dosage.dose.value", 0, "more than 0"),
    ("dose in grams above the limit", add(grams(5)),
     f"Bundle.entry[{EXTRA}].resource.dosage.dose.value", 5, "read as 5000"),
    ("dose without a number", edit(2, lambda r: r["dosage"]["dose"].pop("value")),
     "Bundle.entry[2].resource.dosage.dose.value", None, "amount given"),
    ("statement dose above the limit", add(statement([{"doseAndRate": [
        {"doseQuantity": {"value": 5000, "code": "mg"}}]}])), f"{STMT}.value", 5000, "2400"),
    ("statement with two dosages", add(statement([{"text": "a"}, {"text": "b"}])),
     f"Bundle.entry[{EXTRA}].resource.dosage", "2 dosages", "exactly one dosage"),
    ("statement without doseAndRate", add(statement([{"text": "a"}])),
     f"Bundle.entry[{EXTRA}].resource.dosage[0].doseAndRate", "0 entries", "exactly one"),
    ("dose dated by a period after the evaluation date", add(period_dose()),
     f"Bundle.entry[{EXTRA}].resource.effectivePeriod.start", "2020-05-30", "evaluation_date"),
    ("weight above the limit", edit(1, lambda r: r["valueQuantity"].update(value=5000)),
     "Bundle.entry[1].resource.valueQuantity.value", 5000, "300"),
    ("weight in pounds above the limit", add(pounds(1000)),
     f"Bundle.entry[{EXTRA}].resource.valueQuantity.value", 1000, "read as 453.592"),
    ("two weights of one date that disagree", add(weight("2020-01-06", 31)),
     f"Bundle.entry[{EXTRA}].resource.valueQuantity.value", "31 kg",
     "Bundle.entry[1].resource.valueQuantity.value gives 30 kg"),
    ("two total IgE of one date that disagree", add(
        observation(IGE, "2019-12-01", valueQuantity={"value": 300, "code": "[IU]/mL"}),
        observation(IGE, "2019-12-01", valueQuantity={"value": 242, "code": "ng/mL"})),
     f"Bundle.entry[{EXTRA + 1}].resource.valueQuantity.value", "100 IU/mL",
     f"Bundle.entry[{EXTRA}].resource.valueQuantity.value gives 300 IU/mL"),
    ("weight without a number", edit(1, lambda r: r["valueQuantity"].pop("value")),
     "Bundle.entry[1].resource.valueQuantity.value", None, "body weight"),
    ("score as a quantity out of range", add(observation(
        SCORE, "2020-04-06", valueQuantity={"value": 12})),
     f"Bundle.entry[{EXTRA}].resource.valueQuantity.value", 12, "10"),
    ("total IgE without a number", add(observation(
        IGE, "2019-12-01", valueQuantity={"unit": "kU/L", "code": "kU/L"})),
     f"Bundle.entry[{EXTRA}].resource.valueQuantity.value", None, "total IgE"),
    ("birth date in year 9999", edit(0, lambda r: r.update(birthDate="9999-12-31")),
     "Bundle.entry[0].resource.birthDate", "9999-12-31", "1900-01-01 to 2020-04-20"),
    ("birth date after the evaluation date", edit(0, lambda r: r.update(birthDate="2021-01")),
     "Bundle.entry[0].resource.birthDate", "2021-01-01", "not after the evaluation date"),
    ("birth date before 1900", edit(0, lambda r: r.update(birthDate="1899-12-31")),
     "Bundle.entry[0].resource.birthDate", "1899-12-31", "2199-12-31"),
    ("option set twice", param({"name": "samples", "valueInteger": 60}),
     f"Bundle.entry[{PARAMS}].resource.parameter[5]", "samples",
     f"Bundle.entry[{PARAMS}].resource.parameter[1] sets it already"),
    ("option set in two Parameters", add({"resourceType": "Parameters", "parameter": [
        {"name": "interval_options_days.max", "valueInteger": 56}]}),
     f"Bundle.entry[{EXTRA}].resource.parameter[0]", "interval_options_days.max",
     f"Bundle.entry[{PARAMS}].resource.parameter[3] sets it already"),
    ("option inside another option", param({"name": "interval_options_days",
                                            "valueString": "14-84"}),
     f"Bundle.entry[{PARAMS}].resource.parameter[5]", "interval_options_days",
     f"Bundle.entry[{PARAMS}].resource.parameter[2] sets it already"),
    ("option of the wrong kind", edit(PARAMS, lambda r: r["parameter"][1].update(
        valueInteger=None, valueString="many")),
     f"Bundle.entry[{PARAMS}].resource.parameter[1].valueString", "many", "a whole number"),
    ("option out of range", edit(PARAMS, lambda r: r["parameter"][2].update(valueInteger=0)),
     f"Bundle.entry[{PARAMS}].resource.parameter[2].valueInteger", 0, "at least 1"),
    ("option name with an empty part", param({"name": "plan..x", "valueInteger": 3}),
     f"Bundle.entry[{PARAMS}].resource.parameter[5].name", "plan..x", "dotted path"),
    ("option name that is no field name", param({"name": ".plan", "valueInteger": 3}),
     f"Bundle.entry[{PARAMS}].resource.parameter[5].name", ".plan", "dotted path"),
    ("option given as a Quantity", param({"name": "threshold_score",
                                          "valueQuantity": {"value": 3}}),
     f"Bundle.entry[{PARAMS}].resource.parameter[5].valueQuantity", "a Quantity",
     "primitive type"),
    ("option given as nested parts", param({"name": "plan", "part": [
        {"name": "horizon_weeks", "valueInteger": 8}]}),
     f"Bundle.entry[{PARAMS}].resource.parameter[5].part", "a parameter with part",
     "dotted path"),
    ("option inside a group that needs its kind", param({"name": "target.max_ng_per_ml",
                                                         "valueDecimal": 25.0}),
     f"Bundle.entry[{PARAMS}].resource.parameter[5].valueDecimal", ANY, "discriminator"),
    ("evaluation date after 2199", edit(PARAMS, lambda r: r["parameter"][0].update(
        valueString="9999-01-01")),
     f"Bundle.entry[{PARAMS}].resource.parameter[0].valueString", "9999-01-01", "2199-12-31"),
    ("nothing dates the question", lambda b: {**b, "entry": b["entry"][:2]},
     "Bundle.entry", None, "evaluation_date"),
    ("observation with a null code", edit(6, lambda r: r.update(code=None)),
     "Bundle.entry[6].resource.code", None, "what was observed"),
    ("a dose of another patient", edit(3, lambda r: r.update(
        subject={"reference": "Patient/someone-else"})),
     "Bundle.entry[3].resource.subject.reference", WITHHELD_VALUE,
     "the bundle's Patient (Bundle.entry[0].resource"),
    ("a score of another patient", edit(6, lambda r: r.update(
        subject={"reference": "urn:uuid:00000000-0000-4000-8000-000000000999"})),
     "Bundle.entry[6].resource.subject.reference", WITHHELD_VALUE,
     "one patient's record"),
    ("evaluation date that is no date", edit(PARAMS, lambda r: r["parameter"][0].update(
        valueString="2020-02-31")),
     f"Bundle.entry[{PARAMS}].resource.parameter[0].valueString", "2020-02-31", "ISO date"),
]


def post(bundle: dict[str, Any]) -> Any:
    body = json.loads(json.dumps({k: v for k, v in bundle.items()}))
    for e in body["entry"]:
        for p in e["resource"].get("parameter", []):
            for k in [k for k, v in p.items() if v is None]:
                del p[k]
    return client.post("/v1/fhir/recommendations", content=json.dumps(body),
                       headers={"Content-Type": "application/fhir+json"})


@pytest.mark.parametrize(("story", "breaking", "element", "value", "allowed"), CASES,
                         ids=[c[0] for c in CASES])
def test_every_refusal_names_its_element_and_value(
        story: str, breaking: Breaking, element: str, value: Any, allowed: str) -> None:
    r = post(breaking(copy.deepcopy(SMALL)))
    assert r.status_code == 422, r.text
    item = r.json()["detail"][0]
    assert item["field"] == element, item
    assert value is ANY or item["value"] == value, item
    assert allowed in item["allowed"], item


def test_an_option_set_twice_names_both_parameters() -> None:
    bundle = param({"name": "samples", "valueInteger": 60})(copy.deepcopy(SMALL))
    with pytest.raises(InputError) as err:
        read_bundle(bundle)
    assert err.value.field == f"Bundle.entry[{PARAMS}].resource.parameter[5]"
    assert f"Bundle.entry[{PARAMS}].resource.parameter[1]" in str(err.value)


def test_repeated_list_options_are_still_read() -> None:
    bundle = param({"name": "dose_options_mg", "valueDecimal": 150.0},
                   {"name": "dose_options_mg", "valueDecimal": 300.0})(copy.deepcopy(SMALL))
    imported = read_bundle(bundle)
    assert imported.request.dose_options_mg == [150.0, 300.0]
    assert imported.locate("dose_options_mg[1]") == \
        f"Bundle.entry[{PARAMS}].resource.parameter[6].valueDecimal"


@pytest.mark.parametrize(("birth", "age"), [("2011-06-15", 8), ("1900-04-20", 120),
                                            ("1900-01-01", 120), ("2020-04-20", 0),
                                            ("2020", 0)])
def test_a_birth_date_in_range_gives_the_age(birth: str, age: int) -> None:
    bundle = edit(0, lambda r: r.update(birthDate=birth))(copy.deepcopy(SMALL))
    assert read_bundle(bundle).age_years == age


def test_the_oldest_birth_date_allowed_is_120_years_back() -> None:
    evaluation = edit(PARAMS, lambda r: r["parameter"][0].update(valueString="2150-03-01"))
    bundle = evaluation(edit(0, lambda r: r.update(birthDate="2029-03-01"))(
        copy.deepcopy(SMALL)))
    with pytest.raises(InputError, match="a date from 2029-03-02 to 2150-03-01"):
        read_bundle(bundle)
    ok = evaluation(edit(0, lambda r: r.update(birthDate="2029-03-02"))(copy.deepcopy(SMALL)))
    assert read_bundle(ok).age_years == 120


def test_subjects_resolve_to_the_patient_by_full_url_id_or_relative_reference() -> None:
    bundle = copy.deepcopy(SMALL)
    bundle["entry"][0]["fullUrl"] = "https://ehr.example/fhir/Patient/p7"
    for n, e in enumerate(bundle["entry"][1:]):
        if "subject" in e["resource"]:
            e["resource"]["subject"]["reference"] = (
                "https://ehr.example/fhir/Patient/p7" if n % 2 else "Patient/p7")
    assert read_bundle(bundle).patient_reference == "https://ehr.example/fhir/Patient/p7"


def test_without_a_patient_every_subject_must_be_the_same() -> None:
    bundle = copy.deepcopy(SMALL)
    bundle["entry"][0]["resource"] = {"resourceType": "Parameters"}
    read_bundle(bundle)   # every subject is the same reference
    bundle["entry"][4]["resource"]["subject"]["reference"] = "Patient/other"
    with pytest.raises(InputError, match="same subject as Bundle.entry"):
        read_bundle(bundle)


def test_two_readings_of_one_date_that_agree_are_read() -> None:
    bundle = add(observation(IGE, "2019-12-01", valueQuantity={"value": 300, "code": "kU/L"}),
                 observation(IGE, "2019-12-01", valueQuantity={"value": 300, "code": "[IU]/mL"}),
                 weight("2020-01-06", 30.0))(copy.deepcopy(SMALL))
    patient = read_bundle(bundle).request.patient
    assert (patient.weight_kg, patient.baseline_ige_iu_per_ml) == (30.0, 300.0)


def test_a_warning_about_the_whole_history_is_not_pinned_to_one_resource() -> None:
    imported = read_bundle(copy.deepcopy(SMALL))
    assert imported.locate("history") == "history"
    assert imported.locate("patient") == "patient"
    assert imported.locate("interval_options_days") == \
        f"Bundle.entry[{PARAMS}].resource.parameter[2].valueInteger"
