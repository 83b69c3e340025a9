"""Story: whatever an EHR sends, the FHIR route answers or names the element: never a 5xx."""

from __future__ import annotations

import copy
import json
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from api.main import app
from tests.fhir.bundles import bundle_from_request
from tests.fhir.test_history_realities import BASE

client = TestClient(app)
SMALL = bundle_from_request(copy.deepcopy(BASE))
#: Elements of the resources in the fixture, to be replaced, removed or mistyped.
KEYS = sorted({k for e in SMALL["entry"] for k in e["resource"]} |
              {"medicationReference", "effectivePeriod", "valueBoolean", "contained"})
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 10**6) | st.floats(allow_nan=False)
    | st.text(max_size=12) | st.sampled_from(["2020-03-02", "2020-03-02T09:00:00Z", "2020",
                                             "completed", "mg", "Medication/x", "#x"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["value", "unit", "code", "reference", "start", "coding", "text",
                         "dose", "system", "resourceType", "id"]), inner, max_size=3),
    max_leaves=6)


@given(patches=st.lists(st.tuples(st.integers(0, len(SMALL["entry"]) - 1),
                                  st.sampled_from(KEYS), json_values | st.just("<drop>")),
                        min_size=1, max_size=3))
@settings(max_examples=120)
def test_no_bundle_yields_a_5xx(patches: list[tuple[int, str, Any]]) -> None:
    bundle = copy.deepcopy(SMALL)
    for i, key, value in patches:
        resource = bundle["entry"][i]["resource"]
        if value == "<drop>":
            resource.pop(key, None)
        else:
            resource[key] = value
    r = client.post("/v1/fhir/recommendations", content=json.dumps(bundle),
                    headers={"Content-Type": "application/fhir+json"})
    assert r.status_code < 500, r.text
    if r.status_code == 422:
        assert named(r.json()["detail"][0]["field"]), r.json()["detail"][0]


#: Paths into the fixture's resources, for values nested below the top level.
NESTED = [(2, ("dosage", "dose")), (1, ("valueQuantity",)), (6, ("code",)),
          (0, ()), (2, ("medicationCodeableConcept",)), (9, ())]
option_names = st.sampled_from(["threshold_score", "samples", "evaluation_date",
                                "dose_options_mg", "plan", "plan.horizon_weeks", "target",
                                "target.kind", "interval_options_days.min", "label",
                                "priors.score_sd", "min_probability", "x..y", "", "pk"])
option_values = st.sampled_from(["valueString", "valueInteger", "valueDecimal",
                                 "valueBoolean", "valueDate", "valueCode"])


def named(field: str) -> bool:
    """A 422 about a bundle names a bundle element (or the bundle's resourceType)."""
    return field.startswith("Bundle") or field == "resourceType"


@given(patches=st.lists(st.tuples(st.sampled_from(NESTED), st.text(
           alphabet="abcdefghijklmnopqrstuvwxyzV", min_size=1, max_size=8)
           | st.sampled_from(["value", "unit", "code", "system", "birthDate", "coding"]),
           json_values), max_size=3),
       options=st.lists(st.tuples(option_names, option_values, json_values), max_size=3))
@settings(max_examples=120)
def test_every_422_names_a_bundle_element(patches: list[tuple[tuple[int, tuple[str, ...]],
                                                               str, Any]],
                                          options: list[tuple[str, str, Any]]) -> None:
    bundle = copy.deepcopy(SMALL)
    for (i, path), key, value in patches:
        node = bundle["entry"][i]["resource"]
        for part in path:
            node = node.setdefault(part, {})
        if isinstance(node, dict):
            node[key] = value
    for name, kind, value in options:
        bundle["entry"][9]["resource"]["parameter"].append({"name": name, kind: value})
    r = client.post("/v1/fhir/recommendations", content=json.dumps(bundle),
                    headers={"Content-Type": "application/fhir+json"})
    assert r.status_code < 500, r.text
    if r.status_code == 422:
        assert named(r.json()["detail"][0]["field"]), r.json()["detail"][0]
