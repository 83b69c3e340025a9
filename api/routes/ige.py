"""POST /v1/ige-table: the dosing grid by weight and baseline IgE (free-IgE target)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from api.deps import SettingsDep
from api.errors import error_responses
from optimizer.schemas.free_ige import DosingGridPublic, DosingGridRequest, SurrogateCheckRequest
from optimizer.services.free_ige import dosing_grid_public, surrogate_check_public

router = APIRouter(tags=["free IgE"])

_ERRORS = error_responses(400, 413, 422, 503)


@router.post("/v1/ige-table", response_model=DosingGridPublic, responses={
    200: {"content": {"text/csv": {}}, "description": "The grid (JSON, or CSV)."}, **_ERRORS})
def create_ige_table(
    request: DosingGridRequest, settings: SettingsDep,
    format: Annotated[Literal["json", "csv"], Query(
        description="json (default) or csv: one row per cell.")] = "json",
) -> Response:
    """For each weight band x baseline-IgE band (upper edges), the longest allowed interval and
    the smallest dose for it that keep free IgE at or below the target over the whole
    steady-state cycle, by the omalizumab-IgE binding model. Decision support only."""
    out = dosing_grid_public(request, settings)
    if format == "csv":
        return Response(content=out.to_csv(), media_type="text/csv")
    return Response(content=out.model_dump_json(), media_type="application/json")


@router.post("/v1/surrogate-check", responses=_ERRORS)
def create_surrogate_check(request: SurrogateCheckRequest,
                           settings: SettingsDep) -> dict[str, Any]:
    """How far the simple PK surrogate's total omalizumab concentration is from the binding
    model's over a regimen (default 300 mg every 4 weeks for a year), per patient: the largest
    relative difference and its day, the trough differences, the AUC ratio; with ``fit`` the
    surrogate half-life and V/F that come closest for each patient."""
    return surrogate_check_public(request, settings)
