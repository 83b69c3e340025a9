"""Story: an attacker or a careless script sends anything at all. Every answer is a 4xx that
names the field, shows the value once and shortened, and matches the declared error schema;
strict types hold; every page carries the security headers; the API documentation works with
no network."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import app
from optimizer.settings import get_settings

client = TestClient(app, raise_server_exceptions=False)
LONE = "\ud800"  # a lone surrogate: json.dumps writes it as an escape, as an attacker would
COMPARE: dict[str, Any] = {"patient": {"weight_kg": 30}, "schedules": ["300 mg q4w"]}


def post_raw(path: str, body: Any, **kwargs: Any) -> Any:
    text = body if isinstance(body, str) else json.dumps(body)  # ASCII, escapes kept
    return client.post(path, content=text.encode("utf-8"),
                       headers={"content-type": "application/json"}, **kwargs)


def assert_error_body(r: Any, status: int = 422) -> list[dict[str, Any]]:
    assert r.status_code == status, r.text
    detail = r.json()["detail"]
    assert isinstance(detail, list) and detail
    for item in detail:
        assert set(item) == {"field", "value", "allowed", "message"}
        assert isinstance(item["allowed"], str) and isinstance(item["message"], str)
    return list(detail)


LONE_SURROGATES: list[tuple[str, dict[str, Any]]] = [
    ("/v1/recommendations", {"patient": {"patient_reference": "JANE-DOE-12345", "x": LONE}}),
    ("/v1/recommendations", {"patient": {"weight_kg": LONE}}),
    ("/v1/recommendations", {"patient": {"weight_kg": 30, LONE: 1}}),
    ("/v1/comparisons", {**COMPARE, "schedules": [LONE]}),
    ("/v1/comparisons/plot", {**COMPARE, "schedules": [LONE]}),
    ("/v1/ige-table", {LONE: 1}),
    ("/v1/surrogate-check", {"dose_mg": LONE}),
    ("/v1/batches", {"files": [LONE]}),
    ("/v1/batches", {LONE: []}),
]


@pytest.mark.parametrize(("path", "body"), LONE_SURROGATES)
def test_a_lone_surrogate_anywhere_is_a_422_not_a_500(path: str, body: dict[str, Any]) -> None:
    detail = assert_error_body(post_raw(path, body))
    assert "JANE-DOE" not in json.dumps(detail)


@pytest.mark.parametrize("start_date", ["9999-06-01", "0001-01-01", "2200-01-01"])
@pytest.mark.parametrize("path", ["/v1/comparisons", "/v1/comparisons/plot"])
def test_dates_outside_the_api_range_are_refused(path: str, start_date: str) -> None:
    detail = assert_error_body(post_raw(path, {**COMPARE, "start_date": start_date}))
    assert detail[0]["field"] == "start_date" and "1900-01-01" in detail[0]["allowed"]


def test_dates_in_a_history_are_checked_too() -> None:
    body = {"patient": {"weight_kg": 30}, "history": {
        "doses": [{"date": "9999-12-31", "dose_mg": 300}], "observations": []}}
    detail = assert_error_body(client.post("/v1/recommendations", json=body))
    assert any("1900-01-01" in d["allowed"] for d in detail)


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/v1/recommendations", {"patient": {"weight_kg": True}}, "patient.weight_kg"),
    ("/v1/recommendations", {"patient": {"weight_kg": 30}, "dose_options_mg": [True, 150]},
     "dose_options_mg[0]"),
    ("/v1/comparisons", {"patient": {"weight_kg": 30}, "schedules": ["300 mg q4w"],
                         "horizon_days": False}, "horizon_days"),
])
def test_booleans_are_not_numbers(path: str, body: dict[str, Any], field: str) -> None:
    detail = assert_error_body(client.post(path, json=body))
    assert detail[0]["field"] == field and "true/false" in detail[0]["allowed"]


@pytest.mark.parametrize("schedule", ["300 mg q\u0664w", "\u0663\u0660\u0660 mg q4w",
                                      "300 mg q\uff14w"])
def test_schedule_text_takes_ascii_digits_only(schedule: str) -> None:
    body = {"patient": {"weight_kg": 30}, "schedules": [schedule]}
    detail = assert_error_body(client.post("/v1/comparisons", json=body))
    assert detail[0]["field"].startswith("schedules[0]") and "0-9" in detail[0]["allowed"]


@pytest.mark.parametrize("text", ["bed\u00004", "bed\u0007", "a\u001bb"])
def test_control_characters_are_refused_and_a_reference_is_never_echoed(text: str) -> None:
    body = {"patient": {"weight_kg": 30, "patient_reference": text}}
    r = client.post("/v1/recommendations", json=body)
    detail = assert_error_body(r)
    assert detail[0]["field"] == "patient.patient_reference" and "bed" not in r.text


def test_unknown_fields_are_refused_on_every_post_route() -> None:
    for path, body in [("/v1/recommendations", {"patient": {"weight_kg": 30}}),
                       ("/v1/comparisons", {"patient": {"weight_kg": 30},
                                            "schedules": ["300 mg q4w"]}),
                       ("/v1/ige-table", {}), ("/v1/surrogate-check", {}),
                       ("/v1/batches", {"files": ["reference-case.toml"]})]:
        detail = assert_error_body(client.post(path, json={**body, "surprise": 1}))
        assert detail[0]["field"] == "surprise", path


def test_a_body_above_the_limit_is_a_413_and_is_not_read_past_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOSEOPT_MAX_BODY_BYTES", "100000")
    get_settings.cache_clear()
    big = json.dumps({"patient": {"weight_kg": 30, "patient_reference": "a" * 200_000}})
    r = post_raw("/v1/recommendations", big)
    detail = assert_error_body(r, 413)
    assert detail[0]["field"] == "body" and "100,000 bytes" in detail[0]["allowed"]
    assert len(r.content) < 1_000

    def chunks() -> Any:  # no Content-Length: counted while read
        for _ in range(30):
            yield b" " * 10_000

    r = client.post("/v1/recommendations", content=chunks(),
                    headers={"content-type": "application/json"})
    assert_error_body(r, 413)


def test_an_echoed_value_is_shortened_and_appears_once() -> None:
    long_name = "q" * 50_000
    r = client.post("/v1/comparisons", json={"patient": {"weight_kg": 30},
                                             "schedules": [long_name]})
    detail = assert_error_body(r)
    assert len(r.content) < 10_000
    item = detail[0]
    assert item["value"].startswith("q" * 100) and "50,000 characters" in item["value"]
    assert "q" * 100 not in item["message"]


def test_an_unreadable_body_names_the_body() -> None:
    for text in ("{not json", "\xff", ""):
        detail = assert_error_body(post_raw("/v1/recommendations", text))
        assert detail[0]["field"] == "body"


@pytest.mark.parametrize("path", ["/", "/compare", "/ige", "/docs", "/redoc"])
def test_every_html_page_carries_a_strict_policy(path: str) -> None:
    r = client.get(path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
    assert "script-src 'self';" in csp and "http" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"


def test_json_answers_carry_the_headers_too() -> None:
    r = client.get("/v1/health")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in r.headers


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_api_docs_load_everything_from_this_service(path: str) -> None:
    page = client.get(path).text
    assert "http://" not in page and "https://" not in page and "<script>" not in page
    sources = [part.split('"')[1] for part in page.split("src=")[1:]] + \
        [part.split('"')[1] for part in page.split("href=")[1:]]
    assert sources
    for source in sources:
        asset = client.get(source)
        assert asset.status_code == 200 and len(asset.content) > 100, source


def test_every_operation_declares_the_error_schema() -> None:
    spec = client.get("/openapi.json").json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for code in ("422",) if method == "get" else ("400", "413", "422"):
                if method == "get" and not operation.get("parameters"):
                    continue
                content = operation["responses"][code]["content"]["application/json"]
                assert content["schema"]["$ref"].endswith("/ErrorBody"), (path, method, code)


@pytest.mark.parametrize("headers", [{"content-type": "text/plain"}, {}])
def test_a_body_not_sent_as_json_is_a_400_naming_the_body(headers: dict[str, str]) -> None:
    r = client.post("/v1/recommendations", content=b'{"patient": {"weight_kg": 30}}',
                    headers=headers)
    assert r.status_code == 400, r.text
    (detail,) = r.json()["detail"]
    assert detail["field"] == "body" and "application/json" in detail["allowed"]
    assert "b'" not in r.text    # no Python bytes repr in a message


@pytest.mark.parametrize("raw", [
    b'{"patient": {"weight_kg": 30, "note": "\xe9"}}',          # Latin-1, not UTF-8
    b"[" * 100_000 + b"]" * 100_000,                          # deeper than the reader follows
    b'{"patient": {"weight_kg": 1' + b"0" * 5_000 + b"}}",    # an integer too long to read
])
def test_bytes_that_are_not_readable_json_are_a_400_naming_the_body(raw: bytes) -> None:
    r = client.post("/v1/recommendations", content=raw,
                    headers={"content-type": "application/json"})
    (detail,) = assert_error_body(r, 400)
    assert detail["field"] == "body" and "UTF-8" in detail["allowed"]
    assert detail["message"].startswith("body: ")


@pytest.mark.parametrize(("path", "raw", "key"), [
    ("/v1/recommendations", '{"patient": {"weight_kg": 30}, "threshold_score": 2, '
                            '"threshold_score": 3}', "threshold_score"),
    ("/v1/recommendations", '{"patient": {"weight_kg": 30, "weight_kg": 300}}', "weight_kg"),
    ("/v1/fhir/recommendations", '{"resourceType": "Bundle", "type": "collection", '
                                 '"type": "batch"}', "type"),
])
def test_a_key_written_twice_is_refused_not_read_either_way(path: str, raw: str,
                                                            key: str) -> None:
    (detail,) = assert_error_body(post_raw(path, raw))
    assert detail["field"] == "body" and detail["value"] == key
    assert "once" in detail["allowed"] and f"'{key}'" in detail["message"]


def test_the_same_key_in_two_objects_is_not_a_repeat() -> None:
    r = post_raw("/v1/recommendations", '{"patient": {"weight_kg": 30}, "history": {'
                 '"doses": [{"date": "2024-01-01", "dose_mg": 300}, '
                 '{"date": "2024-01-29", "dose_mg": 300}], "observations": []}}')
    assert r.status_code == 200, r.text


def test_a_whole_number_too_large_to_read_is_named_without_speaking_of_strings() -> None:
    r = client.post("/v1/recommendations", json={
        "patient": {"weight_kg": 30}, "interval_options_days": {"min": 14, "max": 1e308}})
    (detail,) = assert_error_body(r)
    assert detail["field"] == "interval_options_days.max"
    assert "whole number" in detail["allowed"] and "string" not in detail["allowed"]


def test_an_unknown_record_id_is_shown_with_the_api_escapes_not_python_ones() -> None:
    r = client.get("/v1/recommendations/%00ab%C3%A9")
    assert r.status_code == 404
    detail = r.json()["detail"][0]
    assert detail["value"] == "\\u0000abé"
    assert detail["message"] == "No recommendation is stored under id '\\u0000abé'."
