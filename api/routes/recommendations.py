"""POST /v1/recommendations: the longest safe interval for one patient."""

from __future__ import annotations

import logging

from fastapi import APIRouter, HTTPException, Response
from sqlalchemy.exc import SQLAlchemyError

from api.deps import SettingsDep
from api.errors import error_responses
from optimizer.schemas.recommendation import RecommendationPublic, RecommendationRequest
from optimizer.services.recommendation import recommend
from optimizer.settings import Settings
from optimizer.storage.audit import store_recommendation
from optimizer.storage.engine import get_engine

router = APIRouter(tags=["recommendations"])
log = logging.getLogger("doseopt.api")

_ERRORS = error_responses(
    400, 413, 422, 503,
    d503="The answer could not be computed (solver time-out: the message says what to "
         "change) or stored in the audit trail.")


def store_or_503(request: RecommendationRequest, out: RecommendationPublic,
                 settings: Settings) -> str:
    """Store the answer in the audit trail and return its id; 503 when it cannot be stored
    (an answer that is not stored is not returned)."""
    try:
        return store_recommendation(request, out, engine=get_engine(settings.database_url))
    except SQLAlchemyError as exc:
        log.error("audit store failed: %s", type(exc).__name__)
        raise HTTPException(status_code=503, detail=[{
            "field": None, "value": None, "allowed": "a reachable audit database",
            "message": "The recommendation could not be stored in the audit trail, so it is "
                       "not returned. Check DOSEOPT_DATABASE_URL and try again."}]) from None


@router.post("/v1/recommendations", response_model=RecommendationPublic, responses=_ERRORS)
def create_recommendation(request: RecommendationRequest, settings: SettingsDep) -> Response:
    """Recommend the longest allowed interval, and the smallest dose for it, that keeps the
    predicted symptom score at or below the threshold for the whole steady-state cycle.
    Every answer is stored in the audit trail; its ``id`` retrieves it later."""
    out = recommend(request, settings)
    record_id = store_or_503(request, out, settings)
    # Serialised here, in the worker thread, from the validated model: returning a Response
    # spares FastAPI a second validation pass and another hop to the thread pool.
    body = out.model_copy(update={"id": record_id}).model_dump_json()
    return Response(content=body, media_type="application/json")
