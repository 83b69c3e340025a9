"""The clinician's page, the analyst's comparison page and the printable report.

Pages are Jinja2 templates under ``api/templates/`` (autoescaped); their scripts and styles
are files under ``api/static/`` (no inline script or style, nothing fetched from outside this
service). Labels, rounding and summaries come from :mod:`optimizer.services.format` and
:mod:`optimizer.services.comparison_table`, so the page, the report and the terminal say the
same thing; the pages' scripts render what these routes send.
"""

from __future__ import annotations

import base64
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from api.deps import SettingsDep, load_record
from optimizer.comparison.costs import DEFAULT_PRICES
from optimizer.schemas.comparison import ComparisonPublic
from optimizer.schemas.recommendation import RecommendationPublic, RecommendationRequest
from optimizer.services.comparison_table import COLUMN_MEANINGS, comparison_csv, comparison_table
from optimizer.services.format import (
    answer_text,
    field_label,
    format_probability,
    input_pairs,
    summary_pairs,
)
from optimizer.storage.audit import StoredRecommendation

__all__ = ["render_report", "router"]

router = APIRouter(tags=["pages"])

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "static"
templates = Jinja2Templates(directory=ROOT / "templates")
templates.env.globals.update(label=field_label, probability=format_probability)
templates.env.filters["num"] = lambda x: (f"{x:.0f}" if abs(x) >= 100 else
                                          f"{x:.1f}" if abs(x) >= 10 else f"{x:.2f}")
#: Next dose dates listed in the report when the request holds a dose history.
NEXT_DATES = 6


@router.get("/", include_in_schema=False)
def clinician_page(request: Request) -> HTMLResponse:
    """The clinician's form and result view."""
    return templates.TemplateResponse(request, "index.html")


@router.get("/compare", include_in_schema=False)
def compare_page(request: Request) -> HTMLResponse:
    """The analyst's schedule comparison page, with the default price list
    (optimizer.comparison.costs.DEFAULT_PRICES) and the meaning of every column."""
    prices = DEFAULT_PRICES.syringe_price
    return templates.TemplateResponse(request, "compare.html", {
        "currency": DEFAULT_PRICES.currency,
        "prices": {size: f"{prices[size]:.2f}" if size in prices else ""
                   for size in (75, 150, 300)},
        "visit_cost": f"{DEFAULT_PRICES.visit_cost:.2f}",
        "columns": COLUMN_MEANINGS})


@router.get("/ige", include_in_schema=False)
def ige_page() -> FileResponse:
    """The dosing grid by weight and baseline IgE (free-IgE target, POST /v1/ige-table)."""
    return FileResponse(STATIC / "ige.html", media_type="text/html")


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> FileResponse:
    return FileResponse(STATIC / "favicon.ico", media_type="image/x-icon")


def _refuse(field: str, value: Any, allowed: str) -> ValidationError:
    """A validation error placed on one field of the answer (a plain ValueError in a model
    validator would be placed on the whole answer)."""
    return ValidationError.from_exception_data("PageAnswer", [InitErrorDetails(
        type=PydanticCustomError("page_answer", allowed), loc=(field,), input=value)])


_Probability = Annotated[float, Field(ge=0, le=1)]


class PageAnswer(RecommendationPublic):
    """An answer posted back by the page: :class:`RecommendationPublic` as this service
    writes it. A page can send anything, so what the words are made from is checked: finite
    numbers, probabilities in [0, 1], an optimal answer's dose and interval, and the
    threshold of a score-target answer."""

    model_config = ConfigDict(allow_inf_nan=False)

    probability_controlled: _Probability | None = None
    next_longer_probability: _Probability | None = None

    @model_validator(mode="after")
    def _as_written(self) -> PageAnswer:
        if self.status == "optimal":
            for name in ("interval_days", "dose_mg"):
                if getattr(self, name) is None:
                    raise _refuse(name, None, 'a number: the answer says "optimal"')
        if self.free_ige is None and self.threshold_score is None:
            raise _refuse("threshold_score", None,
                          "a number: a symptom-score answer states its threshold")
        return self


