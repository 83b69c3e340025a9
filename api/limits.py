"""Request bodies: a size limit (413), a key written twice in one JSON object (422), and the
patient references they carry noted for the log filter (:mod:`api.privacy`).

JSON readers disagree on a repeated key (Python's keeps the last, others the first or refuse),
so ``{"threshold_score": 2, "threshold_score": 3}`` is refused rather than read as either.

The body is read here, once, before any route sees it: one larger than ``DOSEOPT_MAX_BODY_BYTES``
is refused whether or not it declares its length, and the route receives the same bytes.
Pure ASGI.
"""

from __future__ import annotations

import json
from typing import Any

from api.privacy import note_references
from api.security import ASGIApp, Message, Receive, Scope, Send
from optimizer.schemas.strictness import shown_text
from optimizer.schemas.validation import MAX_CHARS
from optimizer.settings import get_settings

__all__ = ["BodyLimitMiddleware"]


async def _too_large(send: Send, limit: int, received: int | None) -> None:
    value = "more" if received is None else f"{received:,} bytes"
    body = json.dumps({"detail": [{
        "field": "body", "value": value,
        "allowed": f"a request body of at most {limit:,} bytes (DOSEOPT_MAX_BODY_BYTES)",
        "message": f"body: not allowed; allowed: at most {limit:,} bytes; split the request "
                   "(batches: use scenario files, or doseopt batch)."}]}).encode("utf-8")
    await send({"type": "http.response.start", "status": 413, "headers": [
        (b"content-type", b"application/json"), (b"connection", b"close"),
        (b"content-length", str(len(body)).encode("ascii"))]})
    await send({"type": "http.response.body", "body": body})


class _RepeatedKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _RepeatedKey(key)
        seen[key] = value
    return seen


def repeated_key(body: bytes) -> str | None:
    """The first key written twice in one object of the JSON ``body``, or ``None`` (also when
    the body is not readable JSON: the route reports that)."""
    try:
        json.loads(body, object_pairs_hook=_unique_keys)
    except _RepeatedKey as exc:
        return exc.key
    except (ValueError, RecursionError):
        return None
    return None


async def _repeated(send: Send, key: str) -> None:
    shown = shown_text(key, MAX_CHARS)
    body = json.dumps({"detail": [{
        "field": "body", "value": shown,
        "allowed": "each key at most once in one JSON object",
        "message": f"body: not allowed; allowed: each key at most once in one JSON object "
                   f"(the key '{shown}' is written twice)"}]}).encode("utf-8")
    await send({"type": "http.response.start", "status": 422, "headers": [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode("ascii"))]})
    await send({"type": "http.response.body", "body": body})


def _is_json(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name.lower() == b"content-type":
            return b"json" in value.lower()
    return False


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class BodyLimitMiddleware:
    """Refuse bodies above the limit with 413; replay the body read to the application."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit = get_settings().max_body_bytes
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            await _too_large(send, limit, declared)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break  # the client went away; the application sees an empty body
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > limit:
                await _too_large(send, limit, None)
                return
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        note_references(body)
        key = repeated_key(body) if _is_json(scope) else None
        if key is not None:
            await _repeated(send, key)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
