"""POST /v1/fhir/recommendations: the recommendation for a patient sent as a FHIR R4 Bundle.

The bundle is read into the same request as ``POST /v1/recommendations`` takes, answered by the
same service and stored in the same audit trail, so both routes give the same answer for the
same data. With ``Accept: application/fhir+json`` the answer is a FHIR Bundle of proposals
(docs/fhir.md); otherwise it is the JSON route's body. Errors keep the API's shape and name the
bundle's element (``Bundle.entry[3].resource.effectiveDateTime``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Response

from api.deps import SettingsDep
from api.routes.recommendations import store_or_503
from optimizer.fhir.bundle_out import recommendation_bundle
from optimizer.schemas.recommendation import RecommendationPublic
from optimizer.services.fhir import recommend_from_bundle

router = APIRouter(tags=["fhir"])

FHIR_JSON = "application/fhir+json"
_ERRORS: dict[int | str, dict[str, Any]] = {
    200: {"content": {FHIR_JSON: {}},
          "description": "The recommendation; a FHIR Bundle with Accept: application/fhir+json."},
    422: {"description": "The bundle or a value in it is not allowed: names the element."},
    503: {"description": "The answer could not be stored in the audit trail."}}


@router.post("/v1/fhir/recommendations", response_model=RecommendationPublic,
             responses=_ERRORS)
def create_fhir_recommendation(
    bundle: Annotated[dict[str, Any], Body(
        media_type=FHIR_JSON, description="A FHIR R4 Bundle: Patient, body weight, omalizumab "
                                          "administrations, symptom scores, optional "
                                          "Parameters (docs/fhir.md).")],
    settings: SettingsDep,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    """Recommend from the patient's FHIR record, exactly as ``POST /v1/recommendations`` does
    from the same data; every answer is stored in the audit trail."""
    imported, out = recommend_from_bundle(bundle, settings)
    out = out.model_copy(update={"id": store_or_503(imported.request, out, settings)})
    if prefers_fhir(accept):
        fhir = recommendation_bundle(out, patient_reference=imported.patient_reference,
                                     locate=imported.locate)
        return Response(content=fhir.model_dump_json(), media_type=FHIR_JSON)
    return Response(content=out.model_dump_json(), media_type="application/json")


def prefers_fhir(accept: str | None) -> bool:
    """Whether the ``Accept`` header ranks ``application/fhir+json`` above plain JSON (quality
    values honoured; on a tie, or when neither is named, plain JSON)."""
    if not accept:
        return False
    quality: dict[str, float] = {}
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        quality[media.lower()] = max(q, quality.get(media.lower(), 0.0))
    fhir = quality.get(FHIR_JSON, 0.0)
    plain = max(quality.get("application/json", 0.0), quality.get("*/*", 0.0) * 0.999)
    return fhir > 0.0 and fhir > plain
