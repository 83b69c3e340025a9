"""Story: a researcher runs a grid of what-ifs overnight. Every answer equals the one-question
service's, a failing scenario does not stop the others, a rerun skips what is stored, and a
Dask cluster gives the same results as the local pool (faults: ``test_faults.py``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from pydantic import BaseModel

from optimizer.batch.export import export_batch as export_results
from optimizer.batch.grid import Scenario, expand_document
from optimizer.batch.runner import RunOptions, run_batch
from optimizer.schemas.recommendation import RecommendationRequest
from optimizer.services.recommendation import recommend
from optimizer.storage.batches import iter_results
from optimizer.storage.engine import get_engine

#: Outputs that measure time, not the answer.
_TIMING_KEYS = ("timings_ms",)


def comparable(output: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in output.items() if k not in _TIMING_KEYS}
    out["solver"] = {k: v for k, v in out["solver"].items() if k != "time_ms"}
    return out


def small_grid() -> list[Scenario]:
    return expand_document({"kind": "recommendation", "interval_options_days": {"step": 7},
                            "dose_options_mg": [150],
                            "grid": {"patient.weight_kg": [20, 33, 120],
                                     "threshold_score": [0.5, 2, 4]}}, "inline")


def recommend_but_fail_at_33_kg(kind: str, request: BaseModel) -> BaseModel:
    """Test hook: the domain raises for one scenario (it passed validation)."""
    assert isinstance(request, RecommendationRequest)
    if request.patient.weight_kg == 33:
        raise ZeroDivisionError("injected failure inside the domain")
    return recommend(request)


def outputs_by_id(url: str, batch_id: str) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in iter_results(get_engine(url), batch_id)}


def test_batch_results_equal_the_single_scenario_service(temp_database: str) -> None:
    scenarios = small_grid()
    summary = run_batch(scenarios, RunOptions(workers=2, chunk_size=2), database_url=temp_database)
    assert (summary.status, summary.done, summary.failed, summary.ran) == ("done", 9, 0, 9)
    rows = outputs_by_id(temp_database, summary.batch_id)
    assert set(rows) == {s.id for s in scenarios}
    statuses = set()
    for s in scenarios:
        row = rows[s.id]
        expected = recommend(RecommendationRequest.model_validate(s.request))
        got = json.loads(row["output_json"])
        assert comparable(got) == comparable(expected.model_dump(mode="json"))
        assert json.loads(row["input_json"]) == s.request
        assert row["solver_status"] == expected.solver.status
        versions = json.loads(row["versions_json"])
        assert set(versions) >= {"doseopt", "pyomo", "highspy", "numpy"}
        statuses.add(got["status"])
    assert statuses == {"optimal", "infeasible"}  # the grid covers both kinds of answer


def test_a_failing_scenario_is_recorded_and_the_others_are_answered(temp_database: str,
                                                                    tmp_path: Path) -> None:
    scenarios = small_grid()
    summary = run_batch(scenarios,
                        RunOptions(workers=2, chunk_size=4, answer=recommend_but_fail_at_33_kg),
                        database_url=temp_database)
    assert (summary.status, summary.done, summary.failed) == ("done", 6, 3)
    rows = outputs_by_id(temp_database, summary.batch_id)
    for s in scenarios:
        row = rows[s.id]
        if s.request["patient"]["weight_kg"] == 33:
            assert row["status"] == "failed" and row["output_json"] is None
            assert row["error"] == "ZeroDivisionError: injected failure inside the domain"
        else:
            assert row["status"] == "done" and json.loads(row["output_json"])["max_score"] > 0
    out = tmp_path / "r.jsonl"
    assert export_results(get_engine(temp_database), summary.batch_id, out) == 9
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(x["id"] for x in lines) == sorted(s.id for s in scenarios)
    assert sum(x["status"] == "failed" and x["output"] is None for x in lines) == 3


def test_rerun_skips_finished_scenarios_and_exports_every_format(temp_database: str,
                                                                  tmp_path: Path) -> None:
    scenarios = small_grid()
    first = run_batch(scenarios, RunOptions(workers=1), database_url=temp_database)
    again = run_batch(scenarios, RunOptions(workers=1), database_url=temp_database)
    assert again.batch_id == first.batch_id
    assert (again.ran, again.skipped, again.done) == (0, 9, 9)
    ids = sorted(s.id for s in scenarios)
    engine = get_engine(temp_database)
    for ext in ("jsonl", "csv", "parquet"):
        assert export_results(engine, first.batch_id, tmp_path / f"r.{ext}") == 9
    table = pq.read_table(tmp_path / "r.parquet").to_pylist()
    assert sorted(r["id"] for r in table) == ids
    by_id = {s.id: s for s in scenarios}
    for r in table:
        assert r["input.patient.weight_kg"] == by_id[r["id"]].request["patient"]["weight_kg"]
        assert r["output.threshold_score"] == r["input.threshold_score"]
    csv_lines = (tmp_path / "r.csv").read_text().splitlines()
    assert len(csv_lines) == 10 and csv_lines[0].startswith("id,kind,status,error")


@pytest.mark.slow
def test_dask_local_cluster_gives_the_same_results_as_the_local_pool(tmp_path: Path) -> None:
    scenarios = small_grid()[:6]
    local_url = f"sqlite:///{tmp_path / 'local.db'}"
    dask_url = f"sqlite:///{tmp_path / 'dask.db'}"
    local = run_batch(scenarios, RunOptions(workers=2, chunk_size=2), database_url=local_url)
    dask = run_batch(scenarios, RunOptions(workers=2, engine="dask", chunk_size=2),
                     database_url=dask_url)
    assert (dask.status, dask.done, dask.failed) == ("done", 6, 0)
    a, b = outputs_by_id(local_url, local.batch_id), outputs_by_id(dask_url, dask.batch_id)
    assert set(a) == set(b) == {s.id for s in scenarios}
    for sid in a:
        assert comparable(json.loads(a[sid]["output_json"])) == \
            comparable(json.loads(b[sid]["output_json"]))


def test_comparison_grid_batch_equals_the_comparison_service(temp_database: str) -> None:
    from optimizer.schemas.comparison import ComparisonRequest
    from optimizer.services.comparison import compare

    scenarios = expand_document({
        "kind": "comparison", "schedules": ["300 mg q4w", "300 mg q6w"], "horizon_days": 182,
        "grid": {"patient.weight_kg": [25, 40], "threshold_score": [1.5, 3]}}, "inline")
    assert len(scenarios) == 4
    summary = run_batch(scenarios, RunOptions(workers=1, chunk_size=2), database_url=temp_database)
    assert (summary.status, summary.done, summary.failed) == ("done", 4, 0)
    rows = outputs_by_id(temp_database, summary.batch_id)
    for s in scenarios:
        expected = compare(ComparisonRequest.model_validate(s.request)).model_dump(mode="json")
        got = json.loads(rows[s.id]["output_json"])
        assert got["rows"] == expected["rows"]
        assert [r["injections"] for r in got["rows"]] == [7, 5]  # days 0..181: q4w 7, q6w 5


def test_batch_runs_on_an_existing_dask_cluster_by_its_scheduler_address(tmp_path: Path) -> None:
    """Story: an analyst points the batch at a cluster they already run (--scheduler)."""
    from distributed import LocalCluster

    scenarios = small_grid()[:4]
    url = f"sqlite:///{tmp_path / 'remote.db'}"
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        summary = run_batch(scenarios,
                            RunOptions(scheduler=cluster.scheduler_address, chunk_size=2),
                            database_url=url)
        assert cluster.scheduler_address.startswith("tcp://")
    assert (summary.status, summary.done, summary.failed) == ("done", 4, 0)
    rows = outputs_by_id(url, summary.batch_id)
    for s in scenarios:
        expected = recommend(RecommendationRequest.model_validate(s.request))
        assert comparable(json.loads(rows[s.id]["output_json"])) == \
            comparable(expected.model_dump(mode="json"))
