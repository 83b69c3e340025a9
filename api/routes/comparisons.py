"""POST /v1/comparisons: schedules side by side (doses, costs, symptom control); and its plots."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.deps import SettingsDep
from api.errors import error_responses
from optimizer.schemas.comparison import ComparisonPublic, ComparisonRequest
from optimizer.services.comparison import compare, run_comparison

router = APIRouter(tags=["comparisons"])

_ERRORS = error_responses(400, 413, 422, 503)


@router.post("/v1/comparisons", response_model=ComparisonPublic, responses=_ERRORS)
def create_comparison(request: ComparisonRequest, settings: SettingsDep) -> ComparisonPublic:
    """Compare dosing schedules for one patient over a horizon, and optionally over virtual
    patients: injections, syringes, drug and visit costs, days above the symptom threshold,
    cost per controlled patient-year. The first schedule is the reference of the deltas."""
    return compare(request, settings)


@router.post("/v1/comparisons/plot", response_class=Response, responses={
    200: {"content": {"image/svg+xml": {}, "image/png": {}},
          "description": "The plot as SVG, or PNG with format=png."}, **_ERRORS})
def comparison_plot_svg(
    request: ComparisonRequest, settings: SettingsDep,
    kind: Annotated[Literal["cost", "score"],
                    Query(description="cost: cost against share controlled, one point per "
                                      "schedule; score: predicted score over time per "
                                      "schedule.")] = "cost",
    format: Annotated[Literal["svg", "png"],  # noqa: A002 - the query parameter's name
                      Query(description="svg (text kept as text) or png (120 dpi).")] = "svg",
) -> Response:
    """The comparison as a plot (SVG or PNG)."""
    from optimizer.plots.comparison import comparison_plot

    run = run_comparison(request, settings)
    return Response(content=comparison_plot(run, kind, format),
                    media_type="image/png" if format == "png" else "image/svg+xml")
