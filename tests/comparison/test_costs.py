"""Story: a pharmacy committee prices a schedule from its own syringe price list; every dose is
filled with the fewest syringes, and a dose no syringe can make is refused."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from optimizer.comparison.costs import DEFAULT_PRICES, PriceList, fill_dose, schedule_cost
from optimizer.errors import InputError


def test_uk_default_is_gbp_list_prices_for_75_and_150_mg() -> None:
    assert DEFAULT_PRICES.currency == "GBP"
    assert dict(DEFAULT_PRICES.syringe_price) == {75: 128.07, 150: 256.15}


def test_300_mg_is_two_150_mg_syringes_without_a_300_mg_price() -> None:
    fill = fill_dose(300, DEFAULT_PRICES)
    assert dict(fill.counts) == {150: 2} and fill.price == pytest.approx(512.30)


def test_fewest_syringes_wins_even_when_a_larger_syringe_costs_more() -> None:
    prices = PriceList({75: 100.0, 150: 200.0, 300: 450.0})
    assert dict(fill_dose(300, prices).counts) == {300: 1}
    assert dict(fill_dose(375, prices).counts) == {75: 1, 300: 1}


def test_q4w_over_52_weeks_costs_26_syringes_and_13_visits() -> None:
    prices = PriceList({75: 128.07, 150: 256.15}, visit_cost=20.0)
    cost = schedule_cost([300.0] * 13, prices)
    assert cost.injections == 13 and dict(cost.syringes) == {150: 26}
    assert cost.total_mg == 3900
    assert cost.drug_cost == pytest.approx(6659.90)  # 26 x 256.15
    assert cost.visit_cost == pytest.approx(260.0)
    assert cost.total_cost == pytest.approx(6919.90)


def test_mixed_doses_add_up_by_size() -> None:
    cost = schedule_cost([225.0, 75.0, 150.0], DEFAULT_PRICES)
    assert dict(cost.syringes) == {75: 2, 150: 2}
    assert cost.drug_cost == pytest.approx(2 * 128.07 + 2 * 256.15)


@pytest.mark.parametrize("dose", [100.0, 50.0, 300.5, 80.0])
def test_a_dose_no_syringe_can_fill_is_refused_naming_the_field(dose: float) -> None:
    with pytest.raises(InputError) as err:
        schedule_cost([dose], DEFAULT_PRICES, "schedules[1]")
    assert err.value.field == "schedules[1]" and "75, 150" in err.value.allowed


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"syringe_price": {150: -1.0}}, "prices.syringe_price.150"),
    ({"syringe_price": {150: 1.0}, "visit_cost": -5.0}, "prices.visit_cost"),
    ({"syringe_price": {100: 1.0}}, "prices.syringe_price"),
    ({"syringe_price": {}}, "prices.syringe_price"),
    ({"syringe_price": {150: 1.0}, "currency": "pounds"}, "prices.currency"),
    ({"syringe_price": {150: float("nan")}}, "prices.syringe_price.150"),
])
def test_bad_price_lists_name_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as err:
        PriceList(**kwargs)  # type: ignore[arg-type]
    assert err.value.field == field


def _brute_force(dose: int, prices: dict[int, float]) -> tuple[int, float] | None:
    sizes = sorted(prices)
    best: tuple[int, float] | None = None
    for counts in itertools.product(*(range(dose // s + 1) for s in sizes)):
        if sum(n * s for n, s in zip(counts, sizes, strict=True)) != dose:
            continue
        key = (sum(counts), sum(n * prices[s] for n, s in zip(counts, sizes, strict=True)))
        if best is None or key < best:
            best = key
    return best


@given(units=st.integers(1, 32),
       prices=st.dictionaries(st.sampled_from([75, 150, 300]),
                              st.floats(0, 2000, allow_nan=False), min_size=1))
def test_fill_matches_a_brute_force_search(units: int, prices: dict[int, float]) -> None:
    dose = 75 * units
    expected = _brute_force(dose, prices)
    if expected is None:
        with pytest.raises(InputError):
            fill_dose(dose, PriceList(prices))
        return
    fill = fill_dose(dose, PriceList(prices))
    assert sum(n * s for s, n in fill.counts.items()) == dose
    assert fill.syringes == expected[0]
    assert fill.price == pytest.approx(expected[1])
