"""The public names of ``optimizer.exposure``: read by type checkers, and at run time by
``lazy_loader``, which imports each name's module when the name is first used."""

from .pk import (
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
from .symptoms import (
    score,
    threshold_concentration_mg_per_l,
)

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
