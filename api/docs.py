"""API documentation pages served from bundles shipped with the package (no CDN).

``/docs`` (Swagger UI) and ``/redoc`` (ReDoc) load their scripts and styles from
``/docs-assets/``: the Swagger UI and ReDoc bundles of the ``fastapi-offline`` package, and this
package's own start-up script. Both pages work on a network that reaches nothing but this
service, and keep a Content-Security-Policy without external sources or inline scripts.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

__all__ = ["DOCS_ASSETS", "install_docs"]

#: URL prefix of the documentation bundles.
DOCS_ASSETS = "/docs-assets"
_OWN = Path(__file__).parent / "docs_assets"


def _bundle_dir() -> Path:
    import fastapi_offline

    return Path(fastapi_offline.__file__).parent / "static"


_SWAGGER = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>doseopt API</title>
<link rel="stylesheet" href="{DOCS_ASSETS}/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="{DOCS_ASSETS}/swagger-ui-bundle.js"></script>
<script src="{DOCS_ASSETS}/own/swagger-init.js"></script>
</body></html>
"""

_REDOC = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>doseopt API</title></head>
<body><redoc spec-url="/openapi.json"></redoc>
<script src="{DOCS_ASSETS}/redoc.standalone.js"></script>
</body></html>
"""


def install_docs(app: FastAPI) -> None:
    """Add ``/docs``, ``/redoc`` and the bundles (create the app with ``docs_url=None,
    redoc_url=None`` so FastAPI's CDN pages are not registered)."""
    app.mount(f"{DOCS_ASSETS}/own", StaticFiles(directory=_OWN), name="docs-own")
    app.mount(DOCS_ASSETS, StaticFiles(directory=_bundle_dir()), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return HTMLResponse(_SWAGGER)

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return HTMLResponse(_REDOC)
