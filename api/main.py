"""The FastAPI application: ``uvicorn api.main:app``.

Routes are plain ``def`` (CPU-bound work runs in the thread pool); Pyomo work is serialised
inside the optimizer, so concurrent requests are safe.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.errors import install_error_handlers
from api.routes import audit, batches, comparisons, fhir, health, ige, label, pages, recommendations
from api.security import ApiKeyMiddleware

DESCRIPTION = (
    "Recommends the longest omalizumab injection interval that keeps a patient's predicted "
    "symptom score under a threshold, or free IgE under a target by the omalizumab-IgE binding "
    "model. Model-based decision support: it supports, and does not "
    "replace, the clinician's judgement."
)


def create_app() -> FastAPI:
    app = FastAPI(title="doseopt", version="0.1.0", description=DESCRIPTION)
    install_error_handlers(app)
    # One router per resource; a new resource adds its module to this tuple.
    for module in (health, recommendations, audit, pages, batches, comparisons, ige, label, fhir):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    app.add_middleware(ApiKeyMiddleware)
    return app


app = create_app()
