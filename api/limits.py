"""Request bodies: a size limit (413), and the patient references they carry noted for the
log filter (:mod:`api.privacy`).

The body is read here, once, before any route sees it: one larger than ``DOSEOPT_MAX_BODY_BYTES``
is refused whether or not it declares its length, and the route receives the same bytes.
Pure ASGI.
"""

from __future__ import annotations

import json

from api.privacy import note_references
from api.security import ASGIApp, Message, Receive, Scope, Send
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
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
