"""Versions of the packages that shape an answer, stored with every result and record."""

from __future__ import annotations

from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version

__all__ = ["PACKAGES", "package_versions"]

#: Packages whose versions are recorded (the model, the solver and the numerics).
PACKAGES: tuple[str, ...] = ("doseopt", "pyomo", "highspy", "numpy", "scipy")


@lru_cache(maxsize=1)
def _versions() -> tuple[tuple[str, str], ...]:
    out = []
    for name in PACKAGES:
        try:
            out.append((name, version(name)))
        except PackageNotFoundError:
            out.append((name, "not installed"))
    return tuple(out)


def package_versions() -> dict[str, str]:
    """Installed versions of :data:`PACKAGES` in this process (read once, then cached)."""
    return dict(_versions())
