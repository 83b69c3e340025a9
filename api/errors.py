"""Error responses: every 4xx names the field, the value and what is allowed.

Body shape, for every error: ``{"detail": [{"field", "value", "allowed", "message"}, ...]}``.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from optimizer.errors import InputError, SolverError
from optimizer.schemas.validation import describe_error, ordered_errors

__all__ = ["install_error_handlers", "validation_items"]

log = logging.getLogger("doseopt.api")


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)  # NaN and infinities are not JSON: echo them as text
    if isinstance(value, (int, float, str, bool, type(None))):
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value][:20]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in list(value.items())[:20]}
    return repr(value)[:200]


def validation_items(errors: Any, *, drop_first: bool = True) -> list[dict[str, Any]]:
    """pydantic errors -> [{field, value, allowed, message}] with dotted field paths."""
    items = []
    for err in ordered_errors(errors):
        field, allowed = describe_error(err, drop_root=drop_first)
        value = _jsonable(err.get("input"))
        items.append({"field": field, "value": value, "allowed": allowed,
                      "message": f"{field}: got {value!r}; allowed: {allowed}"})
    return items


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": validation_items(exc.errors())})

    @app.exception_handler(InputError)
    async def _input(_: Request, exc: InputError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": [exc.as_dict()]})

    @app.exception_handler(SolverError)
    async def _solver(_: Request, exc: SolverError) -> JSONResponse:
        log.error("solver error: %s", exc)
        return JSONResponse(status_code=503, content={"detail": [{
            "field": None, "value": exc.raw_status, "allowed": "an accepted solver status",
            "message": f"The solver could not answer this question: {exc}. Try again; "
                       "if it persists, report it."}]})
