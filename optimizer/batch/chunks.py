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

from optimizer.batch.fast_path import answer_plain, is_plain
from optimizer.batch.grid import request_model, service_function
from optimizer.schemas.recommendation import RecommendationRequest
from optimizer.storage.batch_rows import PendingScenario, ResultRow, ResultStatus
from optimizer.versions import package_versions

__all__ = ["Answer", "ChunkResult", "Task", "run_chunk", "service_answer", "versions"]

#: ``answer(kind, request) -> response``; default: the service function of the kind.
Answer = Callable[[str, BaseModel], BaseModel]
Task = PendingScenario


@lru_cache(maxsize=1)
def versions() -> str:
    """JSON of the installed versions of the packages behind an answer, in this process."""
    return json.dumps(package_versions(), sort_keys=True, separators=(",", ":"))


def service_answer(kind: str, request: BaseModel) -> BaseModel:
    """The service function of ``kind``, one scenario at a time (as ``answer`` it turns the
    fast path off: used to compare the two)."""
    return service_function(kind)(request)


@dataclass(frozen=True)
class ChunkResult:
    rows: list[ResultRow]
    worker_ms: float
    timings_ms: dict[str, float] = field(default_factory=dict)


#: The fields of an answer a stored row summarises besides its JSON text.
_SUMMARY_FIELDS: set[str] = {"status", "solver", "timings_ms"}


def _solver_status(out: dict[str, Any]) -> str | None:
    solver = out.get("solver")
    if isinstance(solver, dict) and isinstance(solver.get("status"), str):
        return str(solver["status"])
    status = out.get("status")
    return status if isinstance(status, str) else None


def run_chunk(tasks: Sequence[Task], answer: Answer | None = None) -> ChunkResult:
    """Answer each task in this process; a scenario that raises is returned as failed.

    With the default answer, plain score-target recommendations are answered together
    (:mod:`optimizer.batch.fast_path`: same answers, one numpy pass and one HiGHS run); the
    other scenarios one by one through their service function.
    """
    start = time.perf_counter()
    timings: dict[str, float] = {"validate": 0.0, "answer": 0.0, "serialise": 0.0}
    t0 = time.perf_counter()
    requests = [_validate(task) for task in tasks]
    timings["validate"] += (time.perf_counter() - t0) * 1e3
    t0 = time.perf_counter()
    outs: list[BaseModel | Exception | None] = [None] * len(tasks)
    if answer is None:
        plain = [(k, r) for k, (t, r) in enumerate(zip(tasks, requests, strict=True))
                 if isinstance(r, RecommendationRequest) and is_plain(t.kind, r)]
        fast = answer_plain([r for _, r in plain])
        for (k, _), out in zip(plain, fast, strict=True):
            outs[k] = out
    fn = answer or service_answer
    for k, (task, request) in enumerate(zip(tasks, requests, strict=True)):
        if outs[k] is None:
            outs[k] = request if isinstance(request, Exception) else _call(fn, task, request)
    timings["answer"] += (time.perf_counter() - t0) * 1e3
    t0 = time.perf_counter()
    rows = [_row(task, out, timings) for task, out in zip(tasks, outs, strict=True)]
    timings["serialise"] += (time.perf_counter() - t0) * 1e3
    return ChunkResult(rows=rows, worker_ms=(time.perf_counter() - start) * 1e3,
                       timings_ms=timings)


def _validate(task: Task) -> BaseModel | Exception:
    try:
        return request_model(task.kind).model_validate_json(task.input_json)
    except Exception as exc:  # noqa: BLE001 - stored as the scenario's failure
        return exc


def _call(fn: Answer, task: Task, request: BaseModel) -> BaseModel | Exception:
    try:
        return fn(task.kind, request)
    except Exception as exc:  # noqa: BLE001 - any failure is stored, the batch goes on
        return exc


def _row(task: Task, out: BaseModel | Exception | None,
         timings: dict[str, float]) -> ResultRow:
    """The stored row of one answer (or of its failure): the answer's JSON as pydantic writes
    it (compact UTF-8 text, equal once parsed to ``json.dumps`` of its dump, in a fifth of
    the time)."""
    if out is not None and not isinstance(out, Exception):
        try:
            text = out.model_dump_json()
            data = out.model_dump(mode="json", include=_SUMMARY_FIELDS)
            for key, value in (data.get("timings_ms") or {}).items():
                timings[f"domain.{key}"] = timings.get(f"domain.{key}", 0.0) + float(value)
            return ResultRow(task.scenario_id, ResultStatus.DONE, text, None,
                             _solver_status(data), versions())
        except Exception as exc:  # noqa: BLE001 - an answer that cannot be stored fails
            out = exc
    assert out is not None
    return ResultRow(task.scenario_id, ResultStatus.FAILED, None,
                     f"{type(out).__name__}: {out}", None, versions())
