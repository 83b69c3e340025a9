"""The score-target recommendation: the longest interval, then the smallest dose, that keeps
the typical patient's predicted symptom score at or below a threshold at steady state.

* :mod:`~optimizer.score_target.interval_search` — exposures of every candidate (numpy) ->
  the interval choice (:mod:`optimizer.solve`) -> a checked
  :class:`~optimizer.core.results.Recommendation`, with the late-dose tolerance.
"""

from optimizer.score_target.interval_search import (
    ASSUMPTIONS,
    Backend,
    CandidateTable,
    evaluate_candidates,
    late_dose_tolerance_days,
    recommend_interval,
)

__all__ = [
    "ASSUMPTIONS",
    "Backend",
    "CandidateTable",
    "evaluate_candidates",
    "late_dose_tolerance_days",
    "recommend_interval",
]
