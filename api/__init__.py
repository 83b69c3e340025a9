"""HTTP API of the dose-interval optimizer (FastAPI). Never imports Pyomo directly.

* :mod:`~api.main` — the application (``uvicorn api.main:app``): routers, error handlers,
  static files, the API-key middleware.
* :mod:`~api.routes` — one router per resource; routes are thin and call the services.
* :mod:`~api.deps` — shared dependencies (settings).
* :mod:`~api.errors` — error responses: every 4xx names the field, the value and what is
  allowed.
* :mod:`~api.security` — the optional API key.

This package imports no module, so that importing one of them does not build the application.
``__all__`` names the modules.
"""

__all__ = ["deps", "errors", "main", "routes", "security"]
