"""Story: the clinician sees the predicted score over time against the threshold, with the
doses and the scores observed, and can put the same picture in a report."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from api.main import app
from optimizer.plots.recommendation import concentration_plot_svg, predicted_path, score_plot_svg
from optimizer.schemas.recommendation import RecommendationPublic, RecommendationRequest
from optimizer.services.recommendation import recommend
from optimizer.settings import get_settings

client = TestClient(app)
SVG = "{http://www.w3.org/2000/svg}svg"


@pytest.fixture(autouse=True)
def plots_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DOSEOPT_DATABASE_URL", f"sqlite:///{tmp_path / 'plots.db'}")
    monkeypatch.delenv("DOSEOPT_API_KEY", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _reference(**changes: Any) -> tuple[RecommendationRequest, RecommendationPublic]:
    request = RecommendationRequest.model_validate(
        {"patient": {"weight_kg": 30}, "threshold_score": 2, "dose_options_mg": [300],
         **changes})
    return request, recommend(request)


def _single_dose_sum(model: dict[str, float], doses: list[tuple[float, float]],
                     t: float) -> float:
    """Independent superposition: D/V * ka/(ka-ke) * (e^-ke(t-s) - e^-ka(t-s)) over doses."""
    ke, ka, v = model["ke_per_day"], model["ka_per_day"], model["volume_l"]
    return sum(mg / v * ka / (ka - ke) * (math.exp(-ke * (t - s)) - math.exp(-ka * (t - s)))
               for s, mg in doses if t >= s)


def _emax(model: dict[str, float], conc: float) -> float:
    return model["baseline_score"] * (1 - conc ** model["hill"]
                                      / (model["ec50_mg_per_l"] ** model["hill"]
                                         + conc ** model["hill"]))


def test_score_plot_is_an_svg_with_threshold_and_doses_labelled() -> None:
    request, out = _reference()
    svg = score_plot_svg(request, out)
    root = ET.fromstring(svg)
    assert root.tag == SVG
    text = svg.decode("utf-8")
    for label in ("threshold 2", "predicted score", "dose (300 mg)", "every 36 days"):
        assert label in text


def test_concentration_plot_is_an_svg_with_the_threshold_concentration() -> None:
    request, out = _reference()
    svg = concentration_plot_svg(request, out)
    assert ET.fromstring(svg).tag == SVG
    assert f"threshold concentration {out.threshold_conc_mg_per_l:.1f} mg/L" in svg.decode()


def test_steady_state_path_equals_an_independent_sum_over_many_past_doses() -> None:
    request, out = _reference()
    path = predicted_path(request, out)
    tau = out.interval_days
    assert tau == 36
    # 400 past doses = 40 years: the truncated series equals the steady state to 1e-12.
    past = [(-k * tau, 300.0) for k in range(400)]
    for t in (0.0, 3.0, 7.5, 20.25, 35.75, 36.0, 50.0):
        i = int(np.argmin(np.abs(path.t_days - t)))
        assert path.t_days[i] == pytest.approx(t)
        expected = _single_dose_sum(out.model, past, t % tau)
        assert path.conc_mg_per_l[i] == pytest.approx(expected, rel=1e-9)
        assert path.score[i] == pytest.approx(_emax(out.model, expected), rel=1e-9)


@settings(max_examples=15)
@given(weight_kg=st.floats(10, 100), dose=st.sampled_from([150.0, 300.0, 450.0]),
       threshold=st.floats(1, 4))
def test_the_drawn_worst_moment_is_the_answer_s_worst_case_score(
        weight_kg: float, dose: float, threshold: float) -> None:
    request, out = _reference(patient={"weight_kg": weight_kg}, threshold_score=threshold,
                              dose_options_mg=[dose])
    path = predicted_path(request, out)
    assert float(path.score.max()) == pytest.approx(out.max_score, rel=1e-9, abs=1e-12)
    assert path.threshold_score == threshold
    if out.status == "optimal":
        assert float(path.score.max()) <= threshold + 1e-12


class _Dose(BaseModel):
    date: date
    dose_mg: float


class _Observation(BaseModel):
    date: date
    score: float | None = None
    symptomatic: bool | None = None


class _History(BaseModel):
    doses: list[_Dose]
    observations: list[_Observation]


class _RequestWithHistory(RecommendationRequest):
    """Stands in for a request that carries a dose history (read by duck typing)."""

    history: _History | None = None


def test_a_history_is_drawn_then_continued_by_the_recommended_schedule() -> None:
    base, out = _reference()
    history = _History(
        doses=[_Dose(date=date(2020, 2, 3), dose_mg=300),
               _Dose(date=date(2020, 3, 2), dose_mg=300)],
        observations=[_Observation(date=date(2020, 4, 6), symptomatic=False),
                      _Observation(date=date(2020, 4, 13), score=6)])
    request = _RequestWithHistory.model_validate({**base.model_dump(), "history": history})
    path = predicted_path(request, out, cycles=2)
    assert path.start == date(2020, 2, 3)
    assert list(path.dose_days) == [0.0, 28.0, 28.0 + 36, 28.0 + 72]
    assert list(path.dose_planned) == [False, False, True, True]
    assert list(path.observed_days) == [70.0] and list(path.observed_score) == [6.0]
    assert list(path.symptomatic_days) == [63.0] and list(path.symptomatic) == [False]
    doses = list(zip(path.dose_days.tolist(), path.dose_mg.tolist(), strict=True))
    for t in (10.0, 42.0, 70.0, 100.0):
        i = int(np.argmin(np.abs(path.t_days - t)))
        assert path.conc_mg_per_l[i] == pytest.approx(_single_dose_sum(out.model, doses, t),
                                                      rel=1e-9)
    svg = score_plot_svg(request, out).decode()
    assert "observed score" in svg and "recorded dose" in svg and "2020-02-03" in svg


def test_when_nothing_is_controlled_the_closest_option_is_drawn_and_says_so() -> None:
    request, out = _reference(threshold_score=0.2, dose_options_mg=[75],
                              interval_options_days={"min": 28, "max": 56, "step": 7})
    assert out.status == "infeasible" and out.closest_option is not None
    path = predicted_path(request, out)
    assert not path.recommended and path.interval_days == out.closest_option.interval_days
    assert float(path.score.max()) > 0.2
    assert "closest option, over the threshold" in score_plot_svg(request, out).decode()


def test_the_plot_endpoint_serves_both_kinds_for_a_stored_recommendation() -> None:
    body = client.post("/v1/recommendations",
                       json={"patient": {"weight_kg": 30}, "threshold_score": 2}).json()
    for kind in ("score", "concentration"):
        r = client.get(f"/v1/recommendations/{body['id']}/plot", params={"kind": kind})
        assert r.status_code == 200
        assert r.headers["content-type"] == "image/svg+xml"
        assert ET.fromstring(r.content).tag == SVG
    default = client.get(f"/v1/recommendations/{body['id']}/plot")
    assert "threshold 2" in default.text
    bad = client.get(f"/v1/recommendations/{body['id']}/plot", params={"kind": "pie"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "kind"
    assert client.get("/v1/recommendations/ffff/plot").status_code == 404


def test_plots_use_the_parameters_the_answer_used_such_as_a_fitted_ec50() -> None:
    request, out = _reference()
    fitted = {**out.model, "ec50_mg_per_l": 80.0, "ke_per_day": 0.03}
    path = predicted_path(request, out.model_copy(update={"model": fitted}))
    expected = _single_dose_sum(fitted, [(-k * 36.0, 300.0) for k in range(400)], 10.0)
    i = int(np.argmin(np.abs(path.t_days - 10.0)))
    assert path.conc_mg_per_l[i] == pytest.approx(expected, rel=1e-9)
    assert path.score[i] == pytest.approx(_emax(fitted, expected), rel=1e-9)
    # Without parameters in the answer, the request's are used.
    fallback = predicted_path(request, out.model_copy(update={"model": {}}))
    assert np.allclose(fallback.score, predicted_path(request, out).score, rtol=1e-12)
