"""The cost plot's schedule labels stay inside the figure, also for points at full control."""

from __future__ import annotations

from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg

import optimizer.plots.comparison as plots
from optimizer.schemas.comparison import ComparisonRequest
from optimizer.services.comparison import run_comparison


def test_every_schedule_label_is_drawn_whole_inside_the_figure(monkeypatch: Any) -> None:
    figures: list[Any] = []
    monkeypatch.setattr(plots, "render", lambda fig, fmt="svg": figures.append(fig) or b"")
    request = ComparisonRequest.model_validate(
        {"patient": {"weight_kg": 30}, "threshold_score": 2,
         "schedules": ["300 mg q4w", "300 mg q5w", "300 mg q8w"]})
    plots.cost_plot(run_comparison(request))
    fig = figures[0]
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    box = fig.bbox
    labels = [t for t in fig.axes[0].texts if t.get_text().startswith("300 mg")]
    assert {t.get_text() for t in labels} == {"300 mg q4w", "300 mg q5w", "300 mg q8w"}
    for text in labels:
        extent = text.get_window_extent(renderer)
        assert box.x0 <= extent.x0 and extent.x1 <= box.x1, text.get_text()
