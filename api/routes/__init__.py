"""One router per resource; each module exposes ``router``. ``__all__`` names the modules.

* :mod:`~api.routes.recommendations` — ``POST /v1/recommendations``.
* :mod:`~api.routes.audit` — stored recommendations and their plots.
* :mod:`~api.routes.comparisons` — ``POST /v1/comparisons`` and its plots.
* :mod:`~api.routes.ige` — the dosing grid and the surrogate check (free-IgE target).
* :mod:`~api.routes.batches` — batches: submit, follow, stream results.
* :mod:`~api.routes.pages` — the clinician's pages and the printable report.
* :mod:`~api.routes.health` — liveness and versions.
* :mod:`~api.routes.label` — ``POST /v1/label-dose``: the label's dose for a patient.
* :mod:`~api.routes.fhir` — ``POST /v1/fhir/recommendations``: FHIR R4 in and out.
"""

__all__ = ["audit", "batches", "comparisons", "fhir", "health", "ige", "label", "pages",
           "recommendations"]
