"""Liveness and versions."""

from __future__ import annotations

import functools
from importlib.metadata import version

from fastapi import APIRouter

router = APIRouter(tags=["health"])


@functools.lru_cache(maxsize=1)
def _version() -> str:
    """The installed package's version, read once (the metadata look-up costs milliseconds)."""
    return version("doseopt")


@router.get("/v1/health")
def health() -> dict[str, str]:
    return {"status": "ok", "version": _version()}


@router.head("/v1/health", include_in_schema=False)
def health_head() -> None:
    """Liveness for probes that ask with ``HEAD`` (no body)."""
