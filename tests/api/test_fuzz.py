"""Story: a fuzzer drives every operation from the OpenAPI document. No answer is a 5xx, and
every answer — success or error, with its status code, content type and body — is one the
document declares. (The long run, over 10,000 requests, is ``benchmarks/fuzz_api.py``.)"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.main import app

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]

schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.fixture(autouse=True)
def one_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOSEOPT_WORKERS", "1")  # a fuzzed batch that validates runs small


#: Operations whose answers take long to compute (a population, a dosing grid): fewer
#: examples here, as many as the others in the long run.
HEAVY = "^/v1/(comparisons|comparisons/plot|ige-table|surrogate-check)$"


@schema.exclude(path_regex=HEAVY).parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_its_schema_declares(case: Any) -> None:
    case.call_and_validate(checks=CHECKS)


@schema.include(path_regex=HEAVY).parametrize()
@settings(max_examples=2, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_heavy_operation_answers_as_its_schema_declares(case: Any) -> None:
    case.call_and_validate(checks=CHECKS)
