"""Plots of a recommendation as SVG bytes (matplotlib, Agg backend, no pyplot state).

* :func:`score_plot_svg` — predicted symptom score over time with the threshold line, dose
  markers and, when the request carries a dose history, the history's predicted path, the
  observed scores and the yes/no symptomatic marks on the fitted curve, and, for an answer
  fitted to observations, the 5-95 % posterior band of the score.
* :func:`concentration_plot_svg` — serum concentration over time with the threshold
  concentration (the lowest concentration that keeps the score at or below the threshold).

The curves come from :mod:`optimizer.exposure.pk` and :mod:`optimizer.exposure.symptoms`: no
second copy of the
maths. They use the parameters the answer reports in ``response.model`` (the patient's own when
the service fitted them to a history), falling back to the request's.

Without a history the plot shows a few steady-state cycles of the recommended schedule
(closed form). With a history (``request.history`` with ``doses`` and ``observations``, read
by duck typing so the plots work with or without that field) it shows the superposition of the
history's doses followed by the recommended schedule from the last recorded dose. When no
option keeps the score down, the closest option is drawn instead and the title says so.
"""

from __future__ import annotations

import io
import math
import threading
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from numpy.typing import NDArray  # noqa: E402

from optimizer.core.problem import PKParameters, ResponseParameters  # noqa: E402
from optimizer.errors import InputError  # noqa: E402
from optimizer.exposure.pk import (  # noqa: E402
    PKModel,
    concentration_mg_per_l,
    steady_state_concentration_mg_per_l,
)
from optimizer.exposure.symptoms import score  # noqa: E402
from optimizer.schemas.recommendation import RecommendationPublic, RecommendationRequest  # noqa: E402

__all__ = [
    "RENDER_LOCK",
    "legend_below",
    "new_figure",
    "render",
    "PredictedPath",
    "concentration_plot_svg",
    "predicted_path",
    "score_plot_svg",
]

FloatArray = NDArray[np.float64]

#: Steady-state cycles drawn after the history (or alone): modelling choice, enough to see
#: the saw-tooth repeat.
CYCLES = 3
#: Samples per day on the time grid: modelling choice; the trough falls on a dose day, which
#: is always on the grid, so the drawn minimum is exact.
POINTS_PER_DAY = 4


@dataclass(frozen=True)
class PredictedPath:
    """Everything a plot draws, in days since ``start`` (or since a steady-state dose)."""

    t_days: FloatArray
    conc_mg_per_l: FloatArray
    score: FloatArray
    dose_days: FloatArray
    dose_mg: FloatArray
    dose_planned: NDArray[np.bool_]
    observed_days: FloatArray
    observed_score: FloatArray
    symptomatic_days: FloatArray
    symptomatic: NDArray[np.bool_]
    threshold_score: float
    threshold_conc_mg_per_l: float
    baseline_score: float
    interval_days: int
    schedule_dose_mg: float
    recommended: bool
    start: date | None
    #: 5-95 % band of the score across the posterior samples (2, T), for fitted answers.
    score_band: FloatArray | None = None


def _schedule(response: RecommendationPublic) -> tuple[int, float, bool]:
    if response.interval_days is not None and response.dose_mg is not None:
        return response.interval_days, response.dose_mg, True
    c = response.closest_option
    if c is None:  # an infeasible answer always names its closest option
        raise ValueError("response has neither a recommendation nor a closest option")
    return c.interval_days, c.dose_mg, False


