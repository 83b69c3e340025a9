"""Stored recommendations: the audit record and its plots.

``GET /v1/recommendations/{id}`` returns the record (request, response, model parameters,
package and solver versions, time, id); ``GET /v1/recommendations/{id}/plot`` draws it as SVG.
The optional patient reference stays in the database and is never returned.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from api.deps import SettingsDep, load_record
from api.errors import error_responses
from optimizer.schemas.recommendation import RecommendationPublic

__all__ = ["router"]

router = APIRouter(tags=["audit"])

_NOT_FOUND = error_responses(404, 422, d404="No recommendation is stored under this id.")


class SolverVersion(BaseModel):
    name: str
    version: str


class AuditRecordPublic(BaseModel):
    """A stored recommendation as it was answered."""

    id: str = Field(description="Record id (uuid4, 32 hex digits).")
    created_utc: str = Field(description="When the answer was stored, ISO 8601, UTC.")
    request: dict[str, Any] = Field(description="The request, without the patient reference.")
    response: RecommendationPublic
    model: dict[str, float] = Field(description="Model parameters used, units in the names.")
    versions: dict[str, str] = Field(description="Versions of doseopt and the numeric packages.")
    solver: SolverVersion



@router.get("/v1/recommendations/{record_id}", response_model=AuditRecordPublic,
            responses=_NOT_FOUND)
def read_recommendation(record_id: str, settings: SettingsDep) -> dict[str, Any]:
    """The stored record of one recommendation: inputs, answer, versions and time."""
    return load_record(record_id, settings).public()


@router.get("/v1/recommendations/{record_id}/plot", response_class=Response,
            responses={200: {"content": {"image/svg+xml": {}, "image/png": {}},
                             "description": "The plot as SVG, or PNG with format=png."},
                       **_NOT_FOUND})
def plot_recommendation(
    record_id: str, settings: SettingsDep,
    kind: Annotated[Literal["score", "concentration", "free_ige"],
                    Query(description="score: predicted symptom score with the threshold; "
                                      "concentration: serum concentration with the threshold "
                                      "concentration; free_ige: free IgE with the target "
                                      "(the default for free-IgE answers).")] = "score",
    format: Annotated[Literal["svg", "png"],  # noqa: A002 - the query parameter's name
                      Query(description="svg (text kept as text) or png (120 dpi).")] = "svg",
) -> Response:
    """A plot of a stored recommendation (SVG or PNG), usable on its own or in a report."""
    from optimizer.plots.free_ige import free_ige_plot_svg
    from optimizer.plots.recommendation import concentration_plot_svg, score_plot_svg

    record = load_record(record_id, settings)
    if record.response.target_kind == "free_ige" and kind == "score":
        kind = "free_ige"
    draw = {"score": score_plot_svg, "concentration": concentration_plot_svg,
            "free_ige": free_ige_plot_svg}[kind]
    return Response(content=draw(record.request, record.response, format),
                    media_type=_MEDIA_TYPES[format])


_MEDIA_TYPES = {"svg": "image/svg+xml", "png": "image/png"}
