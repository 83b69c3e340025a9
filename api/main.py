"""The FastAPI application: ``uvicorn api.main:app``.

Routes are plain ``def`` (CPU-bound work runs in the thread pool); Pyomo work is serialised
inside the optimizer, so concurrent requests are safe.

Middleware, outermost first: security headers (:mod:`api.headers`) on every response, the API
key check (:mod:`api.security`), the body size limit (:mod:`api.limits`, which also notes the
request's patient references for the log filter of :mod:`api.privacy`).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.docs import install_docs
from api.errors import install_error_handlers
from api.headers import SecurityHeadersMiddleware
from api.jobs import lifespan
from api.limits import BodyLimitMiddleware
from api.openapi import install_openapi
from api.privacy import install_privacy_filter
from api.routes import audit, batches, comparisons, fhir, health, ige, label, pages, recommendations
from api.security import ApiKeyMiddleware

DESCRIPTION = (
    "Recommends the longest omalizumab injection interval that keeps a patient's predicted "
    "symptom score under a threshold, or free IgE under a target by the omalizumab-IgE binding "
    "model. Model-based decision support: it supports, and does not "
    "replace, the clinician's judgement."
)


def create_app() -> FastAPI:
    install_privacy_filter()
    app = FastAPI(title="doseopt", version="0.1.0", description=DESCRIPTION,
                  lifespan=lifespan, docs_url=None, redoc_url=None)
    install_error_handlers(app)
    install_docs(app)
    # One router per resource; a new resource adds its module to this tuple.
    for module in (health, recommendations, audit, pages, batches, comparisons, ige, label, fhir):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    install_openapi(app)
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(ApiKeyMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    return app


app = create_app()
