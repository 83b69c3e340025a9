"""The public names of ``optimizer.storage``: read by type checkers, and at run time by
``lazy_loader``, which imports each name's module when the name is first used."""

from .audit import (
    AuditRecordImmutableError,
    RecommendationRecord,
    StoredRecommendation,
    get_recommendation,
    store_recommendation,
)
from .batch_rows import (
    BatchInfo,
    ResultRow,
)
from .batches import (
    BatchRecord,
    BatchResultRecord,
    create_batch,
    get_batch,
    iter_results,
    mark_interrupted,
    mark_unfinished_interrupted,
    pending_scenarios,
    set_status,
    write_results,
)
from .engine import (
    Base,
    get_engine,
    init_db,
    session_scope,
)

__all__ = [
    "AuditRecordImmutableError",
    "Base",
    "BatchInfo",
    "BatchRecord",
    "BatchResultRecord",
    "RecommendationRecord",
    "ResultRow",
    "StoredRecommendation",
    "create_batch",
    "get_batch",
    "get_engine",
    "get_recommendation",
    "init_db",
    "iter_results",
    "mark_interrupted",
    "mark_unfinished_interrupted",
    "pending_scenarios",
    "session_scope",
    "set_status",
    "store_recommendation",
    "write_results",
]
