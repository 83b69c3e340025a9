"""Story: a clinic runs the service on PostgreSQL (DOSEOPT_DATABASE_URL=postgresql+psycopg://...).
Audit records round-trip and cannot be changed even with raw SQL, and a scenario batch stores
every result exactly once, resumes without redoing anything and answers as on SQLite.

The tests start a throw-away PostgreSQL cluster (tests/pg_server.py). Without PostgreSQL
installed they fail and say how to install it; they never skip.
"""

from __future__ import annotations

import functools
import json
import multiprocessing
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from optimizer.batch.export import export_batch as export_results
from optimizer.batch.grid import Scenario, expand_document
from optimizer.batch.runner import BatchSummary, RunOptions, run_batch, run_stored_batch
from optimizer.schemas.recommendation import RecommendationRequest
from optimizer.services.recommendation import recommend
from optimizer.settings import get_settings
from optimizer.storage.audit import (
    AuditRecordImmutableError,
    RecommendationRecord,
    get_recommendation,
    store_recommendation,
)
from optimizer.storage.batches import (
    BatchInfo,
    BatchResultRecord,
    create_batch,
    iter_results,
)
from optimizer.storage.engine import get_engine
from tests.batch.test_faults import counting_answer
from tests.pg_server import PostgresServer, PostgresUnavailableError, start_server

REFERENCE: dict[str, Any] = {"patient": {"weight_kg": 30, "patient_reference": "bed 4"},
                             "threshold_score": 2, "dose_options_mg": [300]}


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    try:
        server = start_server()
    except PostgresUnavailableError as exc:
        pytest.fail(f"PostgreSQL tests need a PostgreSQL server: {exc}", pytrace=False)
    try:
        yield server
    finally:
        get_engine(server.url()).dispose()
        server.stop()


@pytest.fixture
def pg_url(pg_server: PostgresServer) -> str:
    return pg_server.url()


def without_timings(output: dict[str, Any]) -> dict[str, Any]:
    """An answer without the measured times (they differ run to run)."""
    out = {k: v for k, v in output.items() if k != "timings_ms"}
    out["solver"] = {k: v for k, v in out["solver"].items() if k != "time_ms"}
    return out


def test_the_store_really_is_postgresql(pg_url: str) -> None:
    engine = get_engine(pg_url)
    assert engine.dialect.name == "postgresql"
    with engine.connect() as conn:
        assert str(conn.execute(text("select version()")).scalar()).startswith("PostgreSQL")
        kinds: dict[str, str] = dict(conn.execute(text(
            "select column_name, data_type from information_schema.columns "
            "where table_name = 'recommendation_records'")).all())
    assert kinds["created_utc"] == "timestamp with time zone"


def test_an_audit_record_round_trips_through_postgresql(pg_url: str) -> None:
    request = RecommendationRequest.model_validate(REFERENCE)
    answer = recommend(request)
    before = datetime.now(UTC)
    record_id = store_recommendation(request, answer, engine=get_engine(pg_url))
    stored = get_recommendation(record_id, engine=get_engine(pg_url))
    assert stored is not None and stored.id == record_id
    assert stored.created_utc.tzinfo is not None
    assert before <= stored.created_utc <= datetime.now(UTC)
    assert stored.response.model_dump() == answer.model_copy(update={"id": record_id}).model_dump()
    assert stored.request.patient.weight_kg == 30
    assert stored.request.patient.patient_reference is None  # kept in its own column
    assert stored.patient_reference == "bed 4"
    assert get_recommendation("0" * 32, engine=get_engine(pg_url)) is None


def test_the_api_stores_and_serves_records_from_postgresql(pg_client: TestClient,
                                                          pg_url: str) -> None:
    client = pg_client
    posted = client.post("/v1/recommendations", json=REFERENCE)
    assert posted.status_code == 200, posted.text
    record_id = posted.json()["id"]
    with Session(get_engine(pg_url)) as session:
        assert session.get(RecommendationRecord, record_id) is not None
    got = client.get(f"/v1/recommendations/{record_id}")
    assert got.status_code == 200, got.text
    assert got.json()["response"] == posted.json()
    assert "bed 4" not in got.text


