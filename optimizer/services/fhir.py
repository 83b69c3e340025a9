"""The recommendation for a patient sent as a FHIR R4 Bundle: read, answered by the same
service as the JSON request, errors and notes placed on the bundle's elements.

Called by the FHIR route and the CLI (``doseopt recommend --fhir``); docs/fhir.md.
"""

from __future__ import annotations

from typing import Any

from optimizer.core.warnings import AnswerWarning
from optimizer.errors import InputError
from optimizer.fhir.bundle_in import FhirImport, read_bundle
from optimizer.fhir.codes import Code, parse_code
from optimizer.schemas.recommendation import (
    RecommendationPublic,
    RecommendationRequest,
    WarningPublic,
)
from optimizer.services.recommendation import recommend
from optimizer.settings import Settings, get_settings

__all__ = ["read_request_bundle", "recommend_from_bundle", "recommend_with_notes", "score_code"]


def score_code(settings: Settings) -> Code:
    """The configured FHIR code of the symptom score (``DOSEOPT_FHIR_SCORE_CODE``)."""
    try:
        return parse_code(settings.fhir_score_code)
    except ValueError as exc:
        raise InputError("DOSEOPT_FHIR_SCORE_CODE", settings.fhir_score_code, str(exc)) from None


def read_request_bundle(body: Any, settings: Settings | None = None) -> FhirImport:
    """Read a request bundle with the configured score code (raises InputError naming the
    bundle's element)."""
    return read_bundle(body, score_code=score_code(settings or get_settings()))


def recommend_with_notes(request: RecommendationRequest, notes: list[AnswerWarning],
                         settings: Settings | None = None, *,
                         imported: FhirImport | None = None) -> RecommendationPublic:
    """:func:`~optimizer.services.recommendation.recommend`, with the import's notes added to
    the warnings; with ``imported``, an error on a request field names the bundle element."""
    try:
        out = recommend(request, settings)
    except InputError as exc:
        if imported is None:
            raise
        raise imported.relocate(exc) from None
    if not notes:
        return out
    return out.model_copy(update={"warnings": [*out.warnings,
                                               *(WarningPublic.from_domain(w) for w in notes)]})


def recommend_from_bundle(body: Any, settings: Settings | None = None
                          ) -> tuple[FhirImport, RecommendationPublic]:
    """The request read from ``body`` and its answer (not stored: the caller stores it)."""
    imported = read_request_bundle(body, settings)
    return imported, recommend_with_notes(imported.request, imported.notes, settings,
                                          imported=imported)
