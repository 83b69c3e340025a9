"""Story: in a real browser, a clinician fills the form for the reference case with the
keyboard, sees 36 days and the plot, and prints a one-page report.

Drives Debian's Chromium (/usr/bin/chromium) through Playwright against a uvicorn server
started here with a temporary database. A missing Chromium fails the test; it is not skipped.
"""

from __future__ import annotations

import csv
import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from optimizer.services.format import format_probability
from tests.live_server import LiveServer

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """uvicorn on a free loopback port with its own SQLite file."""
    with LiveServer(log_level="warning") as live:
        yield live.url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing at /usr/bin/chromium: the browser tests need it. "
                    "Install it with `apt-get install -y chromium` (scripts/test.sh does this "
                    "when run as root).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    yield pg
    context.close()


def _wait_for_images(page: Any, *ids: str) -> None:
    """Wait until every image is decoded (a screenshot taken earlier shows an empty box)."""
    page.wait_for_function(
        "ids => ids.every(id => { const i = document.getElementById(id);"
        " return i.complete && i.naturalWidth > 0; })", arg=list(ids))


def _pdf_pages(pdf: bytes) -> int:
    return pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")


def test_reference_case_in_the_browser_shows_36_days_the_plot_and_prints_on_one_page(
        server: str, page: Any) -> None:
    page.goto(server + "/")
    unlabelled = page.evaluate(
        "Array.from(document.querySelectorAll('input'))"
        ".filter(i => i.labels.length === 0).map(i => i.id || i.outerHTML)")
    assert unlabelled == []
    page.get_by_label("Body weight (kg)").fill("30")
    page.get_by_label("Allowed doses (mg), comma-separated").fill("300")
    threshold = page.get_by_label("Highest acceptable score (0–10)")
    threshold.fill("2")
    held: list[Any] = []  # hold the score plot back to see the page while it is drawn
    page.route("**/plot?kind=score", lambda route: held.append(route))
    threshold.press("Enter")  # submit from the keyboard

    page.locator("#plot-score-status").filter(has_text="Drawing the plot").wait_for()
    assert page.locator("#plot-score-box").get_attribute("aria-busy") == "true"
    assert page.locator("#plot-score").is_hidden()  # no empty frame while it is drawn
    while not held:
        page.wait_for_timeout(50)
    held[0].continue_()
    page.unroute("**/plot?kind=score")

    page.locator("#answer").filter(has_text="36 days").wait_for()
    assert page.locator("#answer").inner_text() == "300 mg every 36 days"
    assert page.locator("#result-title").evaluate("el => el === document.activeElement")
    _wait_for_images(page, "plot-score", "plot-conc")
    assert page.locator("#plot-score-status").is_hidden()
    assert page.locator("#plot-score-box").get_attribute("aria-busy") == "false"
    box = page.locator("#plot-score-box").bounding_box()
    img = page.locator("#plot-score").bounding_box()
    caption = page.locator("#plot-score-box figcaption").bounding_box()
    assert box and img and caption and caption["y"] - (img["y"] + img["height"]) < 30
    assert "worst-case" in page.locator("#plot-score").get_attribute("alt")
    assert "threshold concentration" in page.locator("#plot-conc").get_attribute("alt")
    assert page.locator("#fit-box").is_hidden() and page.locator("#plan-box").is_hidden()
    assert "does not replace, clinical" in page.locator("#result").inner_text()
    assert "Why not longer" in page.locator("#figures").inner_text()
    record_id = page.locator("#result").get_attribute("data-id")
    page.locator("#record").filter(has_text=record_id).wait_for()
    assert "numpy" in page.locator("#record").inner_text()

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "page.png"), full_page=True)

    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", print_background=True)
    (ARTIFACTS / "page-print.pdf").write_bytes(pdf)
    assert _pdf_pages(pdf) == 1

    page.goto(f"{server}/v1/recommendations/{record_id}/report")
    assert "300 mg every 36 days" in page.locator(".answer").inner_text()
    inputs = dict(zip(page.locator(".inputs dt").all_inner_texts(),
                      page.locator(".inputs dd").all_inner_texts(), strict=True))
    assert inputs["Body weight"] == "30 kg" and inputs["Allowed doses"] == "300 mg"
    assert "Parameter samples" not in inputs and not any("." in k for k in inputs)
    page_labels = page.evaluate("fetch('/').then(r => r.text())")
    assert all(f">{k}" in page_labels for k in ("Body weight", "Half-life", "EC50"))
    assert page.evaluate("getComputedStyle(document.querySelector('h2')).borderBottomStyle") \
        == "solid"  # the report's stylesheet is found
    page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    report_pdf = page.pdf(format="A4")
    (ARTIFACTS / "report.pdf").write_bytes(report_pdf)
    assert _pdf_pages(report_pdf) == 1


