"""Plot of a free-IgE answer: free IgE over three steady-state cycles of the recommended (or,
when infeasible, the closest) option, with the target line (SVG, matplotlib)."""

from __future__ import annotations

from typing import Literal

import numpy as np

from optimizer.errors import InputError
from optimizer.free_ige.binding import steady_state_cycle
from optimizer.free_ige.params import individual_parameters
from optimizer.free_ige.target import FreeIgEProblem
from optimizer.plots.recommendation import legend_below, new_figure, render
from optimizer.schemas.recommendation import RecommendationPublic, RecommendationRequest

__all__ = ["free_ige_plot_svg", "free_ige_steady_state"]

_CYCLES = 3


def free_ige_steady_state(problem: FreeIgEProblem, dose_mg: float, interval_days: int
                          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Days, free IgE (ng/mL) and total drug (mg/L) over ``_CYCLES`` steady-state cycles."""
    p = individual_parameters(problem.weight_kg, problem.baseline_ige_ng_per_ml,
                              problem.parameters, problem.ige_production)
    ss = steady_state_cycle(p, dose_mg, interval_days, steps_per_cycle=8 * interval_days)
    t = ss.profile.t_days[:, 0]
    days = np.concatenate([t[:-1] + k * interval_days for k in range(_CYCLES)] +
                          [[_CYCLES * interval_days]])
    free = np.concatenate([ss.profile.free_ige_ng_per_ml[:-1, 0]] * _CYCLES
                          + [ss.profile.free_ige_ng_per_ml[-1:, 0]])
    drug = np.concatenate([ss.profile.total_drug_mg_per_l[:-1, 0]] * _CYCLES
                          + [ss.profile.total_drug_mg_per_l[-1:, 0]])
    return days, free, drug


def free_ige_plot_svg(request: RecommendationRequest, response: RecommendationPublic,
                      fmt: Literal["svg", "png"] = "svg") -> bytes:
    """Free IgE over three steady-state cycles with the target (SVG, or PNG at 120 dpi with
    ``fmt="png"``)."""
    fi = response.free_ige
    if fi is None:
        raise InputError("target.kind", response.target_kind,
                         '"free_ige": this plot draws the binding model\'s free IgE')
    option = fi.closest_option if response.status == "infeasible" else None
    dose = option.dose_mg if option is not None else response.dose_mg
    tau = option.interval_days if option is not None else response.interval_days
    if dose is None or tau is None:
        raise InputError("status", response.status, "an answer with a dose and interval")
    problem = request.to_free_ige_problem()
    days, free, _ = free_ige_steady_state(problem, dose, tau)
    fig, ax = new_figure()
    ax.plot(days, free, color="tab:purple", linewidth=2, label="predicted free IgE")
    ax.axhline(fi.target_ng_per_ml, color="tab:red", linestyle="--", linewidth=1.5,
               label=f"target {fi.target_ng_per_ml:g} ng/mL")
    top = max(float(free.max()), fi.target_ng_per_ml) * 1.15
    for k in range(_CYCLES + 1):
        ax.axvline(k * tau, color="0.6", linewidth=0.8)
    ax.plot(np.arange(_CYCLES + 1) * tau, np.full(_CYCLES + 1, top * 0.97), linestyle="none",
            marker="v", color="0.3", label=f"injection {dose:g} mg")
    ax.set_ylim(0.0, top)
    ax.set_xlabel("days since a dose, at steady state")
    ax.set_ylabel("free IgE (ng/mL)")
    which = "closest option, over the target" if option is not None else "recommended"
    ax.set_title(f"Predicted free IgE: {dose:g} mg every {tau} days ({which}; "
                 f"{fi.parameter_set})", fontsize=11)
    legend_below(ax, ncols=3, fontsize=9.0)
    return render(fig, fmt)
