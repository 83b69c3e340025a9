"""Shared request plumbing: settings, and a stored recommendation or a 404 that says what was
looked for."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException

from optimizer.schemas.strictness import shown_text
from optimizer.settings import Settings, get_settings
from optimizer.storage.audit import StoredRecommendation, get_recommendation
from optimizer.storage.engine import get_engine

__all__ = ["SettingsDep", "load_record"]


async def current_settings() -> Settings:
    """The settings object. ``async`` on purpose: a plain function dependency would cost every
    request a hop to the thread pool and back for a cached lookup."""
    return get_settings()


SettingsDep = Annotated[Settings, Depends(current_settings)]


def load_record(record_id: str, settings: Settings) -> StoredRecommendation:
    """The stored record, or a 404 that says what was looked for."""
    record = get_recommendation(record_id, engine=get_engine(settings.database_url))
    if record is None:
        shown = shown_text(record_id, 64)
        raise HTTPException(status_code=404, detail=[{
            "field": "id", "value": shown,
            "allowed": "the id of a stored recommendation (as returned by "
                       "POST /v1/recommendations)",
            "message": f"No recommendation is stored under id '{shown}'."}])
    return record