@pytest.fixture
def pg_client(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    """The HTTP API with its store on PostgreSQL."""
    from api.main import app

    monkeypatch.setenv("DOSEOPT_DATABASE_URL", pg_url)
    monkeypatch.delenv("DOSEOPT_API_KEY", raising=False)
    get_settings.cache_clear()
    return TestClient(app)


@pytest.mark.parametrize("record_id", ["\x00", "ab\x00cd", "0" * 31 + "\x00", "é" * 40])
def test_an_id_postgresql_cannot_compare_is_a_404_not_a_server_error(
        pg_client: TestClient, record_id: str) -> None:
    from urllib.parse import quote

    for suffix in ("", "/plot", "/report"):
        r = pg_client.get(f"/v1/recommendations/{quote(record_id, safe='')}{suffix}")
        assert r.status_code == 404, (record_id, suffix, r.status_code, r.text)


def test_a_patient_reference_with_a_nul_character_is_refused_with_a_422(
        pg_client: TestClient, pg_url: str) -> None:
    with Session(get_engine(pg_url)) as session:
        before = session.scalar(select(func.count()).select_from(RecommendationRecord))
    body = {**REFERENCE, "patient": {"weight_kg": 30, "patient_reference": "bed\x004"}}
    r = pg_client.post("/v1/recommendations", json=body)
    assert r.status_code == 422, r.text
    detail = r.json()["detail"][0]
    assert detail["field"] == "patient.patient_reference" and "NUL" in detail["allowed"]
    assert "bed" not in r.text
    with Session(get_engine(pg_url)) as session:
        after = session.scalar(select(func.count()).select_from(RecommendationRecord))
    assert after == before


@pytest.mark.parametrize("statement", [
    "UPDATE recommendation_records SET response_json = '{}' WHERE id = :i",
    "UPDATE recommendation_records SET patient_reference = NULL",
    "DELETE FROM recommendation_records WHERE id = :i",
    "DELETE FROM recommendation_records",
])
def test_the_database_refuses_raw_sql_changes_to_audit_records(pg_url: str,
                                                               statement: str) -> None:
    request = RecommendationRequest.model_validate(REFERENCE)
    answer = recommend(request)
    engine = get_engine(pg_url)
    record_id = store_recommendation(request, answer, engine=engine)
    before = get_recommendation(record_id, engine=engine)
    with pytest.raises(DBAPIError, match="insert-only"), engine.begin() as conn:
        conn.execute(text(statement), {"i": record_id})
    assert get_recommendation(record_id, engine=engine) == before


def test_the_orm_refuses_to_change_an_audit_record_on_postgresql(pg_url: str) -> None:
    request = RecommendationRequest.model_validate(REFERENCE)
    engine = get_engine(pg_url)
    record_id = store_recommendation(request, recommend(request), engine=engine)
    with Session(engine) as session:
        row = session.get(RecommendationRecord, record_id)
        assert row is not None
        row.solver_name = "changed"
        with pytest.raises(AuditRecordImmutableError):
            session.commit()


def open_store_after_barrier(url: str, barrier: Any, outcomes: Any) -> None:
    """A process that opens the store at the same moment as its siblings (forked child)."""
    from optimizer.storage.engine import get_engine as open_store

    barrier.wait()
    try:
        open_store(url)
        outcomes.put("ok")
    except Exception as exc:  # reported to the parent, which asserts on it
        outcomes.put(f"{type(exc).__name__}: {str(exc).splitlines()[0]}")


def test_several_processes_starting_on_an_empty_database_all_open_the_store(
        pg_server: PostgresServer) -> None:
    """Several service workers starting at once on a new database create the tables once;
    none of them fails on the others' half-created tables."""
    ctx = multiprocessing.get_context("fork")
    for attempt in range(2):
        url = pg_server.create_database(f"doseopt_race_{attempt}")
        barrier, outcomes = ctx.Barrier(4), ctx.Queue()
        procs = [ctx.Process(target=open_store_after_barrier, args=(url, barrier, outcomes))
                 for _ in range(4)]
        for proc in procs:
            proc.start()
        for proc in procs:
            proc.join(60)
        assert [outcomes.get(timeout=5) for _ in procs] == ["ok"] * 4
        with get_engine(url).connect() as conn:
            triggers = conn.execute(text(
                "select count(*) from information_schema.triggers "
                "where event_object_table = 'recommendation_records'")).scalar()
        assert triggers == 2  # one BEFORE UPDATE OR DELETE trigger, listed once per event
        get_engine(url).dispose()


def test_the_store_keeps_working_after_the_database_server_restarts(
        pg_server: PostgresServer) -> None:
    """Pooled connections die with a server restart; the next request must not fail."""
    engine = get_engine(pg_server.url())
    request = RecommendationRequest.model_validate(REFERENCE)
    answer = recommend(request)
    first = store_recommendation(request, answer, engine=engine)
    pg_server.restart()
    second = store_recommendation(request, answer, engine=engine)
    assert get_recommendation(first, engine=engine) is not None
    assert get_recommendation(second, engine=engine) is not None


def grid_30() -> list[Scenario]:
    """30 recommendation scenarios (weights x thresholds), optimal and infeasible answers."""
    return expand_document({"kind": "recommendation", "interval_options_days": {"step": 7},
                            "dose_options_mg": [150, 300],
                            "grid": {"patient.weight_kg": [20, 30, 45, 70, 90, 110],
                                     "threshold_score": [0.5, 1, 2, 3, 4]}}, "inline")


def stored_rows(url: str, batch_id: str) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in iter_results(get_engine(url), batch_id, finished_only=False)}


