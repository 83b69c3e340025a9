"""The public API is exactly what ``optimizer.__all__`` lists, sorted, and all of it exists."""

from __future__ import annotations

import optimizer


def test_all_is_sorted_and_unique() -> None:
    assert list(optimizer.__all__) == sorted(set(optimizer.__all__))


def test_every_listed_name_exists_and_every_public_import_is_listed() -> None:
    assert all(hasattr(optimizer, name) for name in optimizer.__all__)
    public = {name for name in vars(optimizer)
              if not name.startswith("_") and not isinstance(getattr(optimizer, name),
                                                             type(optimizer))}
    assert public == set(optimizer.__all__)
