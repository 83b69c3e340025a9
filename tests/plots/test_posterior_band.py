"""Story: the score plot of an individual answer shows how uncertain the prediction is (a
5-95 % posterior band) and where the observations fall against it."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from optimizer.batch.scenario_files import load_recommendation
from optimizer.plots.recommendation import predicted_path, score_plot_svg
from optimizer.schemas.recommendation import RecommendationRequest
from optimizer.services.recommendation import recommend

REPO = Path(__file__).resolve().parents[2]


def test_an_individual_score_plot_draws_the_posterior_band_around_the_fitted_curve() -> None:
    request = load_recommendation(REPO / "scenarios" / "reference-case-history.toml")
    out = recommend(request)
    path = predicted_path(request, out)
    band = path.score_band
    assert band is not None and band.shape == (2, path.t_days.size)
    assert np.all(band[0] <= band[1] + 1e-12)
    # the band is wide where the data say little: after the missed dose, the upper edge rises
    # above the threshold (the relapse), and most observed zeros lie inside it
    assert float(band[1].max()) > path.threshold_score
    at_obs = np.interp(path.observed_days, path.t_days, band[0])
    assert np.mean(path.observed_score >= at_obs - 1.0) >= 0.8
    svg = score_plot_svg(request, out).decode()
    assert "5-95 % of plausible parameter sets" in svg and "symptomatic" in svg


def test_a_population_plot_has_no_band() -> None:
    request = RecommendationRequest.model_validate({"patient": {"weight_kg": 30}})
    assert predicted_path(request, recommend(request)).score_band is None