def test_a_batch_on_postgresql_stores_each_result_once_resumes_and_matches_sqlite(
        pg_url: str, temp_database: str, tmp_path: Path) -> None:
    scenarios = grid_30()
    first = run_batch(scenarios, RunOptions(workers=2, chunk_size=4), database_url=pg_url)
    assert (first.status, first.total, first.done + first.failed, first.ran) == \
        ("done", 30, 30, 30)
    engine = get_engine(pg_url)
    with Session(engine) as session:
        per_id = session.execute(
            select(BatchResultRecord.scenario_id, func.count())
            .where(BatchResultRecord.batch_id == first.batch_id)
            .group_by(BatchResultRecord.scenario_id)).all()
        runs = set(session.scalars(select(BatchResultRecord.run)
                                   .where(BatchResultRecord.batch_id == first.batch_id)))
    assert sorted(sid for sid, _ in per_id) == sorted(s.id for s in scenarios)
    assert {n for _, n in per_id} == {1}
    assert runs == {1}

    again = run_batch(scenarios, RunOptions(workers=2, chunk_size=4), database_url=pg_url)
    assert (again.batch_id, again.ran, again.skipped, again.status) == \
        (first.batch_id, 0, 30, "done")
    pg_rows = stored_rows(pg_url, first.batch_id)
    assert {r["status"] for r in pg_rows.values()} <= {"done", "failed"}

    on_sqlite = run_batch(scenarios, RunOptions(workers=2, chunk_size=4),
                          database_url=temp_database)
    assert on_sqlite.batch_id == first.batch_id
    sqlite_rows = stored_rows(temp_database, first.batch_id)
    assert set(sqlite_rows) == set(pg_rows)
    answers = set()
    for sid, row in pg_rows.items():
        other = sqlite_rows[sid]
        for key in ("kind", "status", "error", "solver_status"):
            assert row[key] == other[key], (sid, key)
        assert json.loads(row["input_json"]) == json.loads(other["input_json"])
        got = without_timings(json.loads(row["output_json"]))
        assert got == without_timings(json.loads(other["output_json"]))
        answers.add(got["status"])
    assert answers == {"optimal", "infeasible"}

    out = tmp_path / "pg.jsonl"
    assert export_results(engine, first.batch_id, out) == 30
    ids = [json.loads(line)["id"] for line in out.read_text().splitlines()]
    assert sorted(ids) == sorted(s.id for s in scenarios)


