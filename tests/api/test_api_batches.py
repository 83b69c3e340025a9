"""Story: a script submits a batch over HTTP, gets a job id at once, follows it, streams the
results, cancels a batch it no longer needs, and finds its job again (resumable) after the
service restarts."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import app
from optimizer.batch.grid import expand_document
from optimizer.schemas.batch import MAX_SCENARIOS_PER_BATCH
from optimizer.schemas.recommendation import RecommendationRequest
from optimizer.services.recommendation import recommend
from optimizer.settings import get_settings
from optimizer.storage.batches import BatchStatus, create_batch, get_batch, set_status
from optimizer.storage.engine import get_engine

INLINE: list[dict[str, Any]] = [
    {"kind": "recommendation", "patient": {"weight_kg": 30}},
    {"kind": "recommendation", "interval_options_days": {"step": 7},
     "grid": {"patient.weight_kg": [20, 45], "threshold_score": [1, 3]}},
]


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("DOSEOPT_WORKERS", "1")
    get_settings.cache_clear()
    with TestClient(app) as c:  # runs the service's start-up and shutdown
        yield c


def wait_done(client: TestClient, batch_id: str, timeout_s: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        body: dict[str, Any] = client.get(f"/v1/batches/{batch_id}").json()
        if body["status"] in ("done", "interrupted", "invalid", "cancelled"):
            return body
        time.sleep(0.1)
    raise TimeoutError(batch_id)


def without_timings(output: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in output.items() if k != "timings_ms"}
    out["solver"] = {k: v for k, v in out["solver"].items() if k != "time_ms"}
    return out


def test_submitted_batch_returns_an_id_at_once_and_streams_service_answers(
        client: TestClient) -> None:
    r = client.post("/v1/batches", json={"scenarios": INLINE,
                                         "files": ["grid-weights-thresholds.toml"]})
    assert r.status_code == 202, r.text
    job = r.json()
    assert (job["status"], job["total"]) == ("validating", 0)  # checked in the job, not here
    final = wait_done(client, job["id"])
    # 1 + 4 inline + 24 in the file, of which two inline ones (20 kg, thresholds 1 and 3, step
    # 7, 300 mg) ask the same question as file ones: each distinct question runs once
    assert (final["status"], final["total"], final["done"], final["failed"],
            final["pending"]) == ("done", 1 + 4 + 24 - 2, 27, 0, 0)
    lines = client.get(f"/v1/batches/{job['id']}/results")
    assert lines.headers["content-type"].startswith("application/x-ndjson")
    rows = [json.loads(line) for line in lines.text.splitlines()]
    assert len(rows) == len({row["id"] for row in rows}) == 27
    for row in rows:  # compare with the one-question service
        expected = recommend(RecommendationRequest.model_validate(row["input"]))
        assert without_timings(row["output"]) == without_timings(expected.model_dump(mode="json"))
    table = list(csv.DictReader(io.StringIO(
        client.get(f"/v1/batches/{job['id']}/results", params={"format": "csv"}).text)))
    assert [t["id"] for t in table] == [row["id"] for row in rows]
    assert {t["output.interval_days"] for t in table} == \
        {str(row["output"]["interval_days"]) for row in rows}


def test_unfinished_job_is_marked_interrupted_at_restart_and_resumes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOSEOPT_WORKERS", "1")
    get_settings.cache_clear()
    engine = get_engine(get_settings().database_url)
    scenarios = expand_document({"grid": {"patient.weight_kg": [25, 35, 55]}}, "inline")
    create_batch(engine, "a" * 32, scenarios, "{}")
    set_status(engine, "a" * 32, BatchStatus.RUNNING, new_run=True)  # as if the server died mid-run
    with TestClient(app) as client:  # a new service process starts
        assert client.get(f"/v1/batches/{'a' * 32}").json()["status"] == "interrupted"
        r = client.post(f"/v1/batches/{'a' * 32}/resume")
        assert r.status_code == 202, r.text
        final = wait_done(client, "a" * 32)
        assert (final["status"], final["done"], final["runs"]) == ("done", 3, 2)
        again = client.post(f"/v1/batches/{'a' * 32}/resume")
        assert again.status_code == 409 and again.json()["detail"][0]["value"] == "done"
    info = get_batch(engine, "a" * 32)
    assert info is not None and info.status == "done"


@pytest.mark.parametrize(("body", "field"), [
    ({"files": ["../pyproject.toml"]}, "files[0]"),
    ({"files": ["/etc/passwd"]}, "files[0]"),
    ({"files": ["missing.toml"]}, "files[0]"),
    ({"files": ["a\u0000b.toml"]}, "files[0]"),
    ({"files": ["x" * 5000 + ".toml"]}, "files[0]"),
    ({"files": ["\ud800.toml"]}, "files[0]"),
    ({"scenarios": [], "unknown": 1}, "unknown"),
    ({"scenarios": [{"grid": {"patient.weight_kg": list(range(1, 401)),
                              "threshold_score": [0.5 + i / 100 for i in range(300)]}}]},
     "scenarios"),
    ({}, "scenarios"),
])
def test_bad_batches_get_a_422_naming_the_field(client: TestClient, body: dict[str, Any],
                                                 field: str) -> None:
    r = client.post("/v1/batches", content=json.dumps(body),  # ASCII escapes, as sent
                    headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    detail = r.json()["detail"][0]
    assert detail["field"] == field and detail["allowed"]


def test_the_limit_is_stated_in_the_error(client: TestClient) -> None:
    big = {"scenarios": [{"grid": {"patient.weight_kg": list(range(1, 401)),
                                   "threshold_score": [0.5 + i / 100 for i in range(300)]}}]}
    detail = client.post("/v1/batches", json=big).json()["detail"][0]
    assert detail["value"] == "120000 scenarios"
    assert f"{MAX_SCENARIOS_PER_BATCH:,}" in detail["allowed"]


def test_unknown_batch_is_a_404(client: TestClient) -> None:
    for path in ("/v1/batches/nope", "/v1/batches/nope/results"):
        r = client.get(path)
        assert r.status_code == 404 and r.json()["detail"][0]["field"] == "id"
    assert client.post("/v1/batches/nope/resume").status_code == 404
    assert client.get(f"/v1/batches/{'b' * 32}/results", params={"format": "xml"}
                      ).status_code == 422


def test_a_bad_scenario_makes_the_batch_invalid_with_the_field_named(client: TestClient) -> None:
    r = client.post("/v1/batches", json={"scenarios": [{"patient": {"weight_kg": 30}},
                                                       {"patient": {"weight_kg": -3}}]})
    assert r.status_code == 202, r.text
    final = wait_done(client, r.json()["id"])
    assert (final["status"], final["total"]) == ("invalid", 0)
    error = final["error"]
    assert error["field"] == "scenarios[1].patient.weight_kg" and error["value"] == -3
    assert error["allowed"] and "weight_kg" in error["message"]


def test_a_large_inline_batch_is_answered_before_it_is_validated(client: TestClient) -> None:
    """20,000 inline scenarios took seconds to validate inside the request; now the request
    only stores them (the job validates, then runs; it is cancelled here)."""
    many = [{"patient": {"weight_kg": 20 + i % 200}, "threshold_score": 1 + (i // 200) / 100}
            for i in range(20_000)]
    r = client.post("/v1/batches", json={"scenarios": many})
    assert r.status_code == 202 and r.json()["status"] == "validating"
    cancelled = client.post(f"/v1/batches/{r.json()['id']}/cancel")
    assert cancelled.status_code == 202 and cancelled.json()["status"] == "cancelled"
    assert wait_done(client, r.json()["id"])["status"] == "cancelled"


def test_a_running_batch_can_be_cancelled_and_resumed(client: TestClient) -> None:
    # ~10 ms per question (8 doses x 365 intervals): seconds of work, so the cancel lands
    # intervals from 1 day (beyond the label's 2-week maximum: allowed here) and a probability
    # target: ~10 ms a question, off the batch fast path, so the run lasts seconds
    grid = {"dose_options_mg": [75, 150, 225, 300, 375, 450, 525, 600],
            "interval_options_days": {"min": 1, "max": 365}, "allow_above_label_max": True,
            "min_probability": 0.9, "samples": 50,
            "grid": {"patient.weight_kg": list(range(20, 220)), "threshold_score": [1, 2, 3]}}
    batch_id = client.post("/v1/batches", json={"scenarios": [grid]}).json()["id"]
    deadline = time.monotonic() + 120
    while client.get(f"/v1/batches/{batch_id}").json()["done"] < 5:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    r = client.post(f"/v1/batches/{batch_id}/cancel")
    assert r.status_code == 202 and r.json()["status"] == "cancelled"
    time.sleep(1.0)  # chunks in flight are stored, nothing new starts
    stopped = client.get(f"/v1/batches/{batch_id}").json()
    assert stopped["status"] == "cancelled" and stopped["done"] < 600
    assert client.post(f"/v1/batches/{batch_id}/cancel").status_code == 409
    assert client.post(f"/v1/batches/{batch_id}/resume").status_code == 202
    final = wait_done(client, batch_id, timeout_s=240)
    assert (final["status"], final["done"], final["pending"]) == ("done", 600, 0)
    rows = client.get(f"/v1/batches/{batch_id}/results").text.splitlines()
    assert len(rows) == len({json.loads(row)["id"] for row in rows}) == 600


def test_results_leave_patient_references_out_unless_asked(client: TestClient) -> None:
    scenario = {"patient": {"weight_kg": 30, "patient_reference": "ward 7 bed 2"}}
    batch_id = client.post("/v1/batches", json={"scenarios": [scenario]}).json()["id"]
    assert wait_done(client, batch_id)["status"] == "done"
    for fmt in ("jsonl", "csv"):
        plain = client.get(f"/v1/batches/{batch_id}/results", params={"format": fmt}).text
        assert "ward 7 bed 2" not in plain and "30" in plain
        asked = client.get(f"/v1/batches/{batch_id}/results",
                           params={"format": fmt, "include_references": True}).text
        assert "ward 7 bed 2" in asked
