"""The public names of ``optimizer.plots``: read by type checkers, and at run time by
``lazy_loader``, which imports each name's module when the name is first used."""

from .comparison import (
    PlotFormat,
    PlotKind,
    comparison_plot,
    cost_plot,
    score_plot,
)
from .free_ige import (
    free_ige_plot_svg,
    free_ige_steady_state,
)
from .recommendation import (
    RENDER_LOCK,
    PredictedPath,
    concentration_plot_svg,
    legend_below,
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
    "legend_below",
    "new_figure",
    "predicted_path",
    "render",
    "score_plot",
    "score_plot_svg",
]