def test_two_runners_starting_the_same_batch_at_once_share_one_batch(pg_url: str) -> None:
    """Two ``doseopt batch`` commands on the same files, started together: neither fails,
    and the batch holds one pending row per scenario."""
    scenarios = grid_30()
    engine = get_engine(pg_url)
    barrier = threading.Barrier(4)
    outcomes: list[BatchInfo | str] = []

    def create() -> None:
        barrier.wait()
        try:
            outcomes.append(create_batch(engine, "same-batch-twice", scenarios, "test"))
        except Exception as exc:  # collected; the assertion below names it
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=create) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert [o if isinstance(o, str) else (o.id, o.total) for o in outcomes] == \
        [("same-batch-twice", 30)] * 4
    rows = stored_rows(pg_url, "same-batch-twice")
    assert sorted(rows) == sorted(s.id for s in scenarios)
    assert {r["status"] for r in rows.values()} == {"pending"}


def test_three_runners_on_one_postgresql_batch_compute_each_scenario_once(
        pg_url: str, tmp_path: Path) -> None:
    """Claims are taken FOR UPDATE SKIP LOCKED: three runners started together share the work,
    every scenario computed once between them, and each one's account adds up."""
    scenarios = grid_30()
    engine = get_engine(pg_url)
    batch_id = "three-runners"
    create_batch(engine, batch_id, scenarios, "test")
    log = tmp_path / "computed.jsonl"
    options = RunOptions(workers=1, chunk_size=2, answer=functools.partial(counting_answer, log))
    barrier = threading.Barrier(3)
    summaries: list[BatchSummary] = []

    def run() -> None:
        barrier.wait()
        summaries.append(run_stored_batch(batch_id, options, database_url=pg_url))

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    computed = log.read_text().splitlines()
    assert len(computed) == len(set(computed)) == 30
    assert sum(s.ran for s in summaries) == 30
    assert all(s.skipped + s.ran + s.by_others == 30 for s in summaries)
    rows = stored_rows(pg_url, batch_id)
    assert {r["status"] for r in rows.values()} == {"done"}


def test_a_service_role_that_may_only_insert_cannot_rewrite_the_audit_trail(
        pg_server: PostgresServer) -> None:
    """Tables created by an owner role; the service's role may read and insert audit records
    and run batches, and cannot change a record or switch the trigger off."""
    owner_url = pg_server.create_database("doseopt_roles")
    owner = get_engine(owner_url)  # creates the tables as the owner (postgres)
    with owner.begin() as conn:
        for statement in (
                "CREATE ROLE doseopt_service LOGIN",
                "GRANT SELECT, INSERT ON recommendation_records TO doseopt_service",
                "GRANT SELECT, INSERT, UPDATE ON batches, batch_results TO doseopt_service"):
            conn.exec_driver_sql(statement)
    service_url = owner_url.replace("postgres@", "doseopt_service@")
    service = get_engine(service_url)
    request = RecommendationRequest.model_validate(REFERENCE)
    record_id = store_recommendation(request, recommend(request), engine=service)
    assert get_recommendation(record_id, engine=service) is not None
    summary = run_batch(grid_30()[:4], RunOptions(workers=1), database_url=service_url)
    assert (summary.status, summary.done + summary.failed) == ("done", 4)
    for statement in ("ALTER TABLE recommendation_records DISABLE TRIGGER USER",
                      "DELETE FROM recommendation_records"):
        with pytest.raises(DBAPIError, match="must be owner|permission denied"), \
                service.begin() as conn:
            conn.exec_driver_sql(statement)
    service.dispose()
    owner.dispose()
