"""Story: months later, the clinic can show exactly what was recommended, from which inputs,
with which model and software versions — and the record has not been changed since."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from api.main import app
from optimizer.cli.main import app as cli_app
from optimizer.schemas.recommendation import RecommendationPublic, RecommendationRequest
from optimizer.services.recommendation import recommend
from optimizer.settings import get_settings
from optimizer.storage.audit import (
    PACKAGES,
    AuditRecordImmutableError,
    RecommendationRecord,
    get_recommendation,
    store_recommendation,
)
from optimizer.storage.engine import get_engine

REPO = Path(__file__).resolve().parents[2]
client = TestClient(app)

REFERENCE: dict[str, Any] = {"patient": {"weight_kg": 30}, "threshold_score": 2,
                             "dose_options_mg": [300]}


@pytest.fixture(autouse=True)
def audit_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A temporary SQLite store for each test; the default doseopt.db is never touched."""
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    monkeypatch.setenv("DOSEOPT_DATABASE_URL", url)
    monkeypatch.delenv("DOSEOPT_API_KEY", raising=False)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def _answer_fields(out: RecommendationPublic) -> dict[str, Any]:
    """Everything in an answer except the id and the measured times."""
    data = out.model_dump(exclude={"id", "timings_ms"})
    data["solver"].pop("time_ms")
    return data


def test_an_api_answer_carries_its_id_and_the_record_holds_inputs_answer_and_versions() -> None:
    before = datetime.now(UTC)
    r = client.post("/v1/recommendations", json=REFERENCE)
    assert r.status_code == 200, r.text
    body = r.json()
    assert isinstance(body["id"], str) and len(body["id"]) == 32
    int(body["id"], 16)  # hex

    g = client.get(f"/v1/recommendations/{body['id']}")
    assert g.status_code == 200, g.text
    rec = g.json()
    assert rec["id"] == body["id"]
    assert rec["response"] == body
    sent = RecommendationRequest.model_validate(REFERENCE).model_dump(mode="json")
    sent["patient"].pop("patient_reference")
    assert rec["request"] == sent
    assert rec["versions"] == {name: version(name) for name in PACKAGES}
    assert rec["solver"] == {"name": body["solver"]["name"],
                             "version": body["solver"]["version"]}
    assert rec["model"] == body["model"]
    created = datetime.fromisoformat(rec["created_utc"])
    assert before - timedelta(seconds=1) <= created <= datetime.now(UTC) + timedelta(seconds=1)


def test_each_answer_is_a_new_record_with_its_own_id() -> None:
    ids = {client.post("/v1/recommendations", json=REFERENCE).json()["id"] for _ in range(3)}
    assert len(ids) == 3
    with Session(get_engine()) as session:
        assert session.query(RecommendationRecord).count() == 3


@settings(max_examples=12)
@given(weight_kg=st.floats(5, 120), threshold=st.floats(0.5, 6),
       doses=st.sets(st.sampled_from([75.0, 150.0, 225.0, 300.0, 450.0, 600.0]),
                     min_size=1, max_size=3),
       step=st.sampled_from([1, 7]))
def test_rerunning_a_stored_request_reproduces_the_same_answer(
        weight_kg: float, threshold: float, doses: set[float], step: int) -> None:
    request = RecommendationRequest.model_validate({
        "patient": {"weight_kg": weight_kg}, "threshold_score": threshold,
        "dose_options_mg": sorted(doses),
        "interval_options_days": {"min": 14, "max": 84, "step": step}})
    first = recommend(request)
    record_id = store_recommendation(request, first)
    stored = get_recommendation(record_id)
    assert stored is not None
    again = recommend(stored.request)
    assert _answer_fields(again) == _answer_fields(first)
    assert _answer_fields(stored.response) == _answer_fields(first)
    assert stored.response.id == record_id


