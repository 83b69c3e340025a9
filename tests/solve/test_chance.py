"""Story: the probability-of-control choice equals a plain count over the samples at every
sample count (no stall where the per-sample model used to branch), and the Pyomo model."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from optimizer.solve.chance import ChanceModelData, choose_by_share
from optimizer.solve.chance_model import build_chance_model
from optimizer.solve.choice import preference_rank
from optimizer.solve.highs import solve_choice


def count_choice(ok: NDArray[np.bool_], rank: NDArray[np.float64], required: int) -> int | None:
    feasible = np.flatnonzero(ok.sum(axis=1) >= required)
    return None if feasible.size == 0 else int(feasible[np.argmax(rank[feasible])])


def sample_table(rng: np.random.Generator, n_c: int, n_k: int) -> NDArray[np.bool_]:
    """Controlled samples thinning out as the candidate index (interval) grows."""
    sensitivity = rng.uniform(0.0, 1.0, n_k)
    level = np.linspace(1.0, 0.0, n_c)[:, None] + rng.normal(0.0, 0.05, (n_c, 1))
    out: NDArray[np.bool_] = level >= sensitivity[None, :]
    return out


@pytest.mark.parametrize("n_k", [1, 7, 50, 200, 800, 2000, 5000])
@pytest.mark.parametrize("n_c", [11, 71])
def test_sweep_of_sample_counts_equals_the_count(n_c: int, n_k: int) -> None:
    rng = np.random.default_rng(n_c * 10_000 + n_k)
    ok = sample_table(rng, n_c, n_k)
    rank = preference_rank(n_c, 1)
    for p in (0.5, 0.8, 0.9, 0.99, 1.0):
        required = int(np.ceil(p * n_k - 1e-9))
        outcome = choose_by_share(ChanceModelData(ok=ok, rank=rank, required=required))
        assert outcome.chosen == count_choice(ok, rank, required)


@pytest.mark.parametrize("n_k", [5, 40, 120])
def test_pyomo_chance_model_agrees(n_k: int) -> None:
    rng = np.random.default_rng(n_k)
    ok = sample_table(rng, 11, n_k)
    rank = preference_rank(11, 1)
    required = int(np.ceil(0.8 * n_k))
    data = ChanceModelData(ok=ok, rank=rank, required=required)
    assert solve_choice(build_chance_model(data)).chosen == choose_by_share(data).chosen
