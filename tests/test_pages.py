"""Story: a clinician opens the page without any outside network, and prints a one-page
report of a stored recommendation for the patient's record."""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel

from api.main import app
from api.routes.pages import render_report
from optimizer.audit import get_recommendation
from optimizer.settings import get_settings

client = TestClient(app)
STATIC = Path(__file__).resolve().parent.parent / "api" / "static"


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
        elif tag == "input" and not self.template_depth:
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


def test_the_page_needs_no_outside_network() -> None:
    for name in ("index.html", "page.js", "page.css", "report.css"):
        text = (STATIC / name).read_text(encoding="utf-8")
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", text, re.I), name
        assert "@import" not in text
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
    assert "patient.weight_kg</dt><dd>30" in html
    for line in body["assumptions"]:
        assert line.replace("'", "&#x27;") in html
    for name, ver in stored.versions.items():
        assert f"{name} {ver}" in html
    assert f"highs {body['solver']['version']}" in html
    assert "supports, and does not\nreplace, clinical judgement" in html
    assert "@page" in html and "size: A4" in html
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