class SummaryIn(BaseModel):
    """A question and its answer, as the page holds them after POST /v1/recommendations. An
    optimal score-target answer must be one of the question's own options: its interval among
    the interval options, its dose among the dose options when the question lists them."""

    request: RecommendationRequest
    response: PageAnswer

    @model_validator(mode="after")
    def _answers_this_question(self) -> SummaryIn:
        out = self.response
        if out.status != "optimal" or out.free_ige is not None:
            return self
        problem = self.request.to_problem()
        days = problem.interval_options.days
        if out.interval_days not in days:
            raise _refuse("response.interval_days", out.interval_days,
                          f"one of the question's interval options ({days[0]}-{days[-1]} "
                          "days)")
        if self.request.dose_options_mg is not None \
                and out.dose_mg not in problem.dose_options_mg:
            raise _refuse("response.dose_mg", out.dose_mg,
                          "one of the question's dose options "
                          f"({', '.join(f'{d:g}' for d in problem.doses_sorted_mg)} mg)")
        return self


@router.post("/page/summary", include_in_schema=False)
def page_summary(body: SummaryIn) -> dict[str, Any]:
    """The answer, key figures and inputs in words: the page shows these as they come."""
    return {"answer": answer_text(body.response), "figures": summary_pairs(body.response),
            "inputs": input_pairs(body.request)}


@router.post("/page/comparison-table", include_in_schema=False)
def page_comparison_table(body: ComparisonPublic) -> JSONResponse:
    """The comparison as the page shows it: headers with meanings, cells in words."""
    return JSONResponse(comparison_table(body))


@router.post("/page/comparison.csv", include_in_schema=False)
def page_comparison_csv(body: ComparisonPublic) -> Response:
    """The comparison's rows as a CSV download (the same file as ``doseopt compare --csv``)."""
    return Response(comparison_csv(body), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="comparison.csv"'})


@router.get("/v1/recommendations/{record_id}/report", response_class=HTMLResponse,
            responses={404: {"description": "No recommendation is stored under this id."}})
def recommendation_report(record_id: str, settings: SettingsDep) -> HTMLResponse:
    """A one-page printable report of a stored recommendation (HTML with a print stylesheet)."""
    return HTMLResponse(render_report(load_record(record_id, settings)))


def _next_dates(record: StoredRecommendation) -> list[str]:
    """Last recorded dose + k x interval, when the request holds a dose history."""
    interval = record.response.interval_days
    history = getattr(record.request, "history", None)
    doses = getattr(history, "doses", None) or []
    if interval is None or not doses:
        return []
    last = max(d.date if isinstance(d.date, date) else date.fromisoformat(str(d.date))
               for d in doses)
    return [(last + timedelta(days=k * interval)).isoformat() for k in range(1, NEXT_DATES + 1)]


def _record_rows(record: StoredRecommendation) -> list[tuple[str, str]]:
    versions = ", ".join(f"{k} {v}" for k, v in record.versions.items())
    model = ", ".join(f"{field_label(k)} {v:.4g}" for k, v in record.model.items())
    return [("Recommendation id", record.id),
            ("Date", record.created_utc.strftime("%Y-%m-%d %H:%M:%S UTC")),
            ("Model", "omalizumab-IgE binding model (free IgE target)"
             if record.response.free_ige is not None else
             "one-compartment PK with first-order absorption; sigmoid Emax score"),
            ("Model parameters", model), ("Software", versions),
            ("Solver", f"{record.solver_name} {record.solver_version}")]


def render_report(record: StoredRecommendation) -> str:
    """The printable report as one self-contained HTML document: ``report.css`` inlined
    byte for byte (the Content-Security-Policy allows exactly that style by its hash,
    api/headers.py), the plot as a data URI; a saved copy keeps its layout."""
    from optimizer.plots.free_ige import free_ige_plot_svg
    from optimizer.plots.recommendation import score_plot_svg

    out = record.response
    free_ige = out.free_ige is not None
    svg = (free_ige_plot_svg if free_ige else score_plot_svg)(record.request, out)
    figures = summary_pairs(out)
    dates = _next_dates(record)
    if dates:
        figures.append(("Next dose dates", ", ".join(dates)))
    return templates.get_template("report.html").render(
        record=record, out=out, css=(STATIC / "report.css").read_text(encoding="utf-8"),
        answer=answer_text(out), figures=figures,
        inputs=input_pairs(record.request), record_rows=_record_rows(record),
        plot_uri="data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii"),
        plot_alt=("Predicted free IgE over three steady-state cycles with the target"
                  if free_ige else
                  "Predicted symptom score over time with the threshold and the doses"),
        fit_names=_FIT_NAMES)


#: Readable names and units of the fitted parameters (optimizer/individual/fit.py).
_FIT_NAMES = {"ec50_mg_per_l": ("EC50", " mg/L"), "baseline_score": ("Untreated score", ""),
              "clearance_factor": ("Clearance (× population)", ""),
              "hill": ("Hill coefficient", "")}
