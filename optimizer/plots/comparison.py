"""Plots of a schedule comparison (matplotlib, Agg backend, no pyplot state): SVG or PNG bytes.

* ``kind="cost"`` — cost against control, one point per schedule: with a population, cost per
  patient-year against the share of patients controlled for the whole horizon; without one,
  the patient's cost over the horizon against the fraction of time controlled.
* ``kind="score"`` — the patient's predicted score over the horizon, one line per schedule,
  with the threshold line; curves from :func:`optimizer.comparison.schedules.score_path` (the same
  model as
  the table, on a grid of 4 points per day).
"""

from __future__ import annotations

from typing import Literal

import matplotlib

matplotlib.use("Agg")


from optimizer.comparison.schedules import score_path  # noqa: E402
from optimizer.errors import InputError  # noqa: E402
from optimizer.plots.recommendation import new_figure, render  # noqa: E402
from optimizer.schemas.comparison import ComparisonRun  # noqa: E402

__all__ = ["PlotFormat", "PlotKind", "comparison_plot", "cost_plot", "score_plot"]

PlotKind = Literal["cost", "score"]
PlotFormat = Literal["svg", "png"]
#: Points closer than this (percentage points across, share of the cost axis up) have their
#: labels stacked LABEL_STEP_PT points apart (modelling choice, for legibility at 8 in wide).
LABEL_NEAR_X = 8.0
LABEL_NEAR_Y = 0.08
LABEL_STEP_PT = 12
#: Points right of this share (%) carry their label on their left, so it stays in the axes.
LABEL_LEFT_FROM_PERCENT = 75.0


def cost_plot(run: ComparisonRun, fmt: PlotFormat = "svg") -> bytes:
    """Cost against control, one labelled point per schedule."""
    out = run.public
    # No legend below this plot: the bottom margin holds the axis label and the note only.
    fig, ax = new_figure(4.2, left=0.1, right=0.97, top=0.9, bottom=0.19)
    population = out.population is not None
    top = 0.0
    points: list[tuple[float, float]] = []
    for row in out.rows:
        if population and row.share_controlled is not None:
            x = 100.0 * row.share_controlled
            y = row.cost_per_patient_year if row.cost_per_patient_year is not None else 0.0
        else:
            x, y = 100.0 * row.fraction_controlled, row.total_cost
        top = max(top, y)
        marker = "*" if row.source == "optimal" else "o"
        ax.plot([x], [y], linestyle="none", marker=marker, markersize=10 if marker == "*" else 7)
        points.append((x, y))
    for k, ((x, y), row) in enumerate(zip(points, out.rows, strict=True)):
        # Labels of points that nearly coincide are stacked, not printed over each other.
        near = sum(abs(x - x0) < LABEL_NEAR_X and abs(y - y0) < LABEL_NEAR_Y * max(top, 1e-9)
                   for x0, y0 in points[:k])
        # near the right edge (most control) a label reads leftwards, inside the axes
        left = x > LABEL_LEFT_FROM_PERCENT
        ax.annotate(row.schedule, (x, y), textcoords="offset points",
                    xytext=(-6 if left else 6, 6 + LABEL_STEP_PT * near), fontsize=9,
                    ha="right" if left else "left")
    if population:
        ax.set_xlabel(f"patients controlled for the whole horizon (%), n = "
                      f"{out.population.n if out.population else 0}")
        ax.set_ylabel(f"cost per patient-year ({out.currency})")
    else:
        ax.set_xlabel("time controlled over the horizon (%), typical patient")
        ax.set_ylabel(f"cost over {out.horizon_days} days ({out.currency})")
    ax.set_xlim(-5.0, 105.0)
    ax.set_ylim(0.0, top * 1.18 if top > 0.0 else 1.0)  # headroom: labels clear the title
    ax.set_title("Cost against symptom control, one point per schedule", fontsize=11)
    fig.text(0.01, 0.02, "Model-based estimates (see assumptions); they support, and do not "
                         "replace, clinical and commissioning judgement.", fontsize=8)
    return render(fig, fmt)


def score_plot(run: ComparisonRun, fmt: PlotFormat = "svg") -> bytes:
    """Predicted score over the horizon per schedule, with the threshold line."""
    out = run.public
    fig, ax = new_figure(4.6, left=0.1, right=0.97, top=0.9, bottom=0.26)
    baseline = run.setup.problem.response.baseline_score
    for row, schedule in zip(out.rows, run.schedules, strict=True):
        t, s = score_path(run.setup, schedule)
        ax.plot(t, s, linewidth=1.6, label=row.schedule)
    ax.axhline(out.threshold_score, color="tab:red", linestyle="--", linewidth=1.5,
               label=f"threshold {out.threshold_score:g}")
    start = "at steady state" if out.start == "steady_state" else "from the first dose"
    ax.set_xlabel(f"day of the horizon ({start})")
    ax.set_ylabel("symptom score (0-10)")
    ax.set_ylim(0.0, max(baseline, out.threshold_score) * 1.1)
    ax.set_xlim(0.0, float(out.horizon_days))
    ax.set_title("Predicted symptom score per schedule, typical patient", fontsize=11)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), fontsize=8.5, ncols=4,
              frameon=False)
    return render(fig, fmt)


def comparison_plot(run: ComparisonRun, kind: str, fmt: str = "svg") -> bytes:
    """Dispatch on ``kind`` ("cost" or "score") and ``fmt`` ("svg" or "png")."""
    if fmt not in ("svg", "png"):
        raise InputError("format", fmt, '"svg" or "png"')
    f: PlotFormat = "svg" if fmt == "svg" else "png"
    if kind == "cost":
        return cost_plot(run, f)
    if kind == "score":
        return score_plot(run, f)
    raise InputError("kind", kind, '"cost" or "score"')
