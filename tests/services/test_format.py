"""Story: a probability or a sum of money reads the same in the terminal, the page and the
report, because one function writes it."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from optimizer.services.format import format_money, format_probability


@pytest.mark.parametrize(("p", "text"), [
    (0.0, "0 %"), (0.004, "< 1 %"), (0.005, "< 1 %"), (0.01, "1 %"), (0.5, "50 %"),
    (0.905, "90 %"), (0.963, "96 %"), (0.965, "96 %"), (0.995, "99 %"), (0.9999, "99 %"),
    (1.0, "100 %"),
])
def test_probability_rounds_down_to_whole_percent_and_never_rounds_to_certainty(
        p: float, text: str) -> None:
    assert format_probability(p) == text


@given(st.floats(min_value=0.0, max_value=1.0))
def test_probability_text_never_overstates_and_agrees_with_the_api_figure(p: float) -> None:
    from optimizer.individual.probability import floor_percent

    text = format_probability(p)
    if text.startswith("<"):
        assert 0 < p < 0.01
    else:
        shown = int(text.removesuffix(" %"))
        assert shown <= 100 * p + 1e-9 and (100 * p < shown + 1 or shown == 99)
        assert (text == "100 %") == (p == 1.0) and (text == "0 %") == (p == 0.0)
    assert format_probability(floor_percent(p)) == text or text == "< 1 %"


@pytest.mark.parametrize("p", [-0.01, 1.01, math.nan])
def test_probability_outside_0_1_is_refused_with_what_is_allowed(p: float) -> None:
    with pytest.raises(ValueError, match="allowed: a number from 0 to 1"):
        format_probability(p)


def test_money_is_to_the_penny() -> None:
    assert format_money(6659.9) == "6,659.90"
    assert format_money(-1024.6, "GBP") == "-1,024.60 GBP"
    assert format_money(None) == "-"