def test_next_dose_dates_follow_the_last_recorded_dose_and_errors_name_the_field(
        server: str, page: Any) -> None:
    # Present the page a server that does not take a dose history, so the answer stays the
    # population one and the history only sets the dates.
    with urllib.request.urlopen(server + "/openapi.json", timeout=5) as r:
        spec = json.loads(r.read())
    props = spec["components"]["schemas"]["RecommendationRequest"]["properties"]
    for optional in ("history", "evaluation_date", "min_probability", "plan"):
        props.pop(optional, None)
    page.route("**/openapi.json", lambda route: route.fulfill(json=spec))
    page.goto(server + "/")

    page.get_by_role("button", name="Recommend").click()
    page.locator("#errors").filter(has_text="Body weight (kg) is missing; allowed:").wait_for()
    assert page.get_by_label("Body weight (kg)").get_attribute("aria-invalid") == "true"
    errors = page.locator("#errors").inner_text()
    assert "got None" not in errors and "patient.weight_kg" not in errors
    # the same words beside the field, where the eye (and a screen reader) is
    note = page.locator("#weight_kg-error")
    assert note.is_visible() and "Body weight (kg) is missing" in note.inner_text()
    assert page.get_by_label("Body weight (kg)").get_attribute(
        "aria-describedby") == "weight_kg-error"

    page.get_by_label("Body weight (kg)").fill("30")
    page.get_by_label("Dose 1 date").fill("2020-02-03")
    page.get_by_label("Dose 1 amount (mg)").fill("300")
    page.get_by_role("button", name="Add dose").click()
    assert page.get_by_label("Dose 2 date").evaluate("el => el === document.activeElement")
    page.get_by_label("Dose 2 date").fill("2020-03-02")
    page.get_by_label("Dose 2 amount (mg)").fill("300")
    page.get_by_label("Score 1 date").fill("2020-04-13")
    page.get_by_role("button", name="Recommend").click()
    page.locator("#errors").filter(has_text="Score row 1: enter the score").wait_for()
    assert not note.is_visible()      # the corrected field's note is gone

    page.get_by_role("button", name="Remove score 1").click()
    page.get_by_role("button", name="Recommend").click()
    page.locator("#answer").filter(has_text="36 days").wait_for()
    dates = page.locator("#next-dates li").all_inner_texts()
    # 2020-03-02 + 36 days = 2020-04-07; then every 36 days.
    assert [d[:10] for d in dates[:3]] == ["2020-04-07", "2020-05-13", "2020-06-18"]
    assert page.locator("#history-note").is_visible()


def test_a_short_history_shows_the_patients_fit_probability_plan_and_missed_dose_advice(
        server: str, page: Any) -> None:
    page.goto(server + "/")
    page.get_by_label("Body weight (kg)").fill("30")
    page.get_by_label("Dose 1 date").fill("2021-03-01")
    page.get_by_label("Dose 1 amount (mg)").fill("300")
    page.get_by_role("button", name="Add dose").click()
    page.get_by_label("Dose 2 date").fill("2021-04-05")
    page.get_by_label("Dose 2 amount (mg)").fill("300")
    page.get_by_label("Score 1 date").fill("2021-04-05")
    page.get_by_label("Score 1 value (0 to 10)").fill("0")
    page.get_by_label("Probability target (optional, e.g. 0.9)").fill("0.9")
    page.get_by_label("Assessment date", exact=True).fill("2021-04-20")
    page.get_by_label("Propose a dated transition plan from the assessment date").check()
    with page.expect_response(lambda r: r.url.endswith("/v1/recommendations")
                              and r.request.method == "POST") as answer:
        page.get_by_label("Highest acceptable score (0–10)").press("Enter")
    out = answer.value.json()
    assert answer.value.status == 200 and out["fit"]["status"] == "fitted"

    page.locator("#fit-box").wait_for(state="visible")
    fit_rows = page.locator("#fit-table tbody tr").all_inner_texts()
    assert len(fit_rows) == len(out["fit"]["parameters"]) >= 2
    assert fit_rows[0].startswith("EC50")
    figures = page.locator("#figures").inner_text()
    shown = format_probability(out["probability_controlled"])
    assert f"Probability controlled\t{shown}" in figures or f"Probability controlled\n{shown}" \
        in figures
    assert "Next longer interval" in figures
    plan_dates = [row.split("\t")[0] for row in
                  page.locator("#plan-table tbody tr").all_inner_texts()]
    assert plan_dates == [d["date"] for d in out["plan"]["doses"]]
    assert all(d > "2021-04-20" for d in plan_dates)
    assert page.locator("#missed-advice li").count() == len(out["missed_dose"]["advice"]) > 0
    assert "does not replace, clinical" in page.locator("#result").inner_text()
    _wait_for_images(page, "plot-score", "plot-conc")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "page-history.png"), full_page=True)

    page.goto(f"{server}/v1/recommendations/{out['id']}/report")
    report = page.locator("body").inner_text()
    assert "Fit to this patient's history" in report and "Transition plan" in report
    report_pdf = page.pdf(format="A4")
    (ARTIFACTS / "report-history.pdf").write_bytes(report_pdf)
    assert _pdf_pages(report_pdf) <= 2


