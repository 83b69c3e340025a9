"""Story: the score model maps concentration to a 0-10 score and back to a threshold."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from optimizer.core.problem import ResponseParameters
from optimizer.exposure.symptoms import score, threshold_concentration_mg_per_l

responses = st.builds(ResponseParameters, baseline_score=st.floats(1.0, 10.0),
                      ec50_mg_per_l=st.floats(1.0, 500.0), hill=st.floats(0.5, 8.0))


@given(r=responses, c=st.lists(st.floats(0.0, 1e4), min_size=2, max_size=20))
def test_score_is_bounded_and_decreasing(r: ResponseParameters, c: list[float]) -> None:
    cs = np.sort(np.array(c))
    s = score(r, cs)
    assert np.all(s >= 0.0) and np.all(s <= r.baseline_score)
    assert np.all(np.diff(s) <= 1e-12)


@given(r=responses, frac=st.floats(0.01, 0.99))
def test_threshold_concentration_inverts_the_score(r: ResponseParameters, frac: float) -> None:
    thr = frac * r.baseline_score
    c_star = threshold_concentration_mg_per_l(r, thr)
    assert float(score(r, c_star)) == pytest.approx(thr, rel=1e-9)
    assert float(score(r, c_star * 1.001)) < thr


def test_score_at_ec50_is_half_the_baseline() -> None:
    r = ResponseParameters(baseline_score=8.0, ec50_mg_per_l=50.0, hill=3.0)
    assert float(score(r, 50.0)) == pytest.approx(4.0)
    assert float(score(r, 0.0)) == pytest.approx(8.0)