def _parameters(request: RecommendationRequest,
                response: RecommendationPublic) -> tuple[PKModel, ResponseParameters]:
    """The parameters the answer actually used (``response.model``: individual ones when the
    service fitted the patient), else the request's."""
    m = response.model
    try:
        pk = PKModel(ke_per_day=m["ke_per_day"], ka_per_day=m["ka_per_day"],
                     volume_l=m["volume_l"])
        resp = ResponseParameters(baseline_score=m["baseline_score"],
                                  ec50_mg_per_l=m["ec50_mg_per_l"], hill=m["hill"])
    except (KeyError, InputError):
        pk = PKModel.from_parameters(PKParameters(**request.pk.model_dump()),
                                     request.patient.weight_kg)
        resp = ResponseParameters(**request.response.model_dump())
    return pk, resp


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _history(request: Any) -> tuple[list[tuple[date, float]], list[tuple[date, Any, Any]]]:
    """(date, dose_mg) and (date, score, symptomatic) from ``request.history``, if any."""
    history = getattr(request, "history", None)
    if history is None:
        return [], []
    doses = sorted((_as_date(d.date), float(d.dose_mg)) for d in getattr(history, "doses", []))
    obs = [(_as_date(o.date), getattr(o, "score", None), getattr(o, "symptomatic", None))
           for o in getattr(history, "observations", [])]
    return doses, sorted(obs, key=lambda o: o[0])


@dataclass(frozen=True)
class _Doses:
    days: list[float]
    amounts: list[float]
    planned: list[bool]
    t_days: FloatArray
    conc_mg_per_l: FloatArray


def _after_history(pk: PKModel, past: list[tuple[date, float]], obs_days: list[float],
                   tau: int, dose: float, cycles: int) -> _Doses:
    """The history's doses, then ``cycles`` doses of the schedule from the last one."""
    start = past[0][0]
    days = [float((d - start).days) for d, _ in past]
    last = days[-1]
    days += [last + k * tau for k in range(1, cycles + 1)]
    amounts = [mg for _, mg in past] + [dose] * cycles
    end = max([days[-1] + tau, *obs_days])
    t = np.linspace(0.0, end, int(end * POINTS_PER_DAY) + 1)
    return _Doses(days, amounts, [False] * len(past) + [True] * cycles, t,
                  concentration_mg_per_l(pk, days, amounts, t))


def _steady_state(pk: PKModel, tau: int, dose: float, cycles: int) -> _Doses:
    """``cycles`` steady-state cycles (closed form), doses at 0, tau, ..., cycles * tau."""
    t = np.linspace(0.0, cycles * tau, cycles * tau * POINTS_PER_DAY + 1)
    conc = steady_state_concentration_mg_per_l(pk, dose, tau, np.mod(t, tau))
    return _Doses([float(k * tau) for k in range(cycles + 1)], [dose] * (cycles + 1),
                  [True] * (cycles + 1), t, conc)


def predicted_path(request: RecommendationRequest, response: RecommendationPublic,
                   *, cycles: int = CYCLES) -> PredictedPath:
    """The predicted concentration and score path that the plots draw."""
    if response.threshold_score is None or response.threshold_conc_mg_per_l is None:
        raise InputError("target.kind", response.target_kind,
                         '"score": the score plot draws the symptom-score model; free-IgE '
                         "answers carry their cycle in the response")
    pk, resp = _parameters(request, response)
    tau, dose, recommended = _schedule(response)
    past, obs = _history(request)
    start = past[0][0] if past else None
    rel = [(float((d - start).days), s, y) for d, s, y in obs] if start is not None else []
    doses = (_after_history(pk, past, [d for d, _, _ in rel], tau, dose, cycles) if past
             else _steady_state(pk, tau, dose, cycles))
    scored = [(d, float(s)) for d, s, _ in rel if s is not None]
    yes_no = [(d, bool(y)) for d, s, y in rel if s is None and y is not None]
    band = _band(request, response, doses) if past else None
    return PredictedPath(
        score_band=band, t_days=doses.t_days, conc_mg_per_l=doses.conc_mg_per_l,
        score=score(resp, doses.conc_mg_per_l),
        dose_days=np.asarray(doses.days, dtype=np.float64),
        dose_mg=np.asarray(doses.amounts, dtype=np.float64),
        dose_planned=np.asarray(doses.planned, dtype=np.bool_),
        observed_days=np.asarray([d for d, _ in scored], dtype=np.float64),
        observed_score=np.asarray([s for _, s in scored], dtype=np.float64),
        symptomatic_days=np.asarray([d for d, _ in yes_no], dtype=np.float64),
        symptomatic=np.asarray([y for _, y in yes_no], dtype=np.bool_),
        threshold_score=response.threshold_score,
        threshold_conc_mg_per_l=response.threshold_conc_mg_per_l,
        baseline_score=resp.baseline_score, interval_days=tau, schedule_dose_mg=dose,
        recommended=recommended, start=start)


