"""The clinician's page and the printable report of a stored recommendation.

``GET /`` serves the page (static HTML, CSS and vanilla JS under ``api/static/``; nothing is
fetched from outside this service). ``GET /v1/recommendations/{id}/report`` is a one-page HTML
report of a stored recommendation — inputs, answer, plot, assumptions, versions, date and id —
self-contained (inline CSS, plot as a data URI) so it can be printed or saved into a record.
"""

from __future__ import annotations

import base64
import html
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse

from api.deps import SettingsDep
from api.routes.audit import load_record
from optimizer.comparison.costs import DEFAULT_PRICES
from optimizer.schemas.recommendation import FitPublic, MissedDosePublic, PlanPublic
from optimizer.storage.audit import StoredRecommendation

__all__ = ["render_compare_page", "render_report", "router"]

router = APIRouter(tags=["pages"])

STATIC = Path(__file__).resolve().parent.parent / "static"
#: Next dose dates listed in the report when the request holds a dose history.
NEXT_DATES = 6
#: Readable names and units of the fitted parameters (optimizer/individual/fit.py).
PARAMETER_NAMES = {"ec50_mg_per_l": ("EC50", " mg/L"), "baseline_score": ("Untreated score", ""),
                   "clearance_factor": ("Clearance (× population)", ""),
                   "hill": ("Hill coefficient", "")}


@router.get("/", include_in_schema=False)
def clinician_page() -> FileResponse:
    """The clinician's form and result view."""
    return FileResponse(STATIC / "index.html", media_type="text/html")


@router.get("/compare", include_in_schema=False)
def compare_page() -> HTMLResponse:
    """The analyst's schedule comparison page (cost against symptom control)."""
    return HTMLResponse(render_compare_page())


@router.get("/ige", include_in_schema=False)
def ige_page() -> FileResponse:
    """The dosing grid by weight and baseline IgE (free-IgE target, POST /v1/ige-table)."""
    return FileResponse(STATIC / "ige.html", media_type="text/html")


def render_compare_page() -> str:
    """compare.html with the default price list (optimizer.comparison.costs.DEFAULT_PRICES) filled
    in."""
    text = (STATIC / "compare.html").read_text(encoding="utf-8")
    prices = DEFAULT_PRICES.syringe_price
    values = {"{{currency}}": DEFAULT_PRICES.currency,
              "{{price_75}}": f"{prices[75]:.2f}" if 75 in prices else "",
              "{{price_150}}": f"{prices[150]:.2f}" if 150 in prices else "",
              "{{price_300}}": f"{prices[300]:.2f}" if 300 in prices else "",
              "{{visit_cost}}": f"{DEFAULT_PRICES.visit_cost:g}"}
    for token, value in values.items():
        text = text.replace(token, _e(value))
    return text


@router.get("/v1/recommendations/{record_id}/report", response_class=HTMLResponse,
            responses={404: {"description": "No recommendation is stored under this id."}})
def recommendation_report(record_id: str, settings: SettingsDep) -> HTMLResponse:
    """A one-page printable report of a stored recommendation (HTML with a print stylesheet)."""
    return HTMLResponse(render_report(load_record(record_id, settings)))


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _flatten(prefix: str, value: Any) -> list[tuple[str, str]]:
    """Request fields as (dotted name, readable value) rows; empty values left out."""
    if isinstance(value, dict):
        out: list[tuple[str, str]] = []
        for k, v in value.items():
            out += _flatten(f"{prefix}.{k}" if prefix else str(k), v)
        return out
    if value is None or value == [] or value == {}:
        return []
    if isinstance(value, list):
        parts = [", ".join(f"{k} {v}" for k, v in item.items() if v is not None)
                 if isinstance(item, dict) else f"{item:g}" if isinstance(item, float)
                 else str(item) for item in value]
        return [(prefix, "; ".join(parts))]
    return [(prefix, f"{value:g}" if isinstance(value, float) else str(value))]


def _rows(pairs: list[tuple[str, str]]) -> str:
    return "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in pairs)


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


