"""Late-dose tolerance across the posterior: how many days a dose may be late while the
score stays at or below the threshold in at least a share ``p`` of the plausible parameter
sets (the probability frame of an answer chosen by probability).

Two questions, as in the answer's two boxes:

* at steady state on the recommended schedule (:func:`steady_state_late_days`), and
* for the next dose of the patient's own history on the current schedule
  (:func:`history_late_days`).

After the last dose the concentration rises to one peak and then only falls (see
:mod:`optimizer.individual.missed`), so per parameter set the tolerance is the last point of a
0.1-day grid still at or above its threshold concentration; the answer for share ``p`` is the
lower ``1 - p`` quantile of those tolerances, rounded down to 0.1 day so it never overstates.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from optimizer.exposure.pk import PKModel
from optimizer.individual.history import PatientHistory
from optimizer.individual.priors import IndividualParameters

__all__ = ["history_late_days", "late_days_with_probability", "steady_state_late_days"]

FloatArray = NDArray[np.float64]
#: Grid step and the longest delay searched, days (as the point-estimate figure).
STEP_DAYS = 0.1
SEARCH_DAYS = 120.0


def _arrays(base: PKModel, samples: list[IndividualParameters], threshold_score: float
            ) -> tuple[FloatArray, FloatArray]:
    ke = np.array([base.ke_per_day * s.clearance_factor for s in samples])[:, None]
    c_star = np.array([s.threshold_conc_mg_per_l(threshold_score) for s in samples])[:, None]
    return ke, c_star


def _last_at_or_above(conc: FloatArray, c_star: FloatArray, delays: FloatArray) -> FloatArray:
    """Per row, the last delay before the first one below ``c_star`` (rows falling)."""
    below = conc < c_star
    first = np.where(below.any(axis=1), np.argmax(below, axis=1), delays.size)
    out: FloatArray = np.where(first == 0, delays[0] - STEP_DAYS,
                               delays[np.maximum(first - 1, 0)])
    return out


def steady_state_late_days(base: PKModel, samples: list[IndividualParameters],
                           threshold_score: float, dose_mg: float, interval_days: float
                           ) -> FloatArray:
    """Per sample: days after the due date at steady state until the concentration falls to
    its threshold (0 if already below at the due date; ``SEARCH_DAYS`` at most)."""
    ke, c_star = _arrays(base, samples, threshold_score)
    ka, vol = base.ka_per_day, base.volume_l
    delays = np.arange(0.0, SEARCH_DAYS + STEP_DAYS / 2, STEP_DAYS)[None, :]
    t = interval_days + delays
    conc = dose_mg * ka / (vol * (ka - ke)) * (np.exp(-ke * t) / -np.expm1(-ke * interval_days)
                                                - np.exp(-ka * t) / -np.expm1(-ka * interval_days))
    return np.maximum(_last_at_or_above(conc, c_star, delays[0]), 0.0)


def history_late_days(base: PKModel, samples: list[IndividualParameters],
                      threshold_score: float, history: PatientHistory, regular_days: int
                      ) -> FloatArray:
    """Per sample: days after the next due date (last dose + ``regular_days``) at which the
    concentration from the recorded doses alone falls to its threshold; negative when it
    falls before the due date."""
    ke, c_star = _arrays(base, samples, threshold_score)
    ka, vol = base.ka_per_day, base.volume_l
    days, amounts = history.dose_days, history.doses_mg
    last = float(days[-1])
    s_ke = (amounts * np.exp(-ke * (last - days))).sum(axis=1, keepdims=True)
    s_ka = float((amounts * np.exp(-ka * (last - days))).sum())
    since = np.arange(0.0, regular_days + SEARCH_DAYS + STEP_DAYS / 2, STEP_DAYS)[None, :]
    conc = ka / (vol * (ka - ke)) * (s_ke * np.exp(-ke * since) - s_ka * np.exp(-ka * since))
    peak = np.argmax(conc, axis=1)
    falling = np.where(np.arange(since.size)[None, :] >= peak[:, None], conc, np.inf)
    back = _last_at_or_above(falling, c_star, since[0])
    below_at_peak = conc[np.arange(conc.shape[0]), peak] < c_star[:, 0]
    back = np.where(below_at_peak, 0.0, back)
    return back - regular_days


def late_days_with_probability(tolerances: FloatArray, p: float) -> float:
    """The longest delay tolerated by at least a share ``p`` of the samples, rounded down to
    0.1 day."""
    q = float(np.quantile(tolerances, 1.0 - p, method="lower"))
    return math.floor(q * 10.0 + 1e-9) / 10.0
