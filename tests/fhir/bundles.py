"""Build FHIR R4 request bundles from our own request dictionaries (test fixtures): the same
data as the JSON request, written the way an EHR writes it."""

from __future__ import annotations

from typing import Any

SCORE = {"system": "urn:doseopt:observation", "code": "symptom-score"}
SYMPTOMATIC = {"system": "urn:doseopt:observation", "code": "symptomatic"}
WEIGHT = {"system": "http://loinc.org", "code": "29463-7", "display": "Body weight"}
OMALIZUMAB = {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                          "code": "302379", "display": "omalizumab"}], "text": "Omalizumab"}
#: Request fields written as Parameters (the question, not the patient's data).
OPTION_FIELDS = ("threshold_score", "dose_options_mg", "evaluation_date", "min_probability",
                 "samples")


def entry(n: int, resource: dict[str, Any]) -> dict[str, Any]:
    return {"fullUrl": f"urn:uuid:00000000-0000-4000-8000-{n:012d}", "resource": resource}


def administration(day: str, dose_mg: float, *, time: str = "T09:30:00+01:00",
                   status: str = "completed") -> dict[str, Any]:
    return {"resourceType": "MedicationAdministration", "status": status,
            "medicationCodeableConcept": OMALIZUMAB,
            "subject": {"reference": "urn:uuid:00000000-0000-4000-8000-000000000001"},
            "effectiveDateTime": day + time,
            "dosage": {"route": {"coding": [{"system": "http://snomed.info/sct",
                                             "code": "34206005"}]},
                       "dose": {"value": dose_mg, "unit": "mg",
                                "system": "http://unitsofmeasure.org", "code": "mg"}}}


def observation(code: dict[str, str], day: str, **value: Any) -> dict[str, Any]:
    return {"resourceType": "Observation", "status": "final", "code": {"coding": [code]},
            "subject": {"reference": "urn:uuid:00000000-0000-4000-8000-000000000001"},
            "effectiveDateTime": day, **value}


def weight(day: str, kg: float) -> dict[str, Any]:
    return observation(WEIGHT, day, valueQuantity={
        "value": kg, "unit": "kg", "system": "http://unitsofmeasure.org", "code": "kg"})


def parameters(request: dict[str, Any]) -> dict[str, Any]:
    params: list[dict[str, Any]] = []
    for name in OPTION_FIELDS:
        value = request.get(name)
        for v in value if isinstance(value, list) else [value]:
            if v is not None:
                params.append({"name": name, **_value(v)})
    for group in ("interval_options_days", "plan"):
        for key, v in (request.get(group) or {}).items():
            params.append({"name": f"{group}.{key}", **_value(v)})
    return {"resourceType": "Parameters", "parameter": params}


def _value(v: Any) -> dict[str, Any]:
    if isinstance(v, bool):
        return {"valueBoolean": v}
    if isinstance(v, int):
        return {"valueInteger": v}
    if isinstance(v, float):
        return {"valueDecimal": v}
    return {"valueString": str(v)}


def bundle_from_request(request: dict[str, Any], *,
                        birth_date: str = "2011-06-15") -> dict[str, Any]:
    """A collection Bundle carrying ``request``'s weight, history and options."""
    history = request.get("history", {})
    resources: list[dict[str, Any]] = [{"resourceType": "Patient", "birthDate": birth_date}]
    first = min([d["date"] for d in history.get("doses", [])], default="2019-01-01")
    resources.append(weight(first, request["patient"]["weight_kg"]))
    for d in history.get("doses", []):
        resources.append(administration(str(d["date"]), d["dose_mg"]))
    for o in history.get("observations", []):
        if o.get("score") is not None:
            resources.append(observation(SCORE, str(o["date"]), valueInteger=int(o["score"])))
        if o.get("symptomatic") is not None:
            resources.append(observation(SYMPTOMATIC, str(o["date"]),
                                         valueBoolean=o["symptomatic"]))
    resources.append(parameters(request))
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [entry(n + 1, r) for n, r in enumerate(resources)]}
