"""Story: a clinician opens the page without any outside network, and prints a one-page
report of a stored recommendation for the patient's record."""

from __future__ import annotations

import base64
import hashlib
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from pydantic import BaseModel

from api.main import app
from api.routes.pages import render_report
from optimizer.comparison.costs import DEFAULT_PRICES
from optimizer.services.format import field_label, format_probability
from optimizer.settings import get_settings
from optimizer.storage.audit import get_recommendation

client = TestClient(app)
STATIC = Path(__file__).resolve().parents[2] / "api" / "static"
TEMPLATES = STATIC.parent / "templates"


@pytest.fixture(autouse=True)
def pages_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DOSEOPT_DATABASE_URL", f"sqlite:///{tmp_path / 'pages.db'}")
    monkeypatch.delenv("DOSEOPT_API_KEY", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


class _Inputs(HTMLParser):
    """Collects inputs outside <template> and the ids that labels point to."""

    def __init__(self) -> None:
        super().__init__()
        self.inputs: list[str] = []
        self.label_for: set[str] = set()
        self.template_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "template":
            self.template_depth += 1
        elif tag == "label" and a.get("for"):
            self.label_for.add(str(a["for"]))
        elif tag in ("input", "textarea") and not self.template_depth:
            self.inputs.append(str(a.get("id")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "template":
            self.template_depth -= 1


def test_the_page_is_served_at_the_root_with_a_label_on_every_input() -> None:
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    parser = _Inputs()
    parser.feed(r.text)
    assert len(parser.inputs) >= 14
    assert [i for i in parser.inputs if i not in parser.label_for] == []
    assert "does\n    not replace, your clinical judgement" in r.text
    assert "does not replace, clinical\n    judgement" in r.text


def test_the_page_needs_no_outside_network_and_has_no_inline_script_or_style() -> None:
    for path in (*(STATIC / n for n in ("forms.js", "page.js", "individual.js", "page.css",
                                          "report.css", "compare.js")),
                 *TEMPLATES.glob("*.html")):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", text, re.I), path.name
        assert "@import" not in text
        if path.suffix == ".html":
            # the report inlines report.css byte for byte, allowed by its hash (api/headers.py)
            styles = text.count("<style")
            assert styles == (path.name == "report.html") and " style=" not in text, path.name
            assert not re.search(r"<script(?![^>]*\bsrc=)", text), path.name
    for path, kind in (("/static/page.js", "javascript"), ("/static/page.css", "text/css")):
        r = client.get(path)
        assert r.status_code == 200 and kind in r.headers["content-type"]


def test_the_report_holds_inputs_answer_plot_assumptions_versions_date_and_id() -> None:
    body = client.post("/v1/recommendations",
                       json={"patient": {"weight_kg": 30}, "threshold_score": 2}).json()
    r = client.get(f"/v1/recommendations/{body['id']}/report")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    stored = get_recommendation(body["id"])
    assert stored is not None
    assert body["id"] in html
    assert stored.created_utc.strftime("%Y-%m-%d %H:%M UTC") in html
    assert "300 mg every 36 days" in html
    assert "Body weight</dt><dd>30 kg" in html and "Half-life</dt><dd>26 days" in html
    assert "patient.weight_kg" not in html and "Parameter samples" not in html
    for line in body["assumptions"]:
        assert str(escape(line)) in html
    for name, ver in stored.versions.items():
        assert f"{name} {ver}" in html
    assert f"highs {body['solver']['version']}" in html
    assert "supports, and does not\nreplace, clinical judgement" in html
    css = client.get("/static/report.css").text
    assert "@page" in css and "size: A4" in css and f"<style>{css}</style>" in html
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
    assert f"'sha256-{digest}'" in r.headers["content-security-policy"]
    uri = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', html)
    assert uri is not None
    assert ET.fromstring(base64.b64decode(uri.group(1))).tag.endswith("svg")


def test_an_unknown_report_is_a_404() -> None:
    r = client.get("/v1/recommendations/abc/report")
    assert r.status_code == 404 and r.json()["detail"][0]["field"] == "id"


class _Dose(BaseModel):
    date: date
    dose_mg: float


class _History(BaseModel):
    doses: list[_Dose]


def test_the_report_lists_next_dose_dates_from_the_last_recorded_dose() -> None:
    body = client.post("/v1/recommendations",
                       json={"patient": {"weight_kg": 30}, "threshold_score": 2}).json()
    stored = get_recommendation(body["id"])
    assert stored is not None
    no_history = render_report(stored)
    assert "Next dose dates" not in no_history

    class WithHistory(type(stored.request)):  # type: ignore[misc]
        history: _History | None = None

    request = WithHistory.model_validate({
        **stored.request.model_dump(),
        "history": {"doses": [{"date": "2020-03-02", "dose_mg": 300},
                              {"date": "2020-02-03", "dose_mg": 300}]}})
    html = render_report(type(stored)(**{**stored.__dict__, "request": request}))
    # 2020-03-02 + 36 days = 2020-04-07, + 72 = 2020-05-13 (2020 is a leap year).
    assert "Next dose dates</dt><dd>2020-04-07, 2020-05-13, 2020-06-18" in html


class _Values(HTMLParser):
    """Input id -> value attribute."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "input" and a.get("id"):
            self.values[str(a["id"])] = str(a.get("value") or "")


def test_the_compare_page_is_linked_labelled_and_shows_the_default_prices() -> None:
    assert 'href="/compare"' in client.get("/").text
    r = client.get("/compare")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    labels, values = _Inputs(), _Values()
    labels.feed(r.text)
    values.feed(r.text)
    assert {"schedules", "horizon_days", "population_n", "price_150"} <= set(labels.inputs)
    assert [i for i in labels.inputs if i not in labels.label_for] == []
    assert "{{" not in r.text
    prices = DEFAULT_PRICES.syringe_price
    assert values.values["currency"] == DEFAULT_PRICES.currency
    for size in (75, 150, 300):
        shown = values.values[f"price_{size}"]
        assert (float(shown) == prices[size]) if size in prices else shown == ""
    assert float(values.values["visit_cost"]) == DEFAULT_PRICES.visit_cost
    assert "do not replace, clinical and\n    commissioning judgement" in r.text
    assert client.get("/static/compare.js").status_code == 200


HISTORY_REQUEST = {
    "patient": {"weight_kg": 30}, "threshold_score": 2, "min_probability": 0.9,
    "history": {"doses": [{"date": "2021-03-01", "dose_mg": 300},
                          {"date": "2021-04-05", "dose_mg": 300}],
                "observations": [{"date": "2021-04-05", "score": 0}]},
    "evaluation_date": "2021-04-20", "plan": {"horizon_weeks": 12}}


def test_the_report_of_a_fitted_answer_shows_the_fit_plan_and_missed_dose_advice() -> None:
    body = client.post("/v1/recommendations", json=HISTORY_REQUEST).json()
    html = client.get(f"/v1/recommendations/{body['id']}/report").text
    fit = body["fit"]
    assert "<h2>Fit to this patient's history</h2>" in html
    for p in fit["parameters"]:
        est = p["estimate"]
        shown = f"{est:.0f}" if est >= 100 else f"{est:.1f}" if est >= 10 else f"{est:.2f}"
        assert f"<td>{shown}" in html, p["name"]
        assert f"{p['shift_prior_sd']:+.2f} prior SD" in html
    shown = format_probability(body["probability_controlled"])
    assert f"Probability controlled</dt><dd>{shown} (every {body['interval_days']} days)" in html
    assert (f"Next longer interval</dt><dd>{format_probability(body['next_longer_probability'])}"
            in html)
    assert "Dose history</dt><dd>2021-03-01: 300 mg; 2021-04-05: 300 mg" in html
    assert "Symptom scores</dt><dd>2021-04-05: 0" in html
    assert "Parameter samples</dt><dd>200" in html
    assert "history.doses" not in html and "dose_mg" not in html
    for dose in body["plan"]["doses"]:
        assert f"<td>{dose['date']}</td><td>{dose['interval_days']}</td>" in html
    for check in body["plan"]["checkpoints"]:
        assert f"Score check {check['date']}" in html
    for line in body["missed_dose"]["advice"]:
        assert line in html
    assert "supports, and does not\nreplace, clinical judgement" in html


def test_the_report_of_a_population_answer_has_no_individual_sections() -> None:
    body = client.post("/v1/recommendations", json={"patient": {"weight_kg": 30}}).json()
    html = client.get(f"/v1/recommendations/{body['id']}/report").text
    for heading in ("Fit to this patient", "Transition plan", "Missed or late dose",
                    "Parameter samples"):
        assert heading not in html
    # every answer, population ones too, states its probability of control (same rounding)
    assert body["probability_controlled"] is not None
    shown = format_probability(body["probability_controlled"])
    assert f"Probability controlled</dt><dd>{shown}" in html


class _Controls(_Inputs):
    """_Inputs, with selects counted as inputs, and every control's data-field."""

    def __init__(self) -> None:
        super().__init__()
        self.data_fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        super().handle_starttag(tag, attrs)
        a = dict(attrs)
        if tag == "select" and not self.template_depth:
            self.inputs.append(str(a.get("id")))
        if tag in ("input", "textarea", "select") and a.get("data-field"):
            self.data_fields[str(a.get("id"))] = str(a["data-field"])


def test_the_dosing_grid_page_is_linked_labelled_and_starts_from_the_grid_defaults() -> None:
    from optimizer.free_ige.dosing_grid import DEFAULT_IGE_EDGES_IU_PER_ML, DEFAULT_WEIGHT_EDGES_KG
    from optimizer.free_ige.target import (
        DEFAULT_INTERVALS_DAYS,
        DEFAULT_MAX_DOSE_MG,
        DEFAULT_TARGET_NG_PER_ML,
    )
    from optimizer.schemas.free_ige import DosingGridRequest, FreeIgETargetIn

    assert 'href="/ige"' in client.get("/").text
    assert 'href="/ige"' in client.get("/compare").text
    r = client.get("/ige")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    controls, values = _Controls(), _Values()
    controls.feed(r.text)
    values.feed(r.text)
    assert {"weights_kg", "ige_iu_per_ml", "target_ng_per_ml", "parameter_set", "max_dose_mg",
            "intervals_days", "allow_extrapolation", "api_key"} <= set(controls.inputs)
    assert [i for i in controls.inputs if i not in controls.label_for] == []
    # Every data-field names a field of the request (so a 422 finds its input), or the key.
    for input_id, field in controls.data_fields.items():
        head, _, tail = field.partition(".")
        if field == "X-API-Key":
            continue
        if head == "target":
            assert tail in FreeIgETargetIn.model_fields, input_id
        else:
            assert head in DosingGridRequest.model_fields and not tail, input_id

    def edges(input_id: str) -> list[float]:
        return [float(x) for x in values.values[input_id].split(",")]

    assert edges("weights_kg") == list(DEFAULT_WEIGHT_EDGES_KG)
    # The IgE default is the grid's first bands up to 700 IU/mL, kept short for the screen.
    assert edges("ige_iu_per_ml") == [g for g in DEFAULT_IGE_EDGES_IU_PER_ML if g <= 700]
    assert edges("intervals_days") == list(DEFAULT_INTERVALS_DAYS)
    assert float(values.values["target_ng_per_ml"]) == DEFAULT_TARGET_NG_PER_ML
    assert float(values.values["max_dose_mg"]) == DEFAULT_MAX_DOSE_MG
    for name in ("hayashi2007", "lowe2009"):
        assert f'value="{name}"' in r.text
    assert "14 (Lowe 2009) and 50" in r.text and "transcribed, unverified" in r.text
    assert "does not replace, clinical\n    judgement" in r.text
    for name in ("ige.html", "ige.js"):
        text = (STATIC / name).read_text(encoding="utf-8")
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", text, re.I), name
    js = client.get("/static/ige.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]


def test_the_dosing_grid_page_is_public_while_its_data_call_needs_the_key(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOSEOPT_API_KEY", "grid-page-key-123")
    get_settings.cache_clear()
    assert client.get("/ige").status_code == 200
    assert client.get("/static/ige.js").status_code == 200
    small = {"weights_kg": [70], "ige_iu_per_ml": [300]}
    refused = client.post("/v1/ige-table", json=small)
    assert refused.status_code == 401 and refused.json()["detail"][0]["field"] == "X-API-Key"
    answered = client.post("/v1/ige-table", json=small,
                           headers={"X-API-Key": "grid-page-key-123"})
    assert answered.status_code == 200 and answered.json()["cells"][0]["label"] == "375 q4w"


def test_the_favicon_is_served() -> None:
    r = client.get("/favicon.ico")
    assert r.status_code == 200 and r.headers["content-type"] == "image/x-icon"
    assert r.content[:4] == b"\x00\x00\x01\x00"  # an ICO header
    assert client.get("/static/favicon.svg").status_code == 200
    assert '<link rel="icon" href="/favicon.ico"' in client.get("/").text


def test_the_page_labels_and_the_report_labels_are_the_same_words() -> None:
    """Story: the clinician reads "Body weight (kg)" on the form and "Body weight" in the
    report; both come from one table."""
    page = client.get("/").text
    for path in ("patient.weight_kg", "threshold_score", "pk.half_life_days",
                 "response.ec50_mg_per_l", "interval_options_days.max"):
        assert f">{field_label(path)}\n" in page, path


def test_the_page_summary_is_the_reports_text() -> None:
    request = {"patient": {"weight_kg": 30}, "threshold_score": 2}
    out = client.post("/v1/recommendations", json=request).json()
    words = client.post("/page/summary", json={"request": request, "response": out}).json()
    assert words["answer"] == "300 mg every 36 days"
    html = client.get(f"/v1/recommendations/{out['id']}/report").text
    for label, value in words["figures"] + words["inputs"]:
        assert f"<dt>{label}</dt><dd>{value}</dd>" in html.replace("&#39;", "'")
    refused = client.post("/page/summary", json={"request": request})
    assert refused.status_code == 422


def test_the_compare_csv_and_table_come_from_the_answer() -> None:
    answer = client.post("/v1/comparisons", json={
        "patient": {"weight_kg": 30}, "schedules": ["300 mg q4w", "300 mg q5w"],
        "population": {"n": 50}}).json()
    r = client.post("/page/comparison.csv", json=answer)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    lines = r.text.splitlines()
    assert lines[0].startswith("schedule,source,interval_days") and len(lines) == 3
    view = client.post("/page/comparison-table", json=answer).json()
    headers = [c["header"] for c in view["columns"]]
    assert "Incremental cost per controlled patient-year" in headers
    assert all(c["meaning"] for c in view["columns"])
    q5w = view["rows"][1]
    total = headers.index("Total cost")
    assert re.fullmatch(r"[\d,]+\.\d\d", q5w[total]), q5w[total]
    assert view["rows"][0][-1] == "reference"
    assert q5w[-1].startswith(("saves", "costs", "dominated", "dominant"))


def test_the_page_summary_refuses_an_answer_that_is_not_one_of_the_questions_options() -> None:
    question: dict[str, Any] = {"patient": {"weight_kg": 30}, "threshold_score": 2,
                                "dose_options_mg": [150, 300]}
    answer = client.post("/v1/recommendations", json=question).json()
    assert client.post("/page/summary",
                       json={"request": question, "response": answer}).status_code == 200
    for field, value in (("interval_days", 10**12), ("interval_days", 13),
                         ("dose_mg", 225.0)):
        r = client.post("/page/summary",
                        json={"request": question, "response": {**answer, field: value}})
        assert r.status_code == 422, (field, value)
        detail = r.json()["detail"][0]
        assert detail["field"] == f"response.{field}" and detail["value"] == value


def test_plots_come_as_svg_or_png_and_another_format_is_refused_by_name() -> None:
    question = {"patient": {"weight_kg": 30}, "threshold_score": 2}
    record_id = client.post("/v1/recommendations", json=question).json()["id"]
    for kind in ("score", "concentration"):
        png = client.get(f"/v1/recommendations/{record_id}/plot",
                         params={"kind": kind, "format": "png"})
        assert png.status_code == 200 and png.headers["content-type"] == "image/png"
        assert png.content.startswith(b"\x89PNG\r\n\x1a\n")
        svg = client.get(f"/v1/recommendations/{record_id}/plot", params={"kind": kind})
        assert svg.headers["content-type"].startswith("image/svg+xml")
    bad = client.get(f"/v1/recommendations/{record_id}/plot", params={"format": "gif"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "format"
    comparison = {**question, "schedules": ["300 mg q4w", "300 mg q5w"]}
    png = client.post("/v1/comparisons/plot", params={"format": "png"}, json=comparison)
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
