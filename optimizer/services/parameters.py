"""The ``model`` block of an answer: every parameter the answer used, units in the names.

One function for the score-target answers (recommendation, comparison) and the individual
answer, so that plots, the record page and scripts read the same keys.
"""

from __future__ import annotations

import math

from optimizer.core.problem import RecommendationProblem, ResponseParameters
from optimizer.exposure.pk import PKModel

__all__ = ["model_parameters"]


def model_parameters(problem: RecommendationProblem, pk: PKModel | None = None,
                     response: ResponseParameters | None = None,
                     **extra: float) -> dict[str, float]:
    """Every parameter actually used, with its unit in its name.

    Without ``pk`` and ``response`` the population model of ``problem``: its half-life, tmax
    and volume per kg as given, and the rate constants and volume they imply for the patient's
    weight. With a fitted ``pk`` and ``response`` (the individual answer), the half-life is the
    one of the fitted elimination rate, ``ln 2 / ke_per_day``. ``extra`` (for example
    ``clearance_factor``, ``min_probability``) is appended as given.
    """
    fitted = pk is not None
    pk = pk or PKModel.from_parameters(problem.pk, problem.patient.weight_kg)
    response = response or problem.response
    out: dict[str, float] = {"weight_kg": problem.patient.weight_kg}
    if fitted:
        out["half_life_days"] = math.log(2.0) / pk.ke_per_day
    else:
        out |= {"half_life_days": problem.pk.half_life_days, "tmax_days": problem.pk.tmax_days,
                "apparent_volume_l_per_kg": problem.pk.apparent_volume_l_per_kg}
    out |= {"volume_l": pk.volume_l, "ke_per_day": pk.ke_per_day, "ka_per_day": pk.ka_per_day,
            "baseline_score": response.baseline_score, "ec50_mg_per_l": response.ec50_mg_per_l,
            "hill": response.hill, "threshold_score": problem.threshold_score}
    return out | extra
