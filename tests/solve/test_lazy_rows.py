"""Story: handing HiGHS some rows only when violated gives the optimum of the whole program."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer.core.results import Status
from optimizer.solve.highs import LinearProgram, solve_lp
from optimizer.solve.lazy_rows import row_activity, select_rows, solve_with_lazy_rows


def program(rows: list[list[int]], cost: list[int], n: int) -> LinearProgram:
    lengths = np.array([len(r) for r in rows])
    return LinearProgram(cost=np.array(cost, dtype=float), col_lower=np.zeros(n),
                         col_upper=np.ones(n), integrality=np.ones(n, dtype=np.int64),
                         row_lower=np.ones(len(rows)), row_upper=np.full(len(rows), np.inf),
                         a_start=np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
                         a_index=np.concatenate([np.array(r) for r in rows]).astype(np.int64),
                         a_value=np.arange(1.0, lengths.sum() + 1.0), maximize=False)


@st.composite
def programs(draw: st.DrawFn) -> tuple[LinearProgram, np.ndarray]:
    n = draw(st.integers(2, 8))
    rows = draw(st.lists(st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True),
                         min_size=1, max_size=10))
    cost = draw(st.lists(st.integers(1, 9), min_size=n, max_size=n))
    lazy = np.array(draw(st.lists(st.booleans(), min_size=len(rows), max_size=len(rows))))
    return program(rows, cost, n), lazy


@settings(max_examples=40, deadline=None)
@given(case=programs(), x=st.lists(st.floats(0.0, 1.0), min_size=8, max_size=8))
def test_row_activity_and_selection_match_a_dense_matrix(
        case: tuple[LinearProgram, np.ndarray], x: list[float]) -> None:
    lp, keep = case
    dense = np.zeros((lp.n_row, lp.n_col))
    for r in range(lp.n_row):
        a, b = lp.a_start[r], lp.a_start[r + 1]
        dense[r, lp.a_index[a:b]] = lp.a_value[a:b]
    xs = np.array(x[:lp.n_col])
    np.testing.assert_allclose(row_activity(lp, xs), dense @ xs)
    np.testing.assert_allclose(row_activity(select_rows(lp, keep), xs), (dense @ xs)[keep])


@settings(max_examples=40, deadline=None)
@given(case=programs(), relaxation_first=st.booleans())
def test_lazy_rows_give_the_optimum_of_the_whole_program(
        case: tuple[LinearProgram, np.ndarray], relaxation_first: bool) -> None:
    lp, lazy = case
    full = solve_lp(lp)
    lazily = solve_with_lazy_rows(lp, lazy, start=np.ones(lp.n_col),
                                  relaxation_first=relaxation_first)
    assert lazily.status is full.status is Status.OPTIMAL
    assert lazily.objective == pytest.approx(full.objective)
    assert lazily.col_value is not None
    assert np.all(row_activity(lp, lazily.col_value) >= lp.row_lower - 1e-7)
