"""Story: over HTTP, a grid or check that would run past DOSEOPT_REQUEST_TIME_LIMIT_S is
answered 422 at once, naming the field, the estimate and the limit; a plan that runs out of
time leaves a 200 with the recommendation and a warning."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import app
from optimizer.errors import SolverError
from optimizer.services import free_ige as free_ige_service
from optimizer.services import individual as individual_service
from optimizer.settings import get_settings
from tests.services.test_budget import HISTORY, SLOW_GRID

client = TestClient(app)


def _must_not_run(*_: Any, **__: Any) -> Any:
    raise AssertionError("the heavy computation ran although the budget refuses it")


def test_the_slow_grid_is_answered_422_without_computing(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(free_ige_service, "dosing_grid", _must_not_run)
    r = client.post("/v1/ige-table", json=SLOW_GRID)
    assert r.status_code == 422, r.text
    (item,) = r.json()["detail"]
    assert item["field"] == "interval_options_days" and item["value"] == [363, 364, 365]
    limit = get_settings().request_time_limit_s
    assert f"{limit:g} s" in item["allowed"] and "DOSEOPT_REQUEST_TIME_LIMIT_S" in item["allowed"]
    assert "estimated" in item["allowed"]


def test_a_raised_limit_lets_a_larger_grid_through(monkeypatch: pytest.MonkeyPatch) -> None:
    body = {"weights_kg": [50, 70], "ige_iu_per_ml": [300], "dose_options_mg": [300, 600],
            "interval_options_days": [364]}
    monkeypatch.setenv("DOSEOPT_REQUEST_TIME_LIMIT_S", "0.01")
    get_settings.cache_clear()
    r = client.post("/v1/ige-table", json=body)
    assert r.status_code == 422 and "0.01 s" in r.json()["detail"][0]["allowed"]
    monkeypatch.setenv("DOSEOPT_REQUEST_TIME_LIMIT_S", "10")
    get_settings.cache_clear()
    r = client.post("/v1/ige-table", json=body)
    assert r.status_code == 200, r.text
    assert len(r.json()["cells"]) == 2


def test_a_surrogate_check_over_the_budget_is_422(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOSEOPT_REQUEST_TIME_LIMIT_S", "0.05")
    get_settings.cache_clear()
    r = client.post("/v1/surrogate-check", json={"horizon_days": 728, "fit": True})
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["field"] == "horizon_days"


def test_a_plan_time_out_answers_200_without_the_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    def timed_out(*_: Any, **__: Any) -> Any:
        raise SolverError("time limit reached without a plan", "kTimeLimit")

    monkeypatch.setattr(individual_service, "plan_transition", timed_out)
    r = client.post("/v1/recommendations", json=HISTORY)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["plan"] is None and body["interval_days"] is not None
    assert [w["field"] for w in body["warnings"] if w["code"] == "plan_time_limit"] == [
        "plan.time_limit_s"]
