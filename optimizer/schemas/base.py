"""The one base class of every request block (pydantic).

A request block refuses unknown fields (a misspelt field is an error, not a silent default),
refuses NaN and infinity, and is frozen: a validated request is a value. Before validation it
applies the strictness rules of :mod:`optimizer.schemas.strictness` (booleans are not numbers,
no lone surrogates or control characters, bounded strings); after, every date is checked
against the one date range of the API.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from optimizer.schemas.strictness import check_after, check_before

__all__ = ["InputModel"]


class InputModel(BaseModel):
    """Base of request schemas: extra fields forbidden, finite numbers only, immutable,
    strict about types and text (:mod:`optimizer.schemas.strictness`)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _strict_input(cls, data: Any) -> Any:
        return check_before(cls, data)

    @field_validator("*", mode="after")
    @classmethod
    def _dates_in_range(cls, value: Any) -> Any:
        return check_after(value)
