"""Request and response schemas (pydantic): one definition for the HTTP API, the CLI, scenario
files and batches.

* :mod:`~optimizer.schemas.base` — :class:`InputModel`, the base of every request block.
* :mod:`~optimizer.schemas.recommendation` — ``POST /v1/recommendations``: the request (patient,
  PK, response, options, history, plan) and the answer with its warnings.
* :mod:`~optimizer.schemas.history` — the patient's doses and observations as exports give
  them: doses of one date summed, date-times reduced to their date, units of mass converted.
* :mod:`~optimizer.schemas.individual_inputs` — a request's history and priors as domain values;
  :mod:`~optimizer.schemas.posterior` — the posterior parts of an individual answer.
* :mod:`~optimizer.schemas.free_ige` — the free-IgE target, the dosing grid, the surrogate check.
* :mod:`~optimizer.schemas.comparison` — ``POST /v1/comparisons``: schedules side by side.
* :mod:`~optimizer.schemas.validation` — pydantic errors in the project's words (field, value,
  what is allowed).

Schemas check limits and map to the domain's values (``to_problem``, ``from_domain``); they
compute nothing else. Field names are a contract scripts rely on: add, never rename.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
