"""Plots of the answers as SVG (or PNG) bytes: matplotlib with the Agg backend, no pyplot
state, one figure at a time.

* :mod:`~optimizer.plots.recommendation` — concentration and score over the cycle of a
  recommendation, from the parameters the answer reports.
* :mod:`~optimizer.plots.free_ige` — free IgE over steady-state cycles of a free-IgE answer.
* :mod:`~optimizer.plots.comparison` — cost against control, and score paths, of a comparison.
"""

from optimizer.plots.comparison import PlotFormat, PlotKind, comparison_plot, cost_plot, score_plot
from optimizer.plots.free_ige import free_ige_plot_svg, free_ige_steady_state
from optimizer.plots.recommendation import (
    RENDER_LOCK,
    PredictedPath,
    concentration_plot_svg,
    new_figure,
    predicted_path,
    render,
    score_plot_svg,
)

__all__ = [
    "PlotFormat",
    "PlotKind",
    "PredictedPath",
    "RENDER_LOCK",
    "comparison_plot",
    "concentration_plot_svg",
    "cost_plot",
    "free_ige_plot_svg",
    "free_ige_steady_state",
    "new_figure",
    "predicted_path",
    "render",
    "score_plot",
    "score_plot_svg",
]
