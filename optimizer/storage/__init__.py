"""The project's store (SQLAlchemy): SQLite file by default, PostgreSQL by URL.

* :mod:`~optimizer.storage.engine` — the engine, the session scope, the tables' base.
* :mod:`~optimizer.storage.audit` — the audit trail: every stored recommendation, immutable,
  with what is needed to explain it later.
* :mod:`~optimizer.storage.batches` — batch state, pending scenarios and results.
"""

from optimizer.storage.audit import (
    AuditRecordImmutableError,
    RecommendationRecord,
    StoredRecommendation,
    get_recommendation,
    store_recommendation,
)
from optimizer.storage.batches import (
    BatchInfo,
    BatchRecord,
    BatchResultRecord,
    ResultRow,
    create_batch,
    get_batch,
    iter_results,
    mark_interrupted,
    mark_unfinished_interrupted,
    pending_scenarios,
    set_status,
    write_results,
)
from optimizer.storage.engine import Base, get_engine, init_db, session_scope

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