def test_an_analyst_compares_q4w_with_q5w_and_sees_both_rows_and_the_cost_plot(
        server: str, page: Any, tmp_path: Path) -> None:
    page.goto(server + "/")
    page.get_by_role("link", name="Compare schedules (cost and control)").click()
    page.wait_for_url("**/compare")
    unlabelled = page.evaluate(
        "Array.from(document.querySelectorAll('input, textarea'))"
        ".filter(i => i.labels.length === 0).map(i => i.id || i.outerHTML)")
    assert unlabelled == []
    assert page.get_by_label("Price of a 150 mg syringe").input_value() != ""
    schedules = page.get_by_label("Schedules, one per line (the first is the reference)")
    schedules.fill("")
    schedules.press_sequentially("300 mg q4w")
    schedules.press("Enter")
    schedules.press_sequentially("300 mg q5w")
    page.get_by_label("Virtual patients (optional, e.g. 1000)").fill("200")
    page.get_by_label("Add the optimizer's longest controlled interval").check()
    page.get_by_label("Horizon (days; 364 = 52 weeks)").press("Enter")  # keyboard submit

    page.locator("#rows tbody tr").nth(2).wait_for()
    rows = page.locator("#rows tbody tr").all_inner_texts()
    assert [r.split("\t")[0] for r in rows] == ["300 mg q4w", "300 mg q5w",
                                                "300 mg q36d (optimizer)"]
    rows = rows[:2]
    # Doses on days 0, tau, 2 tau, ... below 364: 1 + floor(363 / tau).
    assert [r.split("\t")[1] for r in rows] == [str(1 + 363 // 28), str(1 + 363 // 35)]
    assert "Patients controlled" in page.locator("#rows thead").inner_text()
    header = page.locator("#rows thead th", has_text="Incremental cost")
    assert "money saved per controlled patient-year" in header.get_attribute("title")
    cells = page.locator("#rows tbody tr").nth(1).locator("td").all_inner_texts()
    assert re.fullmatch(r"[\d,]+\.\d\d", cells[2]), cells  # total cost, to the penny
    assert cells[-1].startswith(("saves ", "costs ", "dominated", "dominant"))
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    assert download.value.suggested_filename == "comparison.csv"
    csv_path = tmp_path / "comparison.csv"
    download.value.save_as(csv_path)
    with csv_path.open(encoding="utf-8") as fh:
        table = list(csv.DictReader(fh))
    assert [r["schedule"] for r in table] == ["300 mg q4w", "300 mg q5w", "300 mg q36d"]
    assert table[1]["total_cost"] in cells[2].replace(",", "")
    _wait_for_images(page, "plot-cost")
    assert page.locator("#plot-cost-status").is_hidden()
    assert "300 mg q5w" in page.locator("#plot-cost").get_attribute("alt")
    assert "do not replace" in page.locator("#result").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "compare.png"), full_page=True)


def _grid_cells(page: Any) -> dict[tuple[float, float], tuple[str, bool, bool]]:
    """(weight, IgE) -> (label, marked extrapolated, styled as none) for every shown cell."""
    rows = page.locator("#grid td.cell").evaluate_all(
        "tds => tds.map(td => [Number(td.dataset.weightKg), Number(td.dataset.igeIuPerMl),"
        " td.querySelector('.dose').textContent, td.querySelector('.mark') !== null,"
        " td.classList.contains('none')])")
    return {(w, g): (label, mark, none) for w, g, label, mark, none in rows}


