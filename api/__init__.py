"""HTTP API of the dose-interval optimizer (FastAPI). Never imports Pyomo directly.

* :mod:`~api.main` — the application (``uvicorn api.main:app``): routers, error handlers,
  static files, the API-key middleware.
* :mod:`~api.routes` — one router per resource; routes are thin and call the services.
* :mod:`~api.deps` — shared dependencies (settings).
* :mod:`~api.errors` — error responses: every 4xx names the field, the value and what is
  allowed.
* :mod:`~api.security` — the optional API key.
* :mod:`~api.jobs` — the batch job thread (held on ``app.state``, started in the lifespan).
* :mod:`~api.headers`, :mod:`~api.limits`, :mod:`~api.privacy` — security headers, the body
  size limit, the log filter that withholds patient references.
* :mod:`~api.openapi`, :mod:`~api.docs` — the declared error responses; Swagger UI and ReDoc
  served from packaged assets.

This package imports no module, so that importing one of them does not build the application.
``__all__`` names the modules.
"""

__all__ = ["deps", "docs", "errors", "headers", "jobs", "limits", "main", "openapi", "privacy",
           "routes", "security"]
