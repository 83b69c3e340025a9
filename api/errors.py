"""Error responses: every 4xx names the field, the value and what is allowed.

Body shape, for every error (:class:`ErrorBody`): ``{"detail": [{"field", "value", "allowed",
"message"}, ...]}``. Any input can be rendered: text is cut to 200 characters and control
characters, unpaired surrogates and other scripts' digits are written as ``\\uXXXX``; lists
and objects are cut to 20 items, 3 levels deep. The value appears once (``value``); the
``message`` names the field and what is allowed. A patient reference is never echoed.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from optimizer.errors import InputError, SolverError
from optimizer.schemas.strictness import FREE_TEXT_FIELDS, shown_text
from optimizer.schemas.validation import (
    MAX_CHARS,
    WITHHELD_VALUE,
    describe_error,
    ordered_errors,
    shown,
)
from optimizer.settings import get_settings

__all__ = ["ErrorBody", "ErrorItem", "error_responses", "install_error_handlers",
           "validation_items"]

log = logging.getLogger("doseopt.api")

#: Most errors listed in one answer (the rest are counted in the last item's message).
MAX_ERRORS = 50


class ErrorItem(BaseModel):
    field: str | None = Field(description="Dotted path of the field concerned (or null).")
    value: Any = Field(default=None, description="The value received, shortened.")
    allowed: str = Field(description="What would be accepted.")
    message: str = Field(description="The problem in one sentence.")


class ErrorBody(BaseModel):
    detail: list[ErrorItem]


_DESCRIPTIONS = {
    400: "The body could not be read (not JSON, or not the declared content type).",
    404: "Not found.",
    409: "The resource is not in a state that allows this.",
    413: "The body is larger than the configured limit (DOSEOPT_MAX_BODY_BYTES).",
    422: "A field is not allowed: names the field, the value and what is allowed.",
    503: "The answer could not be computed or stored; the message says what to change."}

#: Starlette's detail when the body's bytes were not readable JSON for a reason other than
#: JSON syntax (not UTF-8, nested deeper than the reader follows, an integer too long).
_UNPARSED_BODY = "There was an error parsing the body"
_READABLE_BODY = ("a JSON document encoded as UTF-8, with ordinary nesting depth and "
                  "numbers of at most 4,300 digits")


def error_responses(*codes: int, **descriptions: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the given status codes, each with :class:`ErrorBody`.
    ``descriptions`` override the default text, keyed ``d404=...``."""
    return {code: {"model": ErrorBody,
                   "description": descriptions.get(f"d{code}", _DESCRIPTIONS[code])}
            for code in codes}


def item(field: str | None, value: Any, allowed: str) -> dict[str, Any]:
    """One error item; the message names the field and what is allowed (not the value). The
    value of ``patient_reference`` is never echoed."""
    name = None if field is None else shown_text(field, MAX_CHARS)
    if name is not None and name.rsplit(".", 1)[-1] in FREE_TEXT_FIELDS:
        value = WITHHELD_VALUE
    allowed = shown_text(allowed, 2 * MAX_CHARS)
    where = f"{name}: " if name else ""
    return {"field": name, "value": shown(value), "allowed": allowed,
            "message": f"{where}not allowed; allowed: {allowed}"}


def validation_items(errors: Any, *, drop_first: bool = True) -> list[dict[str, Any]]:
    """pydantic errors -> [{field, value, allowed, message}] with dotted field paths."""
    ordered = ordered_errors(errors)
    items = _without_echoes([item(*_field_allowed(err, drop_first))
                             for err in ordered[:MAX_ERRORS]])
    if len(ordered) > MAX_ERRORS:
        items[-1]["message"] += f" ({len(ordered) - MAX_ERRORS} more errors not listed)"
    return items


def _without_echoes(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop an item that repeats an earlier one (same value, same rule) at the same field or
    inside it: each member of a union (``str | DoseListIn``) reports the one value it refused."""
    kept: list[dict[str, Any]] = []
    for new in items:
        field = new["field"] or ""
        if not any(old["value"] == new["value"] and old["allowed"] == new["allowed"]
                   and field.startswith((old["field"] or "") + ".")
                   or old == new for old in kept):
            kept.append(new)
    return kept


def _field_allowed(err: Any, drop_first: bool) -> tuple[str, Any, str]:
    field, allowed = describe_error(err, drop_root=drop_first)
    return field, err.get("input"), allowed


def _json(status: int, items: list[dict[str, Any]]) -> JSONResponse:
    return JSONResponse(status_code=status, content={"detail": items})


def _solver_message(exc: SolverError) -> dict[str, Any]:
    if "time" in exc.raw_status.lower():
        limit = get_settings().solver_time_limit_s
        allowed = (f"a question the solver answers within {limit:g} s "
                   "(DOSEOPT_SOLVER_TIME_LIMIT_S)")
        text = ("The solver ran out of time on this question. Ask a smaller one (fewer dose "
                "or interval options, fewer samples, a shorter plan), or raise "
                "DOSEOPT_SOLVER_TIME_LIMIT_S; retrying the same question will not help.")
    else:
        allowed = "an accepted solver status"
        text = (f"The solver could not answer this question ({exc}). This is not caused by "
                "the input being out of range; report it with the request.")
    return {"field": None, "value": shown(exc.raw_status), "allowed": allowed,
            "message": text}


def _unread_body(errors: Any) -> bool:
    """The body as a whole arrived as raw bytes: it was not read as JSON (a missing
    or other content type). That is a 400 (the body could not be read), not a field error."""
    return bool(errors) and all(tuple(e.get("loc", ())) == ("body",)
                                and isinstance(e.get("input"), bytes) for e in errors)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        if _unread_body(exc.errors()):
            fhir = request.url.path.startswith("/v1/fhir/")
            types = "application/fhir+json or application/json" if fhir else "application/json"
            return _json(400, [item("body", None, f"a JSON object, sent with Content-Type: "
                                                  f"{types}")])
        return _json(422, validation_items(exc.errors()))

    @app.exception_handler(InputError)
    async def _input(_: Request, exc: InputError) -> JSONResponse:
        return _json(422, [item(exc.field, exc.value, exc.allowed)])

    @app.exception_handler(SolverError)
    async def _solver(_: Request, exc: SolverError) -> JSONResponse:
        log.error("solver error: %s", shown_text(str(exc)))
        return _json(503, [_solver_message(exc)])

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail
        if exc.status_code == 400 and detail == _UNPARSED_BODY:
            return _json(400, [item("body", None, _READABLE_BODY)])
        if isinstance(detail, list) and all(isinstance(d, dict) for d in detail):
            items = [item(d.get("field"), d.get("value"), str(d.get("allowed", "")))
                     | ({"message": shown_text(str(d["message"]), 4 * MAX_CHARS)}
                        if "message" in d else {}) for d in detail]
        else:
            items = [item(None, None, "a request this route accepts")
                     | {"message": shown_text(str(detail), 4 * MAX_CHARS)}]
        return JSONResponse(status_code=exc.status_code, content={"detail": items},
                            headers=getattr(exc, "headers", None))
