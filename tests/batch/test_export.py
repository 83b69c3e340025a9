"""Story: an analyst appends this week's batch to last week's Parquet files; the columns and
their types are the same whatever the answers held, and lists read back as lists."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from optimizer.batch.export import arrow_schema, export_batch, utc_timestamp
from optimizer.batch.grid import expand_document
from optimizer.batch.runner import run_batch
from optimizer.storage.engine import get_engine


def run(tmp_path: Path, url: str, name: str, weights: list[float], thresholds: list[float]
        ) -> pa.Table:
    scenarios = expand_document({"kind": "recommendation", "dose_options_mg": [150],
                                 "interval_options_days": {"step": 7},
                                 "grid": {"patient.weight_kg": weights,
                                          "threshold_score": thresholds}}, "inline")
    summary = run_batch(scenarios, database_url=url, workers=1)
    path = tmp_path / f"{name}.parquet"
    assert export_batch(get_engine(url), summary.batch_id, path) == len(scenarios)
    return pq.read_table(path)


def test_two_batches_with_different_answers_have_one_schema(temp_database: str,
                                                            tmp_path: Path) -> None:
    feasible = run(tmp_path, temp_database, "ok", [20], [4])  # every answer optimal
    mixed = run(tmp_path, temp_database, "mixed", [20, 120], [0.5, 4])  # some infeasible
    assert feasible.schema == mixed.schema == arrow_schema(["recommendation"])
    closest = feasible.column("output.closest_option.interval_days")
    assert closest.null_count == len(closest) and closest.type == pa.int64()
    assert mixed.column("output.closest_option.interval_days").null_count < len(mixed)
    row = mixed.to_pylist()[0]
    assert row["input.dose_options_mg"] == [150.0]
    assert isinstance(row["output.explanation"], list) and row["output.explanation"]
    assert dict(row["output.timings_ms"])["total"] > 0
    assert pa.concat_tables([feasible, mixed]).num_rows == 5


def test_csv_and_jsonl_are_written_as_before(temp_database: str, tmp_path: Path) -> None:
    scenarios = expand_document({"kind": "recommendation", "patient": {"weight_kg": 30}},
                                "inline")
    summary = run_batch(scenarios, database_url=temp_database, workers=1)
    for ext in ("csv", "jsonl"):
        assert export_batch(get_engine(temp_database), summary.batch_id,
                            tmp_path / f"r.{ext}") == 1


def test_timestamps_are_utc_with_z() -> None:
    aware = dt.datetime(2026, 8, 10, 11, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert utc_timestamp(aware) == "2026-08-10T09:30:00Z"
    assert utc_timestamp(dt.datetime(2026, 8, 10, 9, 30, 0, 5)) == "2026-08-10T09:30:00.000005Z"
