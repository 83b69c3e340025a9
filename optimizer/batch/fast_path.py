"""Plain score-target recommendations of one chunk answered together.

A *plain* recommendation has no history, no probability target or plan and no free-IgE target
(:attr:`RecommendationRequest.is_individual`, :attr:`RecommendationRequest.is_free_ige`): its
answer is the longest controlled interval for population values. For those scenarios the chunk
runs the steps of :func:`optimizer.services.recommendation.recommend` side by side:

1. the same checks (``to_problem``, the label guard) per scenario;
2. the steady-state troughs of every candidate of every scenario in one numpy pass per
   candidate grid (scenarios that share interval and dose options, whatever their weights,
   PK and response parameters);
3. every choice in one HiGHS run: the choice programs of :mod:`optimizer.solve.choice` stacked
   block by block (one "choose exactly one" row per scenario; blocks share no column, so the
   stacked optimum is each block's optimum). A stacked run that ends with any other status
   than optimal is dropped and each scenario asks HiGHS on its own, as ``recommend`` does;
4. the read-back, explanation, population probabilities and label warnings through the same
   functions as ``recommend`` (:func:`optimizer.score_target.interval_search.read_back`,
   :func:`optimizer.services.recommendation.score_target_answer`,
   :func:`optimizer.services.warnings.with_label_warnings`).

The answers equal ``recommend``'s field for field except the wall-clock figures
(``timings_ms`` and ``solver.time_ms``), which here are the scenario's share of the shared
numpy pass and HiGHS run (tested on grids with infeasible and non-plain scenarios).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from optimizer.core.problem import RecommendationProblem
from optimizer.core.results import SolveOutcome, Status, Timings
from optimizer.exposure.pk import PKModel, series_concentration_mg_per_l
from optimizer.schemas.recommendation import RecommendationPublic, RecommendationRequest
from optimizer.score_target.interval_search import (
    CandidateTable,
    candidate_grid,
    read_back,
    table_from_troughs,
)
from optimizer.services.recommendation import score_target_answer
from optimizer.services.warnings import guard_request, with_label_warnings
from optimizer.settings import Settings, get_settings
from optimizer.solve.choice import IntervalModelData, candidate_columns, choose_candidate
from optimizer.solve.highs import LinearProgram, highs_version, read_single_choice, solve_lp

__all__ = ["FAST_KIND", "answer_plain", "choose_many", "is_plain"]

#: The scenario kind the fast path answers.
FAST_KIND = "recommendation"

Outcome = RecommendationPublic | Exception


def is_plain(kind: str, request: object) -> bool:
    """True for a score-target recommendation answered with population values."""
    return (kind == FAST_KIND and isinstance(request, RecommendationRequest)
            and not request.is_individual and not request.is_free_ige)


@dataclass(frozen=True)
class _Checked:
    request: RecommendationRequest  # after the label guard
    problem: RecommendationProblem
    pk: PKModel


def _check(request: RecommendationRequest, settings: Settings) -> _Checked | Exception:
    """``recommend``'s checks, in its order; a refused question is returned as its error."""
    try:
        problem = request.to_problem(max_candidates=settings.max_candidates)
        guarded = guard_request(request)
        if guarded is not request:
            problem = guarded.to_problem(max_candidates=settings.max_candidates)
        return _Checked(guarded, problem, PKModel.from_parameters(problem.pk,
                                                                  problem.patient.weight_kg))
    except Exception as exc:  # noqa: BLE001 - stored as the scenario's failure, as recommend's
        return exc


def _tables(items: Sequence[_Checked]) -> tuple[list[CandidateTable], float]:
    """Each scenario's candidate table, troughs computed in one numpy pass per candidate grid
    (shape ``(scenarios, I, J)``); also the wall time of all of it, ms."""
    t0 = time.perf_counter()
    groups: dict[tuple[bytes, bytes], list[int]] = {}
    grids = [candidate_grid(c.problem) for c in items]
    for k, (iv, doses) in enumerate(grids):
        groups.setdefault((iv.tobytes(), doses.tobytes()), []).append(k)
    tables: list[CandidateTable | None] = [None] * len(items)
    for members in groups.values():
        iv, doses = grids[members[0]]
        ke = np.array([items[k].pk.ke_per_day for k in members])[:, None, None]
        ka = np.array([items[k].pk.ka_per_day for k in members])[:, None, None]
        vol = np.array([items[k].pk.volume_l for k in members])[:, None, None]
        trough = series_concentration_mg_per_l(ke, ka, vol, doses[None, None, :],
                                               iv[None, :, None], 0.0)
        for m, k in enumerate(members):
            tables[k] = table_from_troughs(items[k].problem, iv, doses, trough[m])
    out = [t for t in tables if t is not None]
    return out, (time.perf_counter() - t0) * 1e3


