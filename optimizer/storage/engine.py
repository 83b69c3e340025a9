"""The project's database: SQLite file by default, PostgreSQL by SQLAlchemy URL.

One declarative ``Base`` for every table (batches, audit records...), one engine per URL.
Writes go through :func:`session_scope`, a transaction that commits whole or not at all.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

__all__ = ["Base", "get_engine", "init_db", "session_scope"]


class Base(DeclarativeBase):
    """Declarative base of every table in the store."""


_ENGINES: dict[str, Engine] = {}
_LOCK = threading.Lock()


def _sqlite_pragmas(busy_timeout_s: float) -> Any:
    def set_pragmas(dbapi_conn: Any, _: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
        cur.close()

    return set_pragmas


def get_engine(url: str | None = None) -> Engine:
    """The engine for ``url`` (default: ``DOSEOPT_DATABASE_URL``), tables created on first use.

    SQLite writers wait ``DOSEOPT_DATABASE_BUSY_TIMEOUT_S`` for another writer's lock."""
    from optimizer.settings import get_settings

    settings = get_settings()
    if url is None:
        url = settings.database_url
    with _LOCK:
        engine = _ENGINES.get(url)
        if engine is None:
            kwargs: dict[str, Any] = {"future": True}
            busy_s = settings.database_busy_timeout_s
            if url.startswith("sqlite"):
                kwargs["connect_args"] = {"check_same_thread": False, "timeout": busy_s}
            else:  # a server restart kills pooled connections: test each before use
                kwargs["pool_pre_ping"] = True
            engine = create_engine(url, **kwargs)
            if url.startswith("sqlite"):
                event.listen(engine, "connect", _sqlite_pragmas(busy_s))
            init_db(engine)
            _ENGINES[url] = engine
    return engine


#: Key of the PostgreSQL advisory lock held while creating tables (modelling choice: any
#: constant the application owns; "doseopt" in ASCII).
_DDL_LOCK_KEY = 0x646F73656F7074


def init_db(engine: Engine) -> None:
    """Create every table registered on :class:`Base` (import the table modules first).

    On PostgreSQL the creation runs in one transaction under an advisory lock, so several
    processes starting at once on an empty database create each table once instead of
    failing on one another's half-created tables.
    """
    _import_table_modules()
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_DDL_LOCK_KEY})")
        Base.metadata.create_all(conn)


def _import_table_modules() -> None:
    """Import every module that declares tables on :class:`Base` (importing registers them).
    Imported here, not at the top, because those modules import :class:`Base` from this one."""
    from optimizer.storage import audit, batches

    del audit, batches  # imported for their side effect: the tables on Base.metadata


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A transaction: commits when the block ends, rolls back on any exception."""
    with _session_factory(engine or get_engine())() as session, session.begin():
        yield session


_FACTORIES: dict[int, sessionmaker[Session]] = {}


def _session_factory(engine: Engine) -> sessionmaker[Session]:
    """One session factory per engine (building one per transaction costs ~1 ms)."""
    factory = _FACTORIES.get(id(engine))
    if factory is None or factory.kw.get("bind") is not engine:
        factory = sessionmaker(bind=engine, expire_on_commit=False)
        _FACTORIES[id(engine)] = factory
    return factory