def _answer(record: StoredRecommendation) -> str:
    out = record.response
    if out.status == "optimal":
        return f"{out.dose_mg:g} mg every {out.interval_days} days"
    if out.free_ige is not None:
        return ("No allowed option keeps free IgE at or below "
                f"{out.free_ige.target_ng_per_ml:g} ng/mL")
    return f"No allowed option keeps the predicted score at or below {out.threshold_score:g}"


def _free_ige_figures(record: StoredRecommendation) -> list[tuple[str, str]]:
    fi = record.response.free_ige
    assert fi is not None
    pairs = [("Highest free IgE", f"{fi.max_free_ige_ng_per_ml:.1f} ng/mL (target "
                                  f"{fi.target_ng_per_ml:g} ng/mL)"),
             ("Margin", f"{fi.margin_ng_per_ml:.1f} ng/mL"),
             ("Baseline IgE", f"{fi.baseline_ige_iu_per_ml:g} IU/mL"),
             ("Binding model", f"{fi.parameter_set} ({fi.citation})")]
    if fi.next_longer is not None:
        n = fi.next_longer
        pairs.append(("Why not longer", f"{n.dose_mg:g} mg every {n.interval_days} days: "
                                        f"free IgE {n.max_free_ige_ng_per_ml:.1f} ng/mL"))
    pairs.extend(("Warning", w.message) for w in record.response.warnings)
    return pairs


def _figures(record: StoredRecommendation) -> list[tuple[str, str]]:
    out = record.response
    if out.free_ige is not None:
        return _free_ige_figures(record)
    pairs = [("Worst-case score", f"{out.max_score:.2f} (threshold {out.threshold_score:g})"),
             ("Margin", f"{out.margin_score:.2f}")]
    if out.next_longer is not None:
        n = out.next_longer
        pairs.append(("Why not longer", f"{n.dose_mg:g} mg every {n.interval_days} days: "
                                        f"score {n.max_score:.2f}"))
    if out.late_dose_tolerance_days is not None:
        pairs.append(("Late-dose tolerance", f"{out.late_dose_tolerance_days:g} days"))
    if out.probability_controlled is not None:
        pairs.append(("Probability controlled", f"{out.probability_controlled:.0%}"))
    if out.next_longer_probability is not None:
        pairs.append(("Next longer interval", f"{out.next_longer_probability:.0%}"))
    pairs.append(("Threshold concentration", f"{out.threshold_conc_mg_per_l:.1f} mg/L"))
    dates = _next_dates(record)
    if dates:
        pairs.append(("Next dose dates", ", ".join(dates)))
    return pairs


def _num(x: float) -> str:
    return f"{x:.0f}" if abs(x) >= 100 else f"{x:.1f}" if abs(x) >= 10 else f"{x:.2f}"


