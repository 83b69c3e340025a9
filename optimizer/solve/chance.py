"""The chance-constrained choice: the most preferred candidate that controls at least
``required`` of the parameter samples, decided by HiGHS.

The question is stated in :mod:`optimizer.solve.chance_model` as a Pyomo model with a binary
per candidate and a binary per sample. Because exactly one candidate is chosen, the sample
binaries can be summed out exactly: the chosen candidate ``c`` controls ``count[c]`` samples
(a count over ``ok[c, :]`` in numpy), so the ``cover`` and ``share`` rows say
``count[c] >= required`` for the chosen ``c``. That is the interval choice of
:mod:`optimizer.solve.choice` with margin ``count[c] - required``: one row of ones, an integral
LP relaxation, no branching at any sample count, and a program whose size does not grow with
the samples. Tests compare it with the Pyomo model and with a brute-force count.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from optimizer.core.results import SolveOutcome
from optimizer.solve.choice import IntervalModelData, choose_candidate

__all__ = ["ChanceModelData", "choose_by_share"]


@dataclass(frozen=True)
class ChanceModelData:
    """``ok[c, k]``: candidate ``c`` controls sample ``k``; ``rank[c]``: preference;
    ``required``: fewest controlled samples accepted (``ceil(p K)``)."""

    ok: NDArray[np.bool_]
    rank: NDArray[np.float64]
    required: int

    def __post_init__(self) -> None:
        if self.ok.ndim != 2 or self.ok.shape[0] != self.rank.size:
            raise ValueError("ok must be (candidates x samples) and rank one per candidate")

    def controlled_counts(self) -> NDArray[np.int64]:
        """Samples controlled by each candidate, shape ``(candidates,)``."""
        out: NDArray[np.int64] = np.count_nonzero(self.ok, axis=1).astype(np.int64)
        return out


def choose_by_share(data: ChanceModelData, *, time_limit_s: float = 10.0) -> SolveOutcome:
    """The best-ranked candidate controlling at least ``data.required`` samples (HiGHS).

    ``INFEASIBLE`` when none does; :class:`~optimizer.errors.SolverError` for an unaccepted
    solver status or a solution that does not pick exactly one candidate.
    """
    margin = (data.controlled_counts() - data.required).astype(np.float64)
    return choose_candidate(IntervalModelData(margin=margin, rank=data.rank), time_limit_s)
