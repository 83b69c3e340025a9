"""Result files with a fixed shape: Parquet columns typed from the schemas, one timestamp form.

A batch's Parquet file has the same columns and types every time for the same kinds of
scenario, whatever the answers hold: the columns come from the request and response schemas
(``input.*`` and ``output.*``, nested tables flattened with dots as in the CSV export), not from
the values seen. A column that is empty in every row keeps its type; lists are Parquet lists,
``dict[str, X]`` fields are maps. A field whose type has several shapes (a union of tables) is
stored as JSON text.

Timestamps are written one way everywhere: UTC, ISO 8601, with ``Z`` (:func:`utc_timestamp`).
"""

from __future__ import annotations

import datetime as dt
import json
import types
import typing
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Engine

from optimizer.core.dates import as_utc, utc_timestamp

__all__ = ["BASE_COLUMNS", "arrow_schema", "as_utc", "export_batch", "parquet_records",
           "utc_timestamp", "write_parquet"]

#: Columns every result row has, before ``input.*`` and ``output.*``.
BASE_COLUMNS = ("id", "kind", "status", "error", "solver_status")


def _strip_none(annotation: Any) -> Any:
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1:
            return _strip_none(rest[0])
    if typing.get_origin(annotation) is typing.Annotated:
        return _strip_none(args[0])
    return annotation


def _leaf_type(annotation: Any) -> Any:
    """The Arrow type of a non-table field (``pa.string()`` for JSON text)."""
    import pyarrow as pa

    a = _strip_none(annotation)
    origin = typing.get_origin(a)
    if a is bool:
        return pa.bool_()
    if a is int:
        return pa.int64()
    if a is float:
        return pa.float64()
    if a in (str, dt.date, dt.datetime) or origin is typing.Literal:
        return pa.string()
    if origin is list:
        item = _strip_none(typing.get_args(a)[0])
        if isinstance(item, type) and issubclass(item, BaseModel):
            return pa.list_(pa.struct([pa.field(n, _leaf_type(f.annotation))
                                       for n, f in item.model_fields.items()]))
        return pa.list_(_leaf_type(item))
    if origin is dict:
        return pa.map_(pa.string(), _leaf_type(typing.get_args(a)[1]))
    if isinstance(a, type) and issubclass(a, BaseModel):
        return pa.struct([pa.field(n, _leaf_type(f.annotation))
                          for n, f in a.model_fields.items()])
    return pa.string()  # a union of shapes, or anything else: JSON text


def _fields(prefix: str, model: type[BaseModel]) -> Iterator[tuple[str, Any]]:
    """(column, Arrow type) of a model, nested tables flattened with dots."""
    for name, info in model.model_fields.items():
        a = _strip_none(info.annotation)
        if isinstance(a, type) and issubclass(a, BaseModel):
            yield from _fields(f"{prefix}.{name}", a)
        else:
            yield f"{prefix}.{name}", _leaf_type(a)


def arrow_schema(kinds: Iterable[str]) -> Any:
    """The fixed ``pyarrow.Schema`` of a batch holding these kinds of scenario (sorted kinds;
    a mixed batch has the columns of each kind, in kind order, each once)."""
    import pyarrow as pa

    from optimizer.batch.grid import request_model, response_model

    columns: dict[str, Any] = dict.fromkeys(BASE_COLUMNS, pa.string())
    for kind in sorted(set(kinds)):
        for name, typ in _fields("input", request_model(kind)):
            columns.setdefault(name, typ)
        for name, typ in _fields("output", response_model(kind)):
            columns.setdefault(name, typ)
    columns["versions"] = pa.map_(pa.string(), pa.string())
    return pa.schema([pa.field(n, t) for n, t in columns.items()])


def _value(value: Any, typ: Any) -> Any:
    """A JSON value in the shape Arrow expects for ``typ``."""
    import pyarrow as pa

    if value is None:
        return None
    if pa.types.is_string(typ) and not isinstance(value, str):
        return json.dumps(value, sort_keys=True)
    if pa.types.is_map(typ) and isinstance(value, dict):
        return [(k, _value(v, typ.item_type)) for k, v in value.items()]
    if pa.types.is_list(typ) and isinstance(value, list):
        return [_value(v, typ.value_type) for v in value]
    if pa.types.is_struct(typ) and isinstance(value, dict):
        return {f.name: _value(value.get(f.name), f.type) for f in typ}
    if pa.types.is_floating(typ) and isinstance(value, int | float):
        return float(value)
    return value


def _walk(prefix: str, value: Any, out: dict[str, Any], names: set[str]) -> None:
    if isinstance(value, dict) and prefix not in names:
        for k, v in value.items():
            _walk(f"{prefix}.{k}", v, out, names)
    elif value is not None or prefix in names:  # an absent table leaves its columns null
        out[prefix] = value


def parquet_records(rows: Iterable[dict[str, Any]], schema: Any) -> Iterator[dict[str, Any]]:
    """Stored result rows (:func:`optimizer.storage.batches.iter_results`) as records of
    ``schema``; a value the schema has no column for raises ValueError (a schema out of date)."""
    names = set(schema.names)
    for row in rows:
        flat: dict[str, Any] = {k: row[k] for k in BASE_COLUMNS}
        _walk("input", json.loads(row["input_json"]), flat, names)
        if row["output_json"]:
            _walk("output", json.loads(row["output_json"]), flat, names)
        flat["versions"] = json.loads(row["versions_json"]) if row["versions_json"] else None
        unknown = sorted(set(flat) - names)
        if unknown:
            raise ValueError(f"Parquet export: got columns {unknown}; allowed: the columns of "
                             "the request and response schemas")
        yield {name: _value(flat.get(name), schema.field(name).type) for name in schema.names}


def write_parquet(rows: Iterable[dict[str, Any]], kinds: Iterable[str],
                  path: str | Path) -> int:
    """Write result rows to a Parquet file with :func:`arrow_schema`; returns the row count."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = arrow_schema(kinds)
    records = list(parquet_records(rows, schema))
    pq.write_table(pa.Table.from_pylist(records, schema=schema), str(path))
    return len(records)


def export_batch(engine: Engine, batch_id: str, path: str | Path, *,
                 include_references: bool = False) -> int:
    """Every finished scenario of a batch to ``path``: Parquet with the fixed schema of the
    batch's kinds; ``.csv`` and ``.jsonl`` as :func:`optimizer.storage.batch_export.export_results`
    writes them. ``patient_reference`` is left out unless ``include_references``. Returns the
    row count; the file appears whole (written aside, then renamed).

    Raises ``ValueError`` for a file type other than ``.parquet``, ``.csv``, ``.jsonl``."""
    from sqlalchemy import select

    from optimizer.storage.batch_export import export_results, without_reference
    from optimizer.storage.batches import BatchResultRecord, iter_results
    from optimizer.storage.engine import session_scope

    target = Path(path)
    if target.suffix.lower() != ".parquet":
        return export_results(engine, batch_id, target, include_references=include_references)
    t = BatchResultRecord
    with session_scope(engine) as s:
        kinds = list(s.scalars(select(t.kind).where(t.batch_id == batch_id).distinct()))
    tmp = target.with_name(target.name + ".partial")
    rows = iter_results(engine, batch_id)
    if not include_references:
        rows = ({**r, "input_json": without_reference(str(r["input_json"]))} for r in rows)
    count = write_parquet(rows, kinds, tmp)
    tmp.replace(target)
    return count
