"""The legend under a plot: inside the figure, clear of the x-axis label, no blank band."""

from __future__ import annotations

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from optimizer.plots.recommendation import legend_below, new_figure


@pytest.mark.parametrize("entries", [1, 3, 4, 5, 8, 9])
def test_legend_sits_under_the_label_without_a_blank_band(entries: int) -> None:
    fig, ax = new_figure()
    for k in range(entries):
        ax.plot([0, 1], [k, k + 1], label=f"series {k}")
    ax.set_xlabel("days")
    legend_below(ax)
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    legend = fig.legends[0].get_window_extent(renderer)
    label = ax.xaxis.label.get_window_extent(renderer)
    dpi = fig.dpi
    assert legend.y0 >= 0.0                       # inside the figure
    assert legend.y1 <= label.y0                  # below the x-axis label, no overlap
    assert (label.y0 - legend.y1) / dpi < 0.35    # and no blank band between them (inches)
    assert legend.y0 / dpi < 0.2                  # nor under the legend
