"""The OpenAPI document tells the truth about errors.

Every error this service sends has the body :class:`api.errors.ErrorBody`. FastAPI documents
its own 422 shape (``HTTPValidationError``) for operations that did not declare one; this
module replaces it everywhere, and adds the answers the middleware gives before any route runs:
401 (API key missing or wrong, on every operation that needs the key) and, on every operation
that reads a body, 400 (unreadable body) and 413 (body too large).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from api.errors import ErrorBody, ErrorItem, error_responses
from api.security import PUBLIC_PATHS, PUBLIC_PREFIXES

__all__ = ["install_openapi"]

_REF = "#/components/schemas/ErrorBody"
_BODY_METHODS = ("post", "put", "patch")


def _is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def _error_response(code: int) -> dict[str, Any]:
    description = error_responses(code)[code]["description"]
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": _REF}}}}


def _fix_operation(path: str, method: str, operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    if not _is_public(path):  # refused without the key when DOSEOPT_API_KEY is set
        responses.setdefault("401", {
            "description": "The API key (header X-API-Key) is missing or wrong; only when "
                           "the service is configured with DOSEOPT_API_KEY.",
            "content": {"application/json": {"schema": {"$ref": _REF}}}})
    for code, response in responses.items():
        if code.startswith(("4", "5")):
            response["content"] = {"application/json": {"schema": {"$ref": _REF}}}
    if method in _BODY_METHODS and "requestBody" in operation:
        for code in (400, 413, 422):
            responses.setdefault(str(code), _error_response(code))


def build_openapi(app: FastAPI) -> dict[str, Any]:
    """The document of ``app`` with every error answer described by ``ErrorBody``."""
    spec = get_openapi(title=app.title, version=app.version, description=app.description,
                       routes=app.routes)
    for path, operations in spec.get("paths", {}).items():
        for method, operation in operations.items():
            _fix_operation(path, method, operation)
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    for model in (ErrorBody, ErrorItem):
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schema.pop("$defs", None)  # ErrorItem is a component of its own
        schemas[model.__name__] = schema
    return spec


def install_openapi(app: FastAPI) -> None:
    """Serve :func:`build_openapi`'s document at ``/openapi.json`` (built once)."""
    cache: dict[str, Any] = {}

    def openapi() -> dict[str, Any]:
        if not cache:
            cache.update(build_openapi(app))
        return cache

    app.openapi = openapi  # type: ignore[method-assign]
