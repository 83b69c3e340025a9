"""Access control: an optional API key, and a safe default bind address.

* When ``DOSEOPT_API_KEY`` is set, every request must carry the header ``X-API-Key`` with that
  value (compared in constant time), except the health check and the API documentation. A
  missing or wrong key is answered 401 with the usual error body.
* The clinician page's shell (``/`` and ``/static/...``) is public too: it holds no data, and
  a browser cannot add a header when it opens a page. Every data call the page makes sends the
  key the user typed into it.
* Without a key, ``doseopt serve`` binds to a loopback address only, unless ``--allow-remote``
  is given (:func:`optimizer.settings.check_bind`, re-exported here; the CLI imports it from
  :mod:`optimizer.settings`, since nothing in ``optimizer`` imports ``api``).

Pure ASGI (no web framework import).
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from optimizer.settings import check_bind, get_settings, is_loopback

__all__ = ["API_KEY_HEADER", "PUBLIC_PATHS", "ApiKeyMiddleware", "check_bind", "is_loopback"]

log = logging.getLogger("doseopt.security")

API_KEY_HEADER = "X-API-Key"
#: Paths answered without a key: health, the API documentation, the page shells (they hold no
#: data; every data call they make sends the key typed into the page).
PUBLIC_PATHS: frozenset[str] = frozenset(
    {"/v1/health", "/docs", "/docs/oauth2-redirect", "/openapi.json", "/redoc", "/",
     "/compare", "/ige", "/favicon.ico"})
PUBLIC_PREFIXES: tuple[str, ...] = ("/static/", "/docs-assets/")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def _is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def _key_matches(scope: Scope, expected: str) -> bool:
    wanted = API_KEY_HEADER.lower().encode("latin-1")
    for name, value in scope.get("headers", ()):
        if name.lower() == wanted:
            return hmac.compare_digest(bytes(value), expected.encode("utf-8"))
    return False


async def _unauthorised(send: Send, missing: bool) -> None:
    problem = "is missing" if missing else "does not match the configured key"
    body = json.dumps({"detail": [{
        "field": API_KEY_HEADER, "value": None,
        "allowed": "the API key configured on the server (DOSEOPT_API_KEY)",
        "message": f"Header {API_KEY_HEADER} {problem}; this service requires an API key."}]})
    await send({"type": "http.response.start", "status": 401, "headers": [
        (b"content-type", b"application/json"),
        (b"www-authenticate", API_KEY_HEADER.encode("latin-1"))]})
    await send({"type": "http.response.body", "body": body.encode("utf-8")})


class ApiKeyMiddleware:
    """Refuse requests without the configured API key (settings read per request)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        expected = get_settings().api_key
        if scope["type"] != "http" or not expected or _is_public(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        if _key_matches(scope, expected):
            await self.app(scope, receive, send)
            return
        has_header = any(n.lower() == API_KEY_HEADER.lower().encode("latin-1")
                         for n, _ in scope.get("headers", ()))
        log.warning("refused %s %s: API key %s", scope.get("method", "?"),
                    scope.get("path", "?"), "wrong" if has_header else "missing")
        await _unauthorised(send, missing=not has_header)
