"""How far an individual answer moves under the measurement-model and prior choices that
matter: the same posterior draws reweighted, not refitted.

A choice changes the unnormalised log posterior at every draw, from ``log p`` to ``log p'``;
the draws' log importance ratios change by ``log p' - log p`` and are smoothed again by PSIS
(:func:`optimizer.individual.sampling.psis`), which also says whether the reweighting can be
trusted (its Pareto ``k`` and effective sample size are in every row); the service shows the
answer's own figures (from its parameter samples) in the default row. The rows
(modelling choices): the score's measurement SD at 0.5, 1 and 2 points (the default is 1), and
a Hill prior half again as wide on the log scale (``1.5 x hill log-SD``) when the steepness is
fitted.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from optimizer.core.problem import RecommendationProblem
from optimizer.individual.posterior import FitResult
from optimizer.individual.priors import Priors
from optimizer.individual.probability import controlled_z
from optimizer.individual.sampling import ess, psis

__all__ = ["SCORE_SDS", "WIDER_HILL_FACTOR", "SensitivityRow", "sensitivity_table"]

FloatArray = NDArray[np.float64]
#: Score measurement SDs compared, points (modelling choices around the default 1).
SCORE_SDS = (0.5, 1.0, 2.0)
#: How much wider the alternative Hill prior is on the log scale (modelling choice).
WIDER_HILL_FACTOR = 1.5
#: Cap on the draws reweighted, and fewer for long histories (observation-draws budget):
#: the largest weights carry the answer (numerical choices).
MAX_DRAWS = 3000
MIN_DRAWS = 500
DRAW_BUDGET = 300_000


@dataclass(frozen=True)
class SensitivityRow:
    choice: str  # "score_sd" or "hill_log_sd"
    value: float
    is_default: bool
    probability_controlled: float | None
    next_longer_probability: float | None
    effective_sample_size: float
    pareto_k: float | None


#: Negative log posterior of a prior choice at z points of *its own* standardised scale.
ObjectiveFactory = Callable[[Priors], Callable[[FloatArray], FloatArray]]


def _rescale(z: FloatArray, old: Priors, new: Priors) -> FloatArray:
    """The same parameter values on the standardised scale of ``new`` (medians kept)."""
    out = z.copy()
    for k, name in enumerate(old.fitted):
        out[:, k] *= old.get(name).log_sd / new.get(name).log_sd
    return out


def sensitivity_table(fit: FitResult, objective_for: ObjectiveFactory,
                      problem: RecommendationProblem,
                      options: tuple[tuple[int, float] | None, tuple[int, float] | None]
                      ) -> list[SensitivityRow]:
    """Probabilities of ``options`` = (recommended, next longer), each ``(interval_days,
    dose_mg)`` or None, under each choice. ``objective_for(priors)`` gives the negative log
    posterior of the same history under other priors. Empty when the fit has no draws of its
    own (``not_converged``)."""
    draws = fit.draws
    if draws is None or fit.status == "not_converged":
        return []
    cap = min(MAX_DRAWS, max(MIN_DRAWS, DRAW_BUDGET // max(fit.n_observations, 1)))
    keep = np.argsort(draws.log_weight)[::-1][:cap]
    keep = keep[np.isfinite(draws.log_weight[keep])]
    z, log_ratio, log_target = draws.z[keep], draws.log_ratio[keep], draws.log_target[keep]
    base = fit.priors
    choices: list[tuple[str, float, Priors]] = [
        ("score_sd", sd, replace(base, score_sd=sd))
        for sd in sorted({*SCORE_SDS, base.score_sd})]
    if "hill" in base.fitted:
        wider = round(base.hill.log_sd * WIDER_HILL_FACTOR, 6)
        choices.append(("hill_log_sd", wider, replace(base, hill=replace(base.hill,
                                                                          log_sd=wider))))
    ok = [None if o is None else controlled_z(problem, base, z, o[0], o[1]).astype(np.float64)
          for o in options]
    rows = []
    for name, value, priors in choices:
        default = (name == "score_sd" and math.isclose(value, base.score_sd))
        if default:
            new_target = log_target
        else:
            new_target = -objective_for(priors)(_rescale(z, base, priors))
            new_target = np.where(np.isfinite(log_target), new_target, -np.inf)
        lw, k = psis(log_ratio + new_target - log_target)
        w = np.exp(lw)
        probs = [None if c is None else float(c @ w / w.sum()) for c in ok]
        rows.append(SensitivityRow(choice=name, value=value, is_default=default,
                                   probability_controlled=probs[0],
                                   next_longer_probability=probs[1],
                                   effective_sample_size=ess(lw), pareto_k=k))
    return rows


