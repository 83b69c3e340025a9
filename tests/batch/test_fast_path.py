"""Story: a batch answers its plain recommendations together, and every stored row is the one
the one-question service would have stored — feasible and infeasible answers, refused
questions, and chunks where only some scenarios are plain (individual, free-IgE, comparison,
invalid) alike. Only the wall-clock figures differ."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from optimizer.batch import chunks, fast_path
from optimizer.batch.chunks import run_chunk, service_answer
from optimizer.batch.fast_path import answer_plain, choose_many, is_plain
from optimizer.batch.grid import Scenario, expand_document
from optimizer.batch.runner import RunOptions, run_batch
from optimizer.errors import SolverError
from optimizer.schemas.recommendation import RecommendationRequest
from optimizer.services.recommendation import recommend
from optimizer.solve.choice import IntervalModelData, choose_candidate
from optimizer.storage.batches import PendingScenario, ResultRow, iter_results
from optimizer.storage.engine import get_engine


def comparable(output_json: str) -> dict[str, Any]:
    """A stored output without the figures that measure time, not the answer."""
    out: dict[str, Any] = json.loads(output_json)
    out.pop("timings_ms", None)
    if isinstance(out.get("solver"), dict):
        out["solver"].pop("time_ms", None)
    return out


def plain_grid() -> list[Scenario]:
    """Feasible and infeasible answers (threshold 0.2 at 75 mg is out of reach for most),
    two candidate grids (the dose list varies) and a wide range of weights."""
    return expand_document({
        "kind": "recommendation", "interval_options_days": {"min": 14, "max": 84, "step": 7},
        "grid": {"patient.weight_kg": [20, 45, 70, 120], "threshold_score": [0.2, 1, 4],
                 "response.ec50_mg_per_l": [40, 90], "dose_options_mg": [[75], [150, 300]]}},
        "inline")


def mixed_tasks() -> list[PendingScenario]:
    """Plain scenarios interleaved with every kind the fast path must leave alone."""
    plain = [PendingScenario(s.id, s.kind, s.request_json()) for s in plain_grid()]
    others = [
        ("individual", "recommendation", {"patient": {"weight_kg": 60},
                                          "min_probability": 0.8, "samples": 50}),
        ("free-ige", "recommendation", {"target": {"kind": "free_ige", "max_ng_per_ml": 25},
                                        "patient": {"weight_kg": 70,
                                                    "baseline_ige_iu_per_ml": 300}}),
        ("refused", "recommendation", {"patient": {"weight_kg": 60}, "dose_options_mg": [100]}),
        ("invalid", "recommendation", {"patient": {"weight_kg": -5}}),
        ("comparison", "comparison", {"patient": {"weight_kg": 60}, "horizon_days": 182,
                                      "schedules": ["300 mg q4w", "300 mg q6w"]}),
    ]
    tasks = list(plain)
    for k, (sid, kind, request) in enumerate(others):
        tasks.insert(3 * k + 1, PendingScenario(sid, kind, json.dumps(request)))
    return tasks


def assert_same_rows(fast: list[ResultRow], slow: list[ResultRow]) -> None:
    assert [r.scenario_id for r in fast] == [r.scenario_id for r in slow]
    for a, b in zip(fast, slow, strict=True):
        assert (a.status, a.error, a.solver_status, a.versions_json) == \
            (b.status, b.error, b.solver_status, b.versions_json), a.scenario_id
        if a.output_json is not None or b.output_json is not None:
            assert a.output_json is not None and b.output_json is not None
            assert comparable(a.output_json) == comparable(b.output_json), a.scenario_id


def test_a_mixed_chunk_stores_what_one_service_call_per_scenario_stores(
        monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []

    def spy(requests: list[RecommendationRequest]) -> list[Any]:
        seen.append(len(requests))
        return answer_plain(requests)

    monkeypatch.setattr(chunks, "answer_plain", spy)
    tasks = mixed_tasks()
    fast, slow = run_chunk(tasks), run_chunk(tasks, service_answer)
    assert seen == [len(plain_grid()) + 1]  # the grid and the refused question, together
    assert_same_rows(fast.rows, slow.rows)
    statuses = {json.loads(r.output_json).get("status") for r in fast.rows if r.output_json}
    assert {"optimal", "infeasible"} <= statuses
    failed = {r.scenario_id for r in fast.rows if r.status == "failed"}
    assert {"refused", "invalid"} <= failed
    assert "comparison" not in failed and "individual" not in failed


def test_plain_answers_equal_recommend_called_directly() -> None:
    requests = [RecommendationRequest.model_validate(s.request) for s in plain_grid()]
    assert all(is_plain("recommendation", r) for r in requests)
    for request, out in zip(requests, answer_plain(requests), strict=True):
        assert not isinstance(out, Exception)
        assert comparable(out.model_dump_json()) == \
            comparable(recommend(request).model_dump_json())


def test_individual_and_free_ige_requests_are_not_plain() -> None:
    tasks = {t.scenario_id: t for t in mixed_tasks()}
    for sid in ("individual", "free-ige"):
        request = RecommendationRequest.model_validate_json(tasks[sid].input_json)
        assert not is_plain("recommendation", request)
    plain = RecommendationRequest.model_validate({"patient": {"weight_kg": 60}})
    assert is_plain("recommendation", plain) and not is_plain("comparison", plain)


def test_a_stacked_run_that_fails_falls_back_to_one_run_per_scenario(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> object:
        raise SolverError("stacked run refused (test)", "kTimeLimit")

    tasks = mixed_tasks()
    slow = run_chunk(tasks, service_answer)
    monkeypatch.setattr(fast_path, "solve_lp", refuse)
    assert_same_rows(run_chunk(tasks).rows, slow.rows)


@given(st.lists(st.tuples(st.integers(1, 6), st.integers(1, 4), st.integers(0, 2**31 - 1)),
                min_size=1, max_size=12))
def test_stacked_choices_equal_one_choice_per_scenario(
        shapes: list[tuple[int, int, int]]) -> None:
    """Any mix of grids, including scenarios with no controlled candidate."""
    datas = []
    for n_i, n_j, seed in shapes:
        margin = np.random.default_rng(seed).normal(-0.3, 1.0, size=(n_i, n_j))
        datas.append(IntervalModelData.from_grid(margin))
    for data, got in zip(datas, choose_many(datas, 10.0), strict=True):
        want = choose_candidate(data, 10.0)
        assert (got.status, got.raw_status, got.chosen) == \
            (want.status, want.raw_status, want.chosen)


def test_a_batch_run_stores_the_service_answers(temp_database: str) -> None:
    scenarios = plain_grid()
    summary = run_batch(scenarios, RunOptions(workers=1, chunk_size=7),
                        database_url=temp_database)
    assert (summary.status, summary.failed, summary.ran) == ("done", 0, len(scenarios))
    stored = {r["id"]: r for r in iter_results(get_engine(temp_database), summary.batch_id)}
    for s in scenarios:
        want = recommend(RecommendationRequest.model_validate(s.request))
        assert comparable(stored[s.id]["output_json"]) == \
            comparable(want.model_dump_json()), s.id
