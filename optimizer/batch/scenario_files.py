"""Scenario files (TOML): the request's fields at top level plus ``kind``.

A file is validated with the same schema as the HTTP request; a broken file raises
:class:`~optimizer.errors.ScenarioError` naming the file, the key and what is allowed, before
any work starts. The format is documented in ``scenarios/README.md``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Protocol, Self, TypeVar

from pydantic import ValidationError

from optimizer.errors import InputError, ScenarioError
from optimizer.schemas.recommendation import RecommendationRequest
from optimizer.schemas.validation import first_input_error

__all__ = ["KINDS", "load_recommendation", "load_request", "read_toml", "validation_error"]


class _Request(Protocol):
    @classmethod
    def model_validate(cls, obj: Any) -> Self: ...

    def to_problem(self) -> Any: ...


RequestT = TypeVar("RequestT", bound=_Request)

KINDS = ("recommendation", "comparison")


def read_toml(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(str(p), "(file)", str(p), f"a readable file ({exc.strerror})") from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(str(p), "(syntax)", str(exc), "valid TOML") from exc


def validation_error(path: str | Path, exc: ValidationError) -> ScenarioError:
    """The first pydantic error of a file as a ScenarioError (file, key, allowed)."""
    err = first_input_error(exc)
    key = "(top level)" if err.field == "body" else err.field
    return ScenarioError(str(path), key, err.value, err.allowed)


def load_request(path: str | Path, kind: str, schema: type[RequestT], *,
                 kind_optional: bool = False) -> RequestT:
    """Read a scenario file of ``kind`` into a request checked by ``schema`` (the API's own)
    and by the domain's cross-field checks (``schema.to_problem()``)."""
    data = read_toml(path)
    found = data.pop("kind", kind if kind_optional else None)
    if found != kind:
        raise ScenarioError(str(path), "kind", found, f'"{kind}" for this command')
    data.pop("description", None)
    try:
        request = schema.model_validate(data)
        request.to_problem()
    except ValidationError as exc:
        raise validation_error(path, exc) from exc
    except InputError as exc:
        if isinstance(exc, ScenarioError):
            raise
        raise ScenarioError(str(path), exc.field, exc.value, exc.allowed) from exc
    return request


def load_recommendation(path: str | Path) -> RecommendationRequest:
    """Read a ``kind = "recommendation"`` file (``kind`` may be left out)."""
    return load_request(path, "recommendation", RecommendationRequest, kind_optional=True)
