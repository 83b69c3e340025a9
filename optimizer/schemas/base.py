"""The one base class of every request block (pydantic).

A request block refuses unknown fields (a misspelt field is an error, not a silent default),
refuses NaN and infinity, and is frozen: a validated request is a value.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["InputModel"]


class InputModel(BaseModel):
    """Base of request schemas: extra fields forbidden, finite numbers only, immutable."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)
