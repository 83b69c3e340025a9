"""One chunk of a batch, answered inside a worker process.

A scenario that raises is returned as ``failed`` with its error; the chunk goes on.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from pydantic import BaseModel

from optimizer.batch.grid import request_model, service_function
from optimizer.storage.batches import PendingScenario, ResultRow, ResultStatus
from optimizer.versions import package_versions

__all__ = ["Answer", "ChunkResult", "Task", "run_chunk", "versions"]

#: ``answer(kind, request) -> response``; default: the service function of the kind.
Answer = Callable[[str, BaseModel], BaseModel]
Task = PendingScenario


@lru_cache(maxsize=1)
def versions() -> str:
    """JSON of the installed versions of the packages behind an answer, in this process."""
    return json.dumps(package_versions(), sort_keys=True, separators=(",", ":"))


def _default_answer(kind: str, request: BaseModel) -> BaseModel:
    return service_function(kind)(request)


@dataclass(frozen=True)
class ChunkResult:
    rows: list[ResultRow]
    worker_ms: float
    timings_ms: dict[str, float] = field(default_factory=dict)


def _solver_status(out: dict[str, Any]) -> str | None:
    solver = out.get("solver")
    if isinstance(solver, dict) and isinstance(solver.get("status"), str):
        return str(solver["status"])
    status = out.get("status")
    return status if isinstance(status, str) else None


def run_chunk(tasks: Sequence[Task], answer: Answer | None = None) -> ChunkResult:
    """Answer each task in this process; a scenario that raises is returned as failed."""
    start = time.perf_counter()
    fn = answer or _default_answer
    rows: list[ResultRow] = []
    timings: dict[str, float] = {"validate": 0.0, "answer": 0.0, "serialise": 0.0}
    for task in tasks:
        t0 = time.perf_counter()
        try:
            request = request_model(task.kind).model_validate_json(task.input_json)
            t1 = time.perf_counter()
            out = fn(task.kind, request)
            t2 = time.perf_counter()
            data = out.model_dump(mode="json")
            for key, value in (data.get("timings_ms") or {}).items():
                timings[f"domain.{key}"] = timings.get(f"domain.{key}", 0.0) + float(value)
            rows.append(ResultRow(task.scenario_id, ResultStatus.DONE,
                                  json.dumps(data, separators=(",", ":")),
                                  None, _solver_status(data), versions()))
            timings["validate"] += (t1 - t0) * 1e3
            timings["answer"] += (t2 - t1) * 1e3
            timings["serialise"] += (time.perf_counter() - t2) * 1e3
        except Exception as exc:  # noqa: BLE001 - any failure is stored, the batch goes on
            rows.append(ResultRow(task.scenario_id, ResultStatus.FAILED, None,
                                  f"{type(exc).__name__}: {exc}", None, versions()))
    return ChunkResult(rows=rows, worker_ms=(time.perf_counter() - start) * 1e3,
                       timings_ms=timings)