def _table(head: list[str], rows: list[list[str]]) -> str:
    cells = "".join(f"<th scope='col'>{_e(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table class='data'><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"


def _fit_html(fit: FitPublic) -> str:
    """The individual fit: one row per parameter, the status and unexplained observations."""
    rows = []
    for p in fit.parameters:
        name, unit = PARAMETER_NAMES.get(p.name, (p.name, ""))
        rows.append([name, _num(p.estimate) + unit, f"{_num(p.lower_95)}–{_num(p.upper_95)}{unit}",
                     _num(p.prior_median) + unit,
                     f"{p.shift_prior_sd:+.2f} prior SD; SD ratio {p.sd_ratio:.2f}"])
    odd = ", ".join(fit.unexplained_observations) or "none"
    table = _table(["Parameter", "Estimate", "95 % interval", "Prior median",
                    "Moved by the data"], rows) if rows else ""
    status = {"fitted": "Fitted", "prior": "Population prior only (no observations)",
              "not_converged": "The fit did not converge: population prior used"}[fit.status]
    return (f"<h2>Fit to this patient's history</h2><p class='small'>{_e(status)}. "
            f"{_e(fit.message)} Unexplained observations: {_e(odd)}.</p>{table}")


def _plan_html(plan: PlanPublic) -> str:
    """The transition plan: dated doses, score checkpoints, optimality or gap."""
    checks = {c.date for c in plan.checkpoints}
    rows = [[d.date, str(d.interval_days), f"{d.dose_mg:g}", "yes" if d.date in checks else ""]
            for d in plan.doses]
    proof = {"optimal": "proven optimal", "infeasible": "no plan meets the constraints",
             "time_limit": "not proven optimal, gap "
                           + (f"{plan.mip_gap:.1%}" if plan.mip_gap is not None else "unknown")
             }[plan.status]
    above = (f"above the threshold on {len(plan.days_above_threshold)} day(s)"
             if plan.days_above_threshold else f"worst predicted score {plan.max_score:.2f}")
    checkpoints = "".join(f"<li>Score check {_e(c.date)}: {_e(c.reason)}</li>"
                          for c in plan.checkpoints)
    return (f"<h2>Transition plan</h2><p class='small'>From {_e(plan.start_date)} towards every "
            f"{plan.target_interval_days} days: {plan.injections} injection(s), {_e(proof)}; "
            f"{_e(above)}.</p>"
            + _table(["Date", "Days since previous", "Dose (mg)", "Collect a score"], rows)
            + f"<ul class='small'>{checkpoints}</ul>")


def _missed_html(missed: MissedDosePublic) -> str:
    items = "".join(f"<li>{_e(line)}</li>" for line in missed.advice)
    return f"<h2>Missed or late dose</h2><ul class='small'>{items}</ul>"


def _individual(record: StoredRecommendation) -> str:
    """Sections present only when the answer was fitted to the patient's history."""
    out = record.response
    return ((_fit_html(out.fit) if out.fit else "") + (_plan_html(out.plan) if out.plan else "")
            + (_missed_html(out.missed_dose) if out.missed_dose else ""))


def _record_rows(record: StoredRecommendation) -> list[tuple[str, str]]:
    versions = ", ".join(f"{k} {v}" for k, v in record.versions.items())
    model = ", ".join(f"{k} {v:.4g}" for k, v in record.model.items())
    return [("Recommendation id", record.id),
            ("Date", record.created_utc.strftime("%Y-%m-%d %H:%M:%S UTC")),
            ("Model", "omalizumab-IgE binding model (free IgE target)"
             if record.response.free_ige is not None else
             "one-compartment PK with first-order absorption; sigmoid Emax score"),
            ("Model parameters", model), ("Software", versions),
            ("Solver", f"{record.solver_name} {record.solver_version}")]


def render_report(record: StoredRecommendation) -> str:
    """The printable report as one self-contained HTML document."""
    from optimizer.plots.free_ige import free_ige_plot_svg
    from optimizer.plots.recommendation import score_plot_svg

    free_ige = record.response.free_ige is not None
    svg = (free_ige_plot_svg if free_ige else score_plot_svg)(record.request, record.response)
    alt = ("Predicted free IgE over three steady-state cycles with the target" if free_ige
           else "Predicted symptom score over time with the threshold and the doses")
    plot_uri = "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
    request = record.request.model_dump(mode="json")
    css = (STATIC / "report.css").read_text(encoding="utf-8")
    items = "".join(f"<li>{_e(line)}</li>" for line in record.response.explanation)
    assumptions = "".join(f"<li>{_e(line)}</li>" for line in record.response.assumptions)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>doseopt report {_e(record.id)}</title><style>{css}</style></head>
<body>
<header><h1>Omalizumab interval recommendation</h1>
<p class="meta">Recommendation {_e(record.id)} ·
{_e(record.created_utc.strftime("%Y-%m-%d %H:%M UTC"))}</p></header>
<p class="judgement"><strong>Model-based decision support: this result supports, and does not
replace, clinical judgement.</strong></p>
<h2>Recommendation</h2>
<p class="answer">{_e(_answer(record))}</p>
<dl class="pairs">{_rows(_figures(record))}</dl>
<ul class="why">{items}</ul>
{_individual(record)}
<figure><img src="{plot_uri}" alt="{alt}"></figure>
<h2>Inputs</h2>
<dl class="pairs inputs">{_rows(_flatten("", request))}</dl>
<h2>Assumptions</h2>
<ul class="small">{assumptions}</ul>
<h2>Record</h2>
<dl class="pairs small">{_rows(_record_rows(record))}</dl>
</body></html>
"""
