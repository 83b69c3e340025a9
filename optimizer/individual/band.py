"""The posterior band of the predicted score: quantiles over the posterior samples of the
score along a dose schedule (a posterior predictive check a clinician can read: observed
scores should mostly fall inside it)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from optimizer.exposure.pk import PKModel, concentration_mg_per_l
from optimizer.exposure.symptoms import score
from optimizer.individual.priors import IndividualParameters

__all__ = ["BAND_QUANTILES", "score_band"]

FloatArray = NDArray[np.float64]
#: The band drawn: 5 % to 95 % of the plausible parameter sets (modelling choice).
BAND_QUANTILES = (0.05, 0.95)


def score_band(samples: Sequence[IndividualParameters], base: PKModel,
               dose_days: Sequence[float], doses_mg: Sequence[float], t_days: FloatArray,
               quantiles: tuple[float, ...] = BAND_QUANTILES) -> FloatArray:
    """Quantiles of the predicted score at ``t_days`` (any common day origin with
    ``dose_days``) across ``samples``; shape ``(len(quantiles), t_days.size)``."""
    scores = np.stack([score(s.response(), concentration_mg_per_l(
        s.pk_model(base), dose_days, doses_mg, t_days)) for s in samples])
    out: FloatArray = np.quantile(scores, quantiles, axis=0)
    return out