#: Posterior samples behind the drawn band (numerical choice; seeded as in the answer).
BAND_SAMPLES = 200


def _band(request: RecommendationRequest, response: RecommendationPublic, doses: _Doses
          ) -> FloatArray | None:
    """The posterior band along the drawn path, for an answer fitted to observations: the
    fit is redone from the stored request (deterministic, so the same posterior)."""
    if response.fit is None or response.fit.status != "fitted" \
            or not isinstance(request, RecommendationRequest):
        return None
    from optimizer.individual.band import score_band
    from optimizer.individual.fit import fit_individual
    from optimizer.schemas.individual_inputs import history_of, priors_of

    problem = request.to_problem()
    history = history_of(request)
    if history is None:
        return None
    fit = fit_individual(history, problem, priors_of(request.priors, problem))
    base = PKModel.from_parameters(problem.pk, problem.patient.weight_kg)
    return score_band(fit.samples(BAND_SAMPLES, 0), base, doses.days, doses.amounts,
                      doses.t_days)


def _title(path: PredictedPath, what: str) -> str:
    option = "recommended" if path.recommended else "closest option, over the threshold"
    return (f"Predicted {what}: {path.schedule_dose_mg:g} mg every {path.interval_days} days "
            f"({option})")


def _x_label(path: PredictedPath) -> str:
    if path.start is None:
        return "days since a dose, at steady state"
    return f"days since the first recorded dose ({path.start.isoformat()})"


def _dose_marks(ax: Any, path: PredictedPath, y: float) -> None:
    future = "planned dose" if path.start is not None else "dose"
    for planned, label, face in ((False, "recorded dose", "tab:blue"),
                                 (True, future, "white")):
        sel = path.dose_planned == planned
        if not sel.any():
            continue
        for day in path.dose_days[sel]:
            ax.axvline(float(day), color="0.8", linewidth=0.8, zorder=0)
        ax.plot(path.dose_days[sel], np.full(int(sel.sum()), y), linestyle="none", marker="v",
                markersize=8, markerfacecolor=face, markeredgecolor="tab:blue",
                label=f"{label} ({path.schedule_dose_mg:g} mg)" if planned else label)


#: Height of the tick labels and the x-axis label under the axes, and of one legend row at
#: 8.5 pt, inches (layout choices).
_X_LABEL_IN = 0.62
_LEGEND_ROW_IN = 0.23


def legend_below(ax: Any, ncols: int = 4, fontsize: float = 8.5) -> None:
    """The axes' legend under the x-axis label, with the figure's bottom margin sized to its
    rows: one row of entries leaves no blank band under it, three rows do not overlap the
    label."""
    fig = ax.figure
    handles, labels = ax.get_legend_handles_labels()
    rows = max(1, math.ceil(len(labels) / ncols))
    bottom_in = _X_LABEL_IN + rows * _LEGEND_ROW_IN * fontsize / 8.5 + 0.08
    fig.subplots_adjust(bottom=bottom_in / fig.get_figheight())
    fig.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, 0.02),
               ncols=ncols, fontsize=fontsize, frameon=False)


#: rc_context changes matplotlib's global settings: one rendering at a time per process.
RENDER_LOCK = threading.Lock()