def test_a_dosing_grid_by_weight_and_ige_matches_the_library_and_errors_name_the_input(
        server: str, page: Any, tmp_path: Path) -> None:
    from optimizer.free_ige.dosing_grid import dosing_grid

    page.goto(server + "/")
    page.get_by_role("link", name="Dosing grid by weight and baseline IgE").click()
    page.wait_for_url("**/ige")
    unlabelled = page.evaluate(
        "Array.from(document.querySelectorAll('input, textarea, select'))"
        ".filter(i => i.labels.length === 0).map(i => i.id || i.outerHTML)")
    assert unlabelled == []
    assert "does not replace, clinical" in page.locator("#notice-top").inner_text()
    weights = page.get_by_label("Weight band upper edges (kg, comma-separated)")
    ige = page.get_by_label("Baseline IgE band upper edges (IU/mL, comma-separated)")
    weights.fill("20, 70")
    ige.fill("30,300")
    ige.press("Enter")  # keyboard submit

    page.locator("#grid td.cell").nth(3).wait_for()
    expected = dosing_grid([20, 70], [30, 300])
    shown = _grid_cells(page)
    assert shown == {(c.weight_kg, c.baseline_ige_iu_per_ml):
                     (c.label, c.extrapolated, c.status != "optimal") for c in expected.cells}
    assert shown[(70.0, 300.0)][0] == "375 q4w"  # docs/binding.md: 375 mg every 28 days
    heads = page.locator("#grid thead th").all_inner_texts()
    assert heads[1:] == ["≤ 20 kg", "> 20–70 kg"]
    assert page.locator("#grid tbody th").all_inner_texts() == ["≤ 30 IU/mL", "> 30–300 IU/mL"]
    assert page.locator("#result-title").evaluate("el => el === document.activeElement")
    assert "4 cells computed in" in page.locator("#elapsed").inner_text()
    assert page.locator("#assumptions li").count() > 0
    assert "do not replace, clinical" in page.locator("#result").inner_text()

    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    csv_path = tmp_path / "grid.csv"
    download.value.save_as(csv_path)
    got = [line.split(",") for line in csv_path.read_text().splitlines()]
    want = [line.split(",") for line in expected.to_csv().splitlines()]
    assert got[0] == want[0] and len(got) == len(want) == 5
    for g_row, w_row in zip(got[1:], want[1:], strict=True):
        # Same cells; the free-IgE column (3 decimals) may differ in its last digit.
        assert g_row[:5] + g_row[6:] == w_row[:5] + w_row[6:]
        assert abs(float(g_row[5]) - float(w_row[5])) <= 1.5e-3

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ige.png"), full_page=True)
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", print_background=True)
    (ARTIFACTS / "ige-print.pdf").write_bytes(pdf)
    assert _pdf_pages(pdf) == 1
    page.emulate_media(media="screen")

    ige.fill("300,30")
    page.get_by_role("button", name="Compute the grid").click()
    page.locator("#ige_iu_per_ml-error").filter(has_text="increasing order").wait_for()
    assert ige.get_attribute("aria-invalid") == "true"
    assert weights.get_attribute("aria-invalid") is None
    assert "ige_iu_per_ml" in page.locator("#errors").inner_text()
    assert page.locator("#result").is_hidden()

    # A band edge outside the approved tables is reported for one patient's field: it is
    # still shown next to the band input it came from.
    for weight_text, ige_text, bad, good in (("20, 70", "10, 300", ige, weights),
                                             ("10, 70", "30, 300", weights, ige)):
        weights.fill(weight_text)
        ige.fill(ige_text)
        page.get_by_role("button", name="Compute the grid").click()
        bad_id = bad.get_attribute("id")
        page.locator(f"#{bad_id}-error").filter(has_text="allow_extrapolation").wait_for()
        assert bad.get_attribute("aria-invalid") == "true"
        assert good.get_attribute("aria-invalid") is None


def test_the_default_dosing_grid_scrolls_in_its_box_not_the_whole_page(
        server: str, page: Any) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(server + "/ige")
    page.get_by_role("button", name="Compute the grid").click()
    page.locator("#grid td.cell").nth(3).wait_for()
    widths = page.evaluate("() => [document.documentElement.scrollWidth, "
                           "document.documentElement.clientWidth, "
                           "document.querySelector('.scroll').scrollWidth]")
    assert widths[2] > widths[1]          # the grid is wider than the window ...
    assert widths[0] <= widths[1]         # ... yet only its own box scrolls sideways
