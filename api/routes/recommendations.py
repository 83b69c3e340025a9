"""POST /v1/recommendations: the longest safe interval for one patient."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import SettingsDep
from optimizer.schemas import RecommendationPublic, RecommendationRequest
from optimizer.service import recommend

router = APIRouter(tags=["recommendations"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    422: {"description": "A field is not allowed: names the field, value and limits."}}


@router.post("/v1/recommendations", response_model=RecommendationPublic, responses=_ERRORS)
def create_recommendation(request: RecommendationRequest,
                          settings: SettingsDep) -> RecommendationPublic:
    """Recommend the longest allowed interval, and the smallest dose for it, that keeps the
    predicted symptom score at or below the threshold for the whole steady-state cycle."""
    return recommend(request, settings)
