"""Story: an operator reads the service's logs. Whatever a request carried and whatever went
wrong, no patient reference is written there — not in a message, an argument or a traceback —
and the access log still reads as usual."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from api.limits import BodyLimitMiddleware
from api.privacy import WITHHELD, PrivacyFilter, install_privacy_filter, note_references

REFERENCE = "Jane Doe, MRN 0012345"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    install_privacy_filter()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger("doseopt.test")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield stream
    logger.removeHandler(handler)


def test_a_reference_from_the_request_is_withheld_everywhere(captured: io.StringIO) -> None:
    note_references(json.dumps({"patient": {"weight_kg": 30,
                                            "patient_reference": REFERENCE}}).encode())
    log = logging.getLogger("doseopt.test")
    log.info("answer for %s", REFERENCE)
    log.warning("request %r", {"patient": {"patient_reference": REFERENCE}})
    try:
        raise ValueError(f"cannot store {REFERENCE!r}")
    except ValueError:
        log.exception("store failed")
    text = captured.getvalue()
    assert "Jane Doe" not in text and "0012345" not in text
    assert text.count(WITHHELD) >= 3 and "Traceback" in text and "ValueError" in text


def test_a_labelled_reference_is_withheld_even_from_another_request(
        captured: io.StringIO) -> None:
    note_references(b"{}")  # this request carried none
    logging.getLogger("doseopt.test").error("bad input patient_reference='%s' x=1", "bed 4")
    assert "bed 4" not in captured.getvalue() and "x=1" in captured.getvalue()


def test_access_log_arguments_keep_their_shape() -> None:
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1,
                               '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "POST", "/v1/recommendations", "1.1", 200),
                               None)
    PrivacyFilter().filter(record)
    assert isinstance(record.args, tuple) and len(record.args) == 5
    assert record.getMessage().endswith("200")


def test_a_failing_route_logs_its_traceback_without_the_reference() -> None:
    install_privacy_filter()
    app = FastAPI()
    app.add_middleware(BodyLimitMiddleware)
    log = logging.getLogger("doseopt.test.route")

    @app.post("/boom")
    async def boom(request: Request) -> dict[str, Any]:
        body = await request.json()
        try:
            raise RuntimeError(f"no answer for {body['patient']['patient_reference']}")
        except RuntimeError:
            log.exception("request failed")
        return {}

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    log.addHandler(handler)
    try:
        client = TestClient(app)
        r = client.post("/boom", json={"patient": {"patient_reference": REFERENCE}})
        assert r.status_code == 200
    finally:
        log.removeHandler(handler)
    assert "RuntimeError" in stream.getvalue() and "Jane Doe" not in stream.getvalue()


def test_a_short_reference_is_withheld_as_a_word_not_inside_other_words(
        captured: io.StringIO) -> None:
    """Found by the long fuzz: a one-letter reference turned every "i" of the access log into
    the placeholder, and merging the access log's arguments broke its formatter."""
    note_references(b'{"patient": {"patient_reference": "i"}}')
    logging.getLogger("doseopt.test").info("recommendation for i stored")
    assert captured.getvalue().strip() == f"INFO recommendation for {WITHHELD} stored"
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1,
                               '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "POST", "/v1/i", "1.1", 422), None)
    PrivacyFilter().filter(record)
    assert isinstance(record.args, tuple) and len(record.args) == 5
    assert record.getMessage() == f'127.0.0.1:5000 - "POST /v1/{WITHHELD} HTTP/1.1" 422'