def choose_many(datas: Sequence[IntervalModelData], time_limit_s: float) -> list[SolveOutcome]:
    """:func:`~optimizer.solve.choice.choose_candidate` for every ``datas[k]``, in one HiGHS
    run of the stacked choice programs; ``solve_ms`` is each solved scenario's share of it.

    Falls back to one run per scenario when the stacked run is not optimal (each scenario then
    gets exactly ``choose_candidate``'s outcome, errors included)."""
    columns = [candidate_columns(d) for d in datas]
    solved = [k for k, c in enumerate(columns) if c.size]
    if not solved:
        return [_infeasible() for _ in datas]
    sizes = np.array([columns[k].size for k in solved], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    n = int(starts[-1])
    lp = LinearProgram(
        cost=np.concatenate([datas[k].rank[columns[k]] for k in solved]).astype(np.float64),
        col_lower=np.zeros(n), col_upper=np.ones(n), integrality=np.ones(n, dtype=np.int64),
        row_lower=np.ones(len(solved)), row_upper=np.ones(len(solved)), a_start=starts,
        a_index=np.arange(n, dtype=np.int64), a_value=np.ones(n), maximize=True)
    run = solve_lp(lp, time_limit_s=time_limit_s)
    if run.status is not Status.OPTIMAL or run.col_value is None:
        return [choose_candidate(d, time_limit_s) for d in datas]
    share_ms = run.solve_ms / len(solved)
    outcomes: dict[int, SolveOutcome] = {}
    for m, k in enumerate(solved):
        block = run.col_value[int(starts[m]):int(starts[m + 1])]
        chosen = int(columns[k][read_single_choice(block, run.raw_status)])
        outcomes[k] = SolveOutcome(status=Status.OPTIMAL, raw_status=run.raw_status,
                                   solver_name="highs", solver_version=run.version,
                                   solve_ms=share_ms, chosen=chosen,
                                   objective=float(datas[k].rank[chosen]))
    return [outcomes[k] if k in outcomes else _infeasible() for k in range(len(datas))]


def _infeasible() -> SolveOutcome:
    """``choose_candidate``'s answer when no candidate meets the target (no HiGHS run)."""
    return SolveOutcome(status=Status.INFEASIBLE, raw_status="kInfeasible", solver_name="highs",
                        solver_version=highs_version(), solve_ms=0.0, chosen=None)


def answer_plain(requests: Sequence[RecommendationRequest],
                 settings: Settings | None = None) -> list[Outcome]:
    """``recommend(r)`` for every plain request ``r``, answered together (see module doc).

    Returns, in order, each answer or the exception ``recommend`` would have raised for it
    (:class:`~optimizer.errors.InputError` for a refused question, ``SolverError``)."""
    settings = settings or get_settings()
    checked = [_check(r, settings) for r in requests]
    items = [c for c in checked if isinstance(c, _Checked)]
    tables, exposure_ms = _tables(items)
    t0 = time.perf_counter()
    try:
        outcomes: list[SolveOutcome | Exception] = list(choose_many(
            [t.model_data() for t in tables], settings.solver_time_limit_s))
    except Exception:  # noqa: BLE001 - e.g. a stacked solution that cannot be read
        outcomes = [_one_choice(t, settings) for t in tables]
    choose_ms = (time.perf_counter() - t0) * 1e3
    per_exposure = exposure_ms / max(len(items), 1)
    answers = iter(_respond(c, t, o, per_exposure, choose_ms / max(len(items), 1))
                   for c, t, o in zip(items, tables, outcomes, strict=True))
    return [c if isinstance(c, Exception) else next(answers) for c in checked]


def _one_choice(table: CandidateTable, settings: Settings) -> SolveOutcome | Exception:
    try:
        return choose_candidate(table.model_data(), settings.solver_time_limit_s)
    except Exception as exc:  # noqa: BLE001 - that scenario fails, as in recommend
        return exc


def _respond(item: _Checked, table: CandidateTable, outcome: SolveOutcome | Exception,
             exposure_ms: float, choose_ms: float) -> Outcome:
    """One scenario's answer from its table and choice, through ``recommend``'s functions."""
    if isinstance(outcome, Exception):
        return outcome
    try:
        timings = Timings(exposure_ms=exposure_ms, build_ms=0.0, solve_ms=choose_ms,
                          total_ms=exposure_ms + choose_ms)
        rec = read_back(item.problem, item.pk, table, outcome, timings)
        return with_label_warnings(item.request,
                                   score_target_answer(item.request, item.problem, rec))
    except Exception as exc:  # noqa: BLE001 - that scenario fails, as in recommend
        return exc
