"""Story: the default EC50 is the reference case's calibration, by a rule anyone can re-run."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer.core.problem import PKParameters, ResponseParameters
from optimizer.exposure.pk import PKModel, concentration_mg_per_l
from optimizer.exposure.symptoms import threshold_concentration_mg_per_l


def test_default_ec50_puts_the_threshold_at_steady_state_six_weeks_after_a_dose() -> None:
    """30 kg, label PK, 300 mg every 28 days at steady state (400 doses, converged): the
    threshold concentration for threshold 2 equals the concentration 42 days after a dose."""
    pk = PKModel.from_parameters(PKParameters(), 30.0)
    days = np.arange(400) * 28.0
    c42 = float(concentration_mg_per_l(pk, days, np.full(days.size, 300.0), days[-1] + 42.0))
    response = ResponseParameters()
    exact_ec50 = c42 / (response.baseline_score / 2.0 - 1.0) ** (1.0 / response.hill)
    assert response.ec50_mg_per_l == pytest.approx(exact_ec50, abs=0.05)   # rounded to 0.1
    assert threshold_concentration_mg_per_l(response, 2.0) == pytest.approx(c42, rel=1e-3)
    # five doses, the earlier calibration's implicit history, is measurably different
    five = float(concentration_mg_per_l(pk, days[:5], np.full(5, 300.0), days[4] + 42.0))
    assert five / (3.25 ** 0.25) < exact_ec50 - 1.0
