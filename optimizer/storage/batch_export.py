"""A batch's finished results as JSON Lines or CSV (Parquet, typed from the schemas, is
written by :func:`optimizer.batch.export.export_batch`, which calls this module for the rest).

Patient references are left out of every export unless the caller asks for them
(``include_references``): an export file travels further than the database it came from.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from optimizer.core.csv_cells import safe_row
from optimizer.storage.batches import iter_results

__all__ = ["EXPORT_TYPES", "export_results", "flat_columns", "flat_row", "jsonl_line",
           "without_reference"]

#: File types :func:`export_results` writes.
EXPORT_TYPES = (".csv", ".jsonl")
_REFERENCE = "patient_reference"


def without_reference(input_json: str) -> str:
    """The stored request JSON with ``patient.patient_reference`` removed (unchanged text when
    there is none, so the common case costs one substring search)."""
    if _REFERENCE not in input_json:
        return input_json
    data = json.loads(input_json)
    patient = data.get("patient") if isinstance(data, dict) else None
    if isinstance(patient, dict):
        patient.pop(_REFERENCE, None)
    return json.dumps(data, separators=(",", ":"), sort_keys=True)


def _input(row: dict[str, Any], include_references: bool) -> str:
    text = str(row["input_json"])
    return text if include_references else without_reference(text)


def jsonl_line(row: dict[str, Any], *, include_references: bool = False) -> str:
    """One result as a JSON object: id, kind, status, error, solver status, input, output,
    versions (stored JSON spliced in, not re-parsed)."""
    head = json.dumps({"id": row["id"], "kind": row["kind"], "status": row["status"],
                       "error": row["error"], "solver_status": row["solver_status"]})
    return (f'{head[:-1]}, "input": {_input(row, include_references)}, '
            f'"output": {row["output_json"] or "null"}, '
            f'"versions": {row["versions_json"] or "null"}}}\n')


def _flatten(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(f"{prefix}.{k}", v, out)
    elif isinstance(value, list):
        out[prefix] = json.dumps(value)
    else:
        out[prefix] = value


def flat_row(row: dict[str, Any], *, include_references: bool = False) -> dict[str, Any]:
    """A result as one flat record: fixed columns, then ``input.*`` and ``output.*`` scalars
    (lists as JSON text), then the versions as JSON text."""
    out: dict[str, Any] = {k: row[k] for k in ("id", "kind", "status", "error",
                                                "solver_status")}
    _flatten("input", json.loads(_input(row, include_references)), out)
    if row["output_json"]:
        _flatten("output", json.loads(row["output_json"]), out)
    out["versions"] = row["versions_json"]
    return out


def flat_columns(engine: Engine, batch_id: str, *, include_references: bool = False
                 ) -> list[str]:
    """Every column :func:`flat_row` gives over the batch, in first-seen order."""
    columns: dict[str, None] = {}
    for row in iter_results(engine, batch_id):
        columns.update(dict.fromkeys(flat_row(row, include_references=include_references)))
    return list(columns)


def csv_chunks(engine: Engine, batch_id: str, *, include_references: bool = False,
               chunk_chars: int = 64_000) -> Iterator[str]:
    """The batch as CSV text in pieces of about ``chunk_chars`` characters (for streaming)."""
    import io

    columns = flat_columns(engine, batch_id, include_references=include_references)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    for row in iter_results(engine, batch_id):
        writer.writerow(safe_row(flat_row(row, include_references=include_references)))
        if buffer.tell() > chunk_chars:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def export_results(engine: Engine, batch_id: str, path: str | Path, *,
                   include_references: bool = False) -> int:
    """Write every finished scenario of the batch once to ``.csv`` or ``.jsonl``;
    returns the number of rows. The file is written beside its target and renamed into place.

    Raises ``ValueError`` for another file type."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in EXPORT_TYPES:
        raise ValueError(f"{target}: allowed output types are {', '.join(EXPORT_TYPES)}")
    tmp = target.with_name(target.name + ".partial")
    count = 0
    if suffix == ".jsonl":
        with tmp.open("w", encoding="utf-8") as f:
            for row in iter_results(engine, batch_id):
                f.write(jsonl_line(row, include_references=include_references))
                count += 1
    else:
        columns = flat_columns(engine, batch_id, include_references=include_references)
        with tmp.open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=columns)
            writer.writeheader()
            for row in iter_results(engine, batch_id):
                writer.writerow(safe_row(flat_row(row, include_references=include_references)))
                count += 1
    tmp.replace(target)
    return count
