"""Exposure: what a regimen does to the concentration, and the concentration to the score.

* :mod:`~optimizer.exposure.pk` — the PK surrogate (one compartment, first-order absorption,
  linear elimination): single doses, series, steady state and its trough (numpy only).
* :mod:`~optimizer.exposure.symptoms` — the symptom score of a concentration (inhibitory
  sigmoid Emax) and the concentration that reaches a threshold score.

numpy only: the solver receives numbers computed here, never the exponentials.
"""

from optimizer.exposure.pk import (
    PKModel,
    absorption_rate_per_day,
    concentration_mg_per_l,
    regular_series_mg_per_l,
    series_concentration_mg_per_l,
    single_dose_concentration_mg_per_l,
    steady_state_concentration_mg_per_l,
    steady_state_trough_mg_per_l,
    superposition_mg_per_l,
)
from optimizer.exposure.symptoms import score, threshold_concentration_mg_per_l

__all__ = [
    "PKModel",
    "absorption_rate_per_day",
    "concentration_mg_per_l",
    "regular_series_mg_per_l",
    "score",
    "series_concentration_mg_per_l",
    "single_dose_concentration_mg_per_l",
    "steady_state_concentration_mg_per_l",
    "steady_state_trough_mg_per_l",
    "superposition_mg_per_l",
    "threshold_concentration_mg_per_l",
]
