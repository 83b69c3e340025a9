"""A temporary database for module-scoped fixtures (they run before the per-test one of
tests/conftest.py, so without this they would write to the default doseopt.db)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from optimizer.settings import get_settings


@pytest.fixture(scope="module")
def module_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'module.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DOSEOPT_DATABASE_URL", url)
        get_settings.cache_clear()
        yield url
    get_settings.cache_clear()
