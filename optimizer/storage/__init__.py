"""The project's store (SQLAlchemy): SQLite file by default, PostgreSQL by URL.

* :mod:`~optimizer.storage.engine` — the engine, the session scope, the tables' base.
* :mod:`~optimizer.storage.audit` — the audit trail: every stored recommendation, immutable,
  with what is needed to explain it later.
* :mod:`~optimizer.storage.batches` — batch state, pending scenarios and results;
  :mod:`~optimizer.storage.batch_rows` — their plain row values (no SQLAlchemy: a batch
  worker answers scenarios without loading the database layer).
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