def test_stored_records_cannot_be_changed_or_deleted_through_the_orm() -> None:
    request = RecommendationRequest.model_validate(REFERENCE)
    record_id = store_recommendation(request, recommend(request))
    engine = get_engine()
    with Session(engine) as session:
        row = session.get(RecommendationRecord, record_id)
        assert row is not None
        row.response_json = json.dumps({"interval_days": 84})
        with pytest.raises(AuditRecordImmutableError, match="cannot be changed"):
            session.commit()
    with Session(engine) as session:
        row = session.get(RecommendationRecord, record_id)
        session.delete(row)
        with pytest.raises(AuditRecordImmutableError):
            session.commit()
    stored = get_recommendation(record_id)
    assert stored is not None and stored.response.interval_days == 36


def test_stored_records_cannot_be_changed_or_deleted_with_raw_sql() -> None:
    request = RecommendationRequest.model_validate(REFERENCE)
    record_id = store_recommendation(request, recommend(request))
    engine = get_engine()
    for statement in ("UPDATE recommendation_records SET solver_name = 'edited' WHERE id = :i",
                      "DELETE FROM recommendation_records WHERE id = :i"):
        with pytest.raises(DBAPIError, match="insert-only"), engine.begin() as conn:
            conn.execute(text(statement), {"i": record_id})
    stored = get_recommendation(record_id)
    assert stored is not None and stored.solver_name == "highs"


def test_patient_reference_stays_in_the_database_and_out_of_logs_and_responses(
        caplog: pytest.LogCaptureFixture) -> None:
    reference = "ward-7-bed-3-xq"
    caplog.set_level(logging.DEBUG)
    body = {**REFERENCE, "patient": {"weight_kg": 30, "patient_reference": reference}}
    r = client.post("/v1/recommendations", json=body)
    assert r.status_code == 200, r.text
    record_id = r.json()["id"]
    g = client.get(f"/v1/recommendations/{record_id}")
    report = client.get(f"/v1/recommendations/{record_id}/report")
    for text_out in (r.text, g.text, report.text, caplog.text):
        assert reference not in text_out
    stored = get_recommendation(record_id)
    assert stored is not None and stored.patient_reference == reference
    with Session(get_engine()) as session:
        row = session.get(RecommendationRecord, record_id)
        assert row is not None and reference not in row.request_json
        assert row.patient_reference == reference


def test_an_unknown_id_is_a_404_that_names_the_id() -> None:
    r = client.get("/v1/recommendations/0123456789abcdef0123456789abcdef")
    assert r.status_code == 404
    item = r.json()["detail"][0]
    assert item["field"] == "id" and item["value"] == "0123456789abcdef0123456789abcdef"
    assert "No recommendation is stored" in item["message"]
    assert get_recommendation("0123456789abcdef0123456789abcdef") is None


def test_get_by_id_does_not_clash_with_posting_a_question() -> None:
    assert client.get("/v1/recommendations").status_code == 405
    assert client.post("/v1/recommendations", json=REFERENCE).status_code == 200


def test_the_cli_stores_on_request_and_prints_the_id() -> None:
    runner = CliRunner()
    scenario = str(REPO / "scenarios" / "reference-case.toml")
    res = runner.invoke(cli_app, ["recommend", scenario, "--store"])
    assert res.exit_code == 0, res.output
    line = next(x for x in res.output.splitlines() if x.startswith("Stored as recommendation"))
    record_id = line.split()[-1]
    stored = get_recommendation(record_id)
    assert stored is not None and stored.response.interval_days == 36

    res = runner.invoke(cli_app, ["recommend", scenario, "--store", "--json"])
    assert res.exit_code == 0, res.output
    body = json.loads(res.stdout[res.stdout.index("{"):])
    assert get_recommendation(body["id"]) is not None

    res = runner.invoke(cli_app, ["recommend", scenario, "--json"])
    assert json.loads(res.stdout[res.stdout.index("{"):])["id"] is None
    with Session(get_engine()) as session:
        assert session.query(RecommendationRecord).count() == 2


@settings(max_examples=40)
@given(record_id=st.text(min_size=1, max_size=300))
def test_any_id_is_answered_without_a_server_error(record_id: str) -> None:
    from urllib.parse import quote

    for suffix in ("", "/plot", "/report"):
        r = client.get(f"/v1/recommendations/{quote(record_id, safe='')}{suffix}")
        assert r.status_code in (404, 405), (record_id, suffix, r.status_code)
