"""The numpy log-sum-exp used by the samplers agrees with scipy's."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.special import logsumexp as scipy_logsumexp

from optimizer.individual.sampling import logsumexp

finite_or_minus_inf = st.one_of(st.floats(-700, 700), st.just(-np.inf))


@given(arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 6)),
              elements=finite_or_minus_inf))
def test_logsumexp_matches_scipy_on_every_axis(a: np.ndarray) -> None:
    for axis in (None, 0, 1):
        ours, theirs = logsumexp(a, axis=axis), scipy_logsumexp(a, axis=axis)
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)
