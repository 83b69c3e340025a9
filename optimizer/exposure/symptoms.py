"""Symptom score from concentration: inhibitory sigmoid Emax (numpy only).

``score(C) = baseline_score * (1 - C^hill / (ec50^hill + C^hill))``, between 0 and the
baseline, and strictly decreasing in ``C`` for ``C > 0``. So "score <= threshold" is the same
as "C >= C*" with the threshold concentration

``C* = ec50 * (baseline_score / threshold - 1) ** (1 / hill)``.

Scores are on a 0-10 per-symptom scale (modified MSAF as in the reference case: 0 none,
10 worst); the model is a modelling choice, its default calibration is in ``problem.py``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from optimizer.core.problem import ResponseParameters

__all__ = ["score", "threshold_concentration_mg_per_l"]


def score(response: ResponseParameters, conc_mg_per_l: ArrayLike) -> NDArray[np.float64]:
    """Predicted symptom score for concentrations in mg/L (negative values count as zero)."""
    c = np.maximum(np.asarray(conc_mg_per_l, dtype=np.float64), 0.0)
    # C^h / (EC50^h + C^h) written as 1 / (1 + (EC50/C)^h) to stay finite for large C.
    with np.errstate(divide="ignore", over="ignore"):
        ratio = np.where(c > 0.0, (response.ec50_mg_per_l / np.where(c > 0.0, c, 1.0)), np.inf)
        effect = 1.0 / (1.0 + ratio**response.hill)
    return response.baseline_score * (1.0 - effect)


def threshold_concentration_mg_per_l(response: ResponseParameters, threshold_score: float) -> float:
    """Lowest concentration at which the score is at or below ``threshold_score``."""
    if not 0.0 < threshold_score < response.baseline_score:
        raise ValueError("threshold_score must lie in (0, baseline_score)")
    ratio = response.baseline_score / threshold_score - 1.0
    return float(response.ec50_mg_per_l * ratio ** (1.0 / response.hill))
