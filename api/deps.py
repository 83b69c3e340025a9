"""Shared dependencies: settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from optimizer.settings import Settings, get_settings

__all__ = ["SettingsDep"]



async def current_settings() -> Settings:
    """The settings object. ``async`` on purpose: a plain function dependency would cost every
    request a hop to the thread pool and back for a cached lookup."""
    return get_settings()


SettingsDep = Annotated[Settings, Depends(current_settings)]
