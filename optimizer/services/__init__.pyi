"""The public names of ``optimizer.services``: read by type checkers, and at run time by
``lazy_loader``, which imports each name's module when the name is first used."""

from .comparison import (
    compare,
    run_comparison,
)
from .fhir import (
    recommend_from_bundle,
)
from .free_ige import (
    dosing_grid_public,
    explain_free_ige,
    free_ige_model,
    recommend_free_ige_public,
    surrogate_check_public,
)
from .individual import (
    INDIVIDUAL_ASSUMPTIONS,
    recommend_individual,
)
from .individual_frame import (
    LOW_PROBABILITY,
    Frame,
    explain_individual,
    individual_warnings,
    low_probability_warning,
    missed_advice,
)
from .parameters import (
    model_parameters,
)
from .recommendation import (
    explain,
    recommend,
)
from .wording import (
    LONGEST_ALLOWED,
    next_longer_sentence,
    regimen_phrase,
)

__all__ = [
    "Frame",
    "INDIVIDUAL_ASSUMPTIONS",
    "LONGEST_ALLOWED",
    "LOW_PROBABILITY",
    "compare",
    "dosing_grid_public",
    "explain",
    "explain_free_ige",
    "explain_individual",
    "free_ige_model",
    "individual_warnings",
    "low_probability_warning",
    "missed_advice",
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
