"""Shared fixtures: a temporary database for every test, small named problems."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from optimizer.settings import get_settings

settings.register_profile("default", deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("default")

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def temp_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Every test gets its own SQLite file; the default doseopt.db is never touched."""
    url = f"sqlite:///{tmp_path / 'test.db'}"
    monkeypatch.setenv("DOSEOPT_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()
