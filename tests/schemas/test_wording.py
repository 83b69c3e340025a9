"""Errors read in the project's words: a bound as a person writes it, never pydantic's
"Input should be ..." or "Value error, ..."."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import app
from optimizer.schemas.validation import house_wording

client = TestClient(app)


@pytest.mark.parametrize(("body", "field", "allowed"), [
    ({"patient": {"weight_kg": 3000}}, "patient.weight_kg", "at most 300"),
    ({"patient": {"weight_kg": "heavy"}}, "patient.weight_kg", "a number"),
    ({"patient": {}}, "patient.weight_kg", "a value (this field is required)"),
    ({"patient": {"weight_kg": 30}, "min_probability": 0.2}, "min_probability", "at least 0.5"),
    ({"patient": {"weight_kg": 30}, "dose_options_mg": []}, "dose_options_mg",
     "at least 1 item(s)"),
    ({"patient": {"weight_kg": 30}, "target": {"kind": "level"}}, "target",
     "one of 'score', 'free_ige'"),
])
def test_a_refusal_states_what_is_allowed_in_plain_words(body: dict[str, Any], field: str,
                                                         allowed: str) -> None:
    r = client.post("/v1/recommendations", json=body)
    assert r.status_code == 422
    item = next(d for d in r.json()["detail"] if d["field"] == field)
    assert item["allowed"] == allowed
    assert "Input should" not in r.text and "Value error" not in r.text


def test_an_unknown_error_type_keeps_its_message_without_the_value_error_prefix() -> None:
    assert house_wording({"type": "value_error", "msg": "Value error, a dose in mg"}) == \
        "a dose in mg"
    assert house_wording({"type": "something_new", "msg": "as pydantic says"}) == \
        "as pydantic says"
    # a context that does not fit the template falls back to the message
    assert house_wording({"type": "less_than_equal", "msg": "Input should be ...", "ctx": {}}
                         ) == "Input should be ..."
    assert house_wording({"type": "less_than_equal", "msg": "Input should be less than or "
                          "equal to 2.5", "ctx": {"le": 2.5}}) == "at most 2.5"
    # a validator's own error of a known type keeps its own words
    assert house_wording({"type": "date_type", "msg": "an ISO date; a number is not read"}
                         ) == "an ISO date; a number is not read"
