"""The public names of ``optimizer.score_target``: read by type checkers, and at run time by
``lazy_loader``, which imports each name's module when the name is first used."""

from .interval_search import (
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
