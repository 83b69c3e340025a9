"""Security headers on every response.

* every response: ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer``,
  ``X-Frame-Options: DENY``;
* every HTML response: a Content-Security-Policy that allows nothing from other origins, no
  inline or evaluated script, no framing (``frame-ancestors 'none'``), no plugins; one inline
  style is allowed by its hash (the report's own stylesheet). Styles allow
  ``'unsafe-inline'`` on the documentation pages only (``/docs``, ``/redoc``), whose bundled
  renderers set styles at run time; they still run no inline script.

Pure ASGI, so streamed responses pass through untouched.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from api.security import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CSP", "CSP_DOCS", "SecurityHeadersMiddleware"]

_BASE = ("default-src 'self'; script-src 'self'; img-src 'self' data: blob:; "
         "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
         "form-action 'self'; frame-ancestors 'none'")


def _style_hash(path: Path) -> str:
    """CSP source of an inline ``<style>`` whose text is the file's (the printable report
    inlines ``report.css`` so that a saved page keeps its layout)."""
    digest = hashlib.sha256(path.read_bytes()).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


_REPORT_CSS = _style_hash(Path(__file__).parent / "static" / "report.css")
#: Policy of every HTML page.
CSP = f"{_BASE}; style-src 'self' {_REPORT_CSS}"
#: Policy of the documentation pages.
CSP_DOCS = f"{_BASE}; style-src 'self' 'unsafe-inline'; worker-src 'self' blob:"
_DOC_PATHS = frozenset({"/docs", "/redoc"})
_ALWAYS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
           (b"x-frame-options", b"DENY")]


class SecurityHeadersMiddleware:
    """Adds the headers above to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = (CSP_DOCS if scope.get("path") in _DOC_PATHS else CSP).encode("ascii")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() not in {name for name, _ in _ALWAYS}]
                headers.extend(_ALWAYS)
                content_type = next((v for k, v in headers if k.lower() == b"content-type"),
                                    b"")
                if content_type.startswith(b"text/html"):
                    headers.append((b"content-security-policy", policy))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