def render(fig: Figure, fmt: Literal["svg", "png"] = "svg") -> bytes:
    """The figure as SVG (text kept as text, reproducible ids, no date) or PNG bytes."""
    buf = io.BytesIO()
    with RENDER_LOCK, matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "doseopt"}):
        if fmt == "svg":
            fig.savefig(buf, format="svg", metadata={"Date": None})
        else:
            fig.savefig(buf, format="png", dpi=120)
    return buf.getvalue()


def new_figure(height_in: float = 4.2, *, left: float = 0.08, right: float = 0.98,
               top: float = 0.92, bottom: float = 0.27) -> tuple[Figure, Any]:
    """An 8-inch-wide figure with one gridded axes and fixed margins (room for the legend
    below): an automatic layout engine would draw the figure a second time to measure it."""
    fig = Figure(figsize=(8.0, height_in), dpi=100)
    fig.subplots_adjust(left=left, right=right, top=top, bottom=bottom)
    ax = fig.add_subplot()
    ax.grid(True, color="0.92")
    return fig, ax


def score_plot_svg(request: RecommendationRequest, response: RecommendationPublic,
                   fmt: Literal["svg", "png"] = "svg") -> bytes:
    """Predicted score over time, threshold line, doses and observed scores (SVG, or PNG at
    120 dpi with ``fmt="png"``)."""
    path = predicted_path(request, response)
    fig, ax = new_figure()
    if path.score_band is not None:
        ax.fill_between(path.t_days, path.score_band[0], path.score_band[-1], color="tab:blue",
                        alpha=0.18, linewidth=0, label="5-95 % of plausible parameter sets")
    ax.plot(path.t_days, path.score, color="tab:blue", linewidth=2,
            label="predicted score (point estimate)" if path.score_band is not None
            else "predicted score")
    ax.axhline(path.threshold_score, color="tab:red", linestyle="--", linewidth=1.5,
               label=f"threshold {path.threshold_score:g}")
    top = max(path.baseline_score, float(path.score.max()), 1.0) * 1.1
    _dose_marks(ax, path, top * 0.97)
    if path.observed_days.size:
        ax.plot(path.observed_days, path.observed_score, linestyle="none", marker="o",
                color="black", label="observed score")
    on_curve = np.interp(path.symptomatic_days, path.t_days, path.score)
    for flag, mark, label in ((True, "^", "symptomatic"), (False, "s", "not symptomatic")):
        sel = path.symptomatic == flag
        if sel.any():   # on the fitted curve: where the model puts the score that day
            ax.plot(path.symptomatic_days[sel], on_curve[sel], linestyle="none",
                    marker=mark, markersize=8, markerfacecolor="white",
                    markeredgecolor="black", label=label)
    ax.set_ylim(0.0, top)
    ax.set_xlabel(_x_label(path))
    ax.set_ylabel("symptom score (0-10)")
    ax.set_title(_title(path, "symptom score"), fontsize=11)
    legend_below(ax)
    return render(fig, fmt)


def concentration_plot_svg(request: RecommendationRequest, response: RecommendationPublic,
                           fmt: Literal["svg", "png"] = "svg") -> bytes:
    """Predicted serum concentration over time with the threshold concentration (SVG, or PNG
    at 120 dpi with ``fmt="png"``)."""
    path = predicted_path(request, response)
    fig, ax = new_figure()
    ax.plot(path.t_days, path.conc_mg_per_l, color="tab:green", linewidth=2,
            label="predicted concentration")
    ax.axhline(path.threshold_conc_mg_per_l, color="tab:red", linestyle="--", linewidth=1.5,
               label=f"threshold concentration {path.threshold_conc_mg_per_l:.1f} mg/L")
    top = max(float(path.conc_mg_per_l.max()), path.threshold_conc_mg_per_l, 1.0) * 1.15
    _dose_marks(ax, path, top * 0.97)
    ax.set_ylim(0.0, top)
    ax.set_xlabel(_x_label(path))
    ax.set_ylabel("concentration (mg/L)")
    ax.set_title(_title(path, "concentration"), fontsize=11)
    legend_below(ax)
    return render(fig, fmt)
