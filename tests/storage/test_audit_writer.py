"""Story: many clinicians ask at once; every answer is in the audit trail before it is shown,
the records share commits, and one record that cannot be stored fails only its own request."""

from __future__ import annotations

import concurrent.futures as cf
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from optimizer.schemas.recommendation import RecommendationPublic, RecommendationRequest
from optimizer.services.recommendation import recommend
from optimizer.settings import get_settings
from optimizer.storage import audit
from optimizer.storage.audit import RecommendationRecord, get_recommendation, store_recommendation
from optimizer.storage.engine import get_engine

REQUEST = RecommendationRequest.model_validate({"patient": {"weight_kg": 30}})


@pytest.fixture(scope="module")
def answer() -> RecommendationPublic:
    return recommend(REQUEST, get_settings())


def test_concurrent_stores_are_each_readable_when_they_return(
        tmp_path: Path, answer: RecommendationPublic) -> None:
    engine = get_engine(f"sqlite:///{tmp_path / 'audit.db'}")

    def store_and_read(_: int) -> bool:
        record_id = store_recommendation(REQUEST, answer, engine=engine)
        stored = get_recommendation(record_id, engine=engine)
        return stored is not None and stored.response.id == record_id

    with cf.ThreadPoolExecutor(max_workers=8) as pool:
        assert all(pool.map(store_and_read, range(64)))
    with Session(engine) as session:
        count = session.scalar(select(func.count()).select_from(RecommendationRecord))
    assert count == 64


def test_one_failing_row_fails_only_its_own_caller(tmp_path: Path,
                                                   answer: RecommendationPublic) -> None:
    engine = get_engine(f"sqlite:///{tmp_path / 'audit.db'}")
    first = store_recommendation(REQUEST, answer, engine=engine)
    row = {c.name: getattr(get_row(engine, first), c.name)
           for c in RecommendationRecord.__table__.columns}
    writer = audit._GroupWriter(engine)
    fresh = [dict(row, id=f"{k:032x}") for k in range(2)]
    group: list[tuple[dict[str, Any], Future[None]]] = [
        (fresh[0], Future()), (dict(row), Future()), (fresh[1], Future())]
    writer._write(group)
    assert group[0][1].result() is None and group[2][1].result() is None
    with pytest.raises(IntegrityError):
        group[1][1].result()
    assert get_recommendation(fresh[1]["id"], engine=engine) is not None


def get_row(engine: Any, record_id: str) -> RecommendationRecord:
    with Session(engine) as session:
        row = session.get(RecommendationRecord, record_id)
        assert row is not None
        session.expunge(row)
        return row


def test_an_unreachable_database_raises_instead_of_waiting(tmp_path: Path,
                                                           answer: RecommendationPublic) -> None:
    engine = get_engine(f"sqlite:///{tmp_path / 'audit.db'}")
    engine.dispose()
    (tmp_path / "audit.db").unlink()
    (tmp_path / "audit.db").mkdir()  # the path is now a directory: no database can open
    with pytest.raises(OperationalError):
        store_recommendation(REQUEST, answer, engine=engine)
