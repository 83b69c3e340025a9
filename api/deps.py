"""Shared dependencies: settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from optimizer.settings import Settings, get_settings

__all__ = ["SettingsDep"]

SettingsDep = Annotated[Settings, Depends(get_settings)]
