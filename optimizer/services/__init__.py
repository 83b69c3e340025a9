"""Entry points shared by the HTTP API, the CLI and batches: a schema in, a schema out.

* :mod:`~optimizer.services.recommendation` — :func:`recommend`: one recommendation request,
  sent on to the free-IgE or the individual answer when the request asks for them.
* :mod:`~optimizer.services.individual` — history fit, probability of control, plan and
  missed-dose advice.
* :mod:`~optimizer.services.free_ige` — the free-IgE answer, the dosing grid, the surrogate
  check.
* :mod:`~optimizer.services.comparison` — schedules side by side (:func:`compare`).
* :mod:`~optimizer.services.fhir` — a recommendation from a FHIR R4 Bundle
  (:func:`recommend_from_bundle`), errors and notes placed on the bundle's elements.
* :mod:`~optimizer.services.parameters` — the ``model`` block every answer carries.
* :mod:`~optimizer.services.wording` — phrases the explanations share.

The explanations and advice a clinician reads are written here, not in the domain packages.
No logic lives in a route or a command: they call these functions.
"""

from optimizer.services.comparison import compare, run_comparison
from optimizer.services.fhir import recommend_from_bundle
from optimizer.services.free_ige import (
    dosing_grid_public,
    explain_free_ige,
    free_ige_model,
    recommend_free_ige_public,
    surrogate_check_public,
)
from optimizer.services.individual import (
    INDIVIDUAL_ASSUMPTIONS,
    recommend_individual,
)
from optimizer.services.parameters import model_parameters
from optimizer.services.recommendation import explain, recommend
from optimizer.services.wording import LONGEST_ALLOWED, next_longer_sentence, regimen_phrase

__all__ = [
    "INDIVIDUAL_ASSUMPTIONS",
    "LONGEST_ALLOWED",
    "compare",
    "dosing_grid_public",
    "explain",
    "explain_free_ige",
    "free_ige_model",
    "model_parameters",
    "next_longer_sentence",
    "recommend",
    "recommend_free_ige_public",
    "recommend_from_bundle",
    "recommend_individual",
    "regimen_phrase",
    "run_comparison",
    "surrogate_check_public",
]
