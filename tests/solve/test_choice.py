"""Story: whatever the number of candidates, the interval choice HiGHS makes over the columns
that can matter equals a brute-force search and the full Pyomo model."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from optimizer.core.results import Status
from optimizer.errors import SolverError
from optimizer.solve.choice import (
    IntervalModelData,
    candidate_columns,
    choose_candidate,
    preference_rank,
)
from optimizer.solve.highs import read_single_choice, solve_choice
from optimizer.solve.interval_model import build_interval_model


def brute_force(margin: NDArray[np.float64], rank: NDArray[np.float64]) -> int | None:
    ok = np.flatnonzero(margin >= 0.0)
    return None if ok.size == 0 else int(ok[np.argmax(rank[ok])])


def monotone_margins(rng: np.random.Generator, n_i: int, n_j: int) -> NDArray[np.float64]:
    """Margins shaped like troughs: falling with the interval, rising with the dose."""
    base = rng.uniform(0.5, 3.0) * np.linspace(1.0, 0.05, n_i)[:, None]
    dose = np.linspace(0.5, 2.0, n_j)[None, :] * rng.uniform(0.8, 1.2)
    out: NDArray[np.float64] = base * dose - 1.0
    return out


@st.composite
def grids(draw: st.DrawFn) -> NDArray[np.float64]:
    n_i = draw(st.integers(1, 8))
    n_j = draw(st.integers(1, 5))
    values = draw(st.lists(st.sampled_from([-1.0, -1e-6, 0.0, 1e-6, 0.3, 2.0]),
                           min_size=n_i * n_j, max_size=n_i * n_j))
    return np.array(values).reshape(n_i, n_j)


def test_preference_rank_is_longer_interval_then_smaller_dose() -> None:
    rank = preference_rank(3, 2).reshape(3, 2)
    assert rank[2, 0] > rank[2, 1] > rank[1, 0] > rank[1, 1] > rank[0, 0]
    assert sorted(rank.reshape(-1)) == list(range(6))


@settings(max_examples=60, deadline=None)
@given(margin=grids())
def test_any_grid_equals_brute_force_and_the_pyomo_model(margin: NDArray[np.float64]) -> None:
    data = IntervalModelData.from_grid(margin)
    expected = brute_force(data.margin, data.rank)
    outcome = choose_candidate(data)
    assert outcome.chosen == expected
    assert outcome.status is (Status.INFEASIBLE if expected is None else Status.OPTIMAL)
    assert solve_choice(build_interval_model(data)).chosen == expected


@settings(max_examples=40, deadline=None)
@given(margin=st.lists(st.floats(-2.0, 2.0), min_size=1, max_size=30), data=st.data())
def test_arbitrary_rank_without_grid_equals_brute_force(margin: list[float],
                                                        data: st.DataObject) -> None:
    rank = np.array(data.draw(st.permutations(range(len(margin)))), dtype=np.float64)
    model_data = IntervalModelData(margin=np.array(margin), rank=rank)
    assert choose_candidate(model_data).chosen == brute_force(model_data.margin, rank)


@pytest.mark.parametrize("shape", [(71, 1), (142, 5), (1420, 5), (4000, 5)])
def test_every_size_up_to_the_cap_equals_brute_force(shape: tuple[int, int]) -> None:
    rng = np.random.default_rng(sum(shape))
    for _ in range(5):
        data = IntervalModelData.from_grid(monotone_margins(rng, *shape))
        assert choose_candidate(data).chosen == brute_force(data.margin, data.rank)


def test_pyomo_model_agrees_at_a_few_hundred_candidates() -> None:
    data = IntervalModelData.from_grid(monotone_margins(np.random.default_rng(3), 142, 5))
    assert solve_choice(build_interval_model(data)).chosen == choose_candidate(data).chosen


@settings(max_examples=60, deadline=None)
@given(margin=grids())
def test_columns_are_the_pareto_front(margin: NDArray[np.float64]) -> None:
    data = IntervalModelData.from_grid(margin)
    n_j = margin.shape[1]
    cols = set(candidate_columns(data).tolist())
    ok = margin >= 0.0
    for i, j in zip(*np.nonzero(ok), strict=True):
        dominated = any(ok[a, b] and (a, b) != (i, j)
                        for a in range(i, margin.shape[0]) for b in range(0, j + 1))
        assert (int(i) * n_j + int(j) in cols) == (not dominated)
    assert all(ok.reshape(-1)[c] for c in cols)


def test_a_solution_picking_two_candidates_is_refused() -> None:
    with pytest.raises(SolverError, match="selects 2 candidates"):
        read_single_choice(np.array([1.0, 0.0, 1.0]), "kOptimal")


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 7), data=st.data())
def test_relaxation_first_gives_the_mip_optimum(n: int, data: st.DataObject) -> None:
    """A small covering program, fractional or integral relaxation: same optimum value."""
    from optimizer.solve.highs import LinearProgram, solve_lp

    rows = data.draw(st.lists(st.lists(st.integers(0, n - 1), min_size=2, max_size=n,
                                       unique=True), min_size=1, max_size=6))
    cost = np.array(data.draw(st.lists(st.integers(1, 9), min_size=n, max_size=n)), dtype=float)
    lengths = np.array([len(r) for r in rows])
    lp = LinearProgram(cost=cost, col_lower=np.zeros(n), col_upper=np.ones(n),
                       integrality=np.ones(n, dtype=np.int64), row_lower=np.ones(len(rows)),
                       row_upper=np.full(len(rows), np.inf),
                       a_start=np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
                       a_index=np.concatenate([np.array(r) for r in rows]).astype(np.int64),
                       a_value=np.ones(int(lengths.sum())), maximize=False)
    mip = solve_lp(lp)
    first = solve_lp(lp, relaxation_first=True)
    assert first.objective == pytest.approx(mip.objective)
    assert first.col_value is not None
    assert np.all((first.col_value == 0.0) | (first.col_value == 1.0))
    assert float(cost @ first.col_value) == pytest.approx(mip.objective)
