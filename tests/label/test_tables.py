"""Story: a clinician looks up the label's dose for a patient; the tables are reproduced cell by
cell, checked against an independent re-derivation from the label's dosing rule."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from optimizer.errors import InputError
from optimizer.label.limits import label_limits, syringe_combination
from optimizer.label.tables import LabelCell, label_cells, label_dose


def rule_cell(c: LabelCell, q4w_amounts_mg: tuple[int, ...], max_q2w_mg: int
              ) -> tuple[str, int | None, int | None]:
    """The label's rule, written independently of the data file: 0.016 mg/kg per IU/mL every
    4 weeks at the band's upper edges; the smallest allowed 4-weekly amount that covers it
    (IgE up to 700 IU/mL), else half of it every 2 weeks rounded up to 75 mg, else no dose."""
    total = 0.016 * c.weight_high_kg * c.ige_high_iu_per_ml
    if c.ige_high_iu_per_ml <= 700:
        for a in q4w_amounts_mg:
            if a >= total - 1e-9:
                return ("dose", a, 4)
    half = math.ceil(total / 2 / 75 - 1e-9) * 75
    return ("dose", half, 2) if half <= max_q2w_mg else ("do_not_administer", None, None)


def as_tuple(c: LabelCell) -> tuple[str, int | None, int | None]:
    return (c.status, None if c.dose_mg is None else int(c.dose_mg), c.interval_weeks)


# Cells where the printed table departs from the plain rule (weight_low, ige_low): printed value.
EU_EXCEPTIONS = {(90, 30): ("dose", 300, 4), (40, 100): ("dose", 300, 4),
                 (50, 100): ("dose", 300, 4), (60, 100): ("dose", 300, 4),
                 (25, 600): ("dose", 225, 2)}
US_EXCEPTIONS = {(90, 100): ("dose", 225, 2), (90, 200): ("dose", 300, 2)}


@pytest.mark.parametrize(("label", "amounts", "max_q2w", "exceptions", "n_cells", "n_dna"), [
    ("eu", (75, 150, 225, 300, 450, 600), 600, EU_EXCEPTIONS, 140, 34),
    ("us", (150, 300), 375, US_EXCEPTIONS, 28, 7),
])
def test_every_cell_matches_the_rule_or_a_listed_exception(
        label: str, amounts: tuple[int, ...], max_q2w: int,
        exceptions: dict[tuple[int, int], tuple[str, int, int]], n_cells: int,
        n_dna: int) -> None:
    cells = label_cells(label)
    assert len(cells) == n_cells
    assert sum(c.status == "do_not_administer" for c in cells) == n_dna
    for c in cells:
        key = (int(c.weight_low_kg), int(c.ige_low_iu_per_ml))
        expected = exceptions.get(key) or rule_cell(c, amounts, max_q2w)
        assert as_tuple(c) == expected, key
        assert c.source  # every row names its document and edition


@pytest.mark.parametrize(("label", "weight", "ige", "expected"), [
    # spot checks read off the printed tables
    ("eu", 20, 30, ("dose", 75, 4)),            # lowest edges belong to the first band
    ("eu", 30, 400, ("dose", 225, 4)),          # 30 kg is in >25-30
    ("eu", 30.1, 400, ("dose", 300, 4)),
    ("eu", 70, 650, ("dose", 450, 2)),
    ("eu", 150, 250, ("dose", 375, 2)),
    ("eu", 150, 550, ("do_not_administer", None, None)),
    ("eu", 22, 1450, ("dose", 300, 2)),
    ("us", 70, 450, ("dose", 300, 2)),          # 70 kg belongs to >60-70
    ("us", 71, 450, ("dose", 375, 2)),
    ("us", 45, 650, ("dose", 375, 2)),
    ("us", 100, 350, ("do_not_administer", None, None)),
])
def test_spot_cells(label: str, weight: float, ige: float,
                    expected: tuple[str, int | None, int | None]) -> None:
    got = label_dose(weight, ige, label, "asthma")
    assert (got.status, None if got.dose_mg is None else int(got.dose_mg),
            got.interval_weeks) == expected


@pytest.mark.parametrize(("label", "weight", "ige"), [
    ("eu", 8, 400), ("eu", 19.9, 100), ("eu", 151, 100), ("eu", 60, 29), ("eu", 60, 1501),
    ("us", 25, 100), ("us", 60, 701)])
def test_outside_the_table_says_so(label: str, weight: float, ige: float) -> None:
    got = label_dose(weight, ige, label, "asthma")
    assert got.status == "outside_table" and got.dose_mg is None and "not" in got.reason


def test_csu_returns_the_fixed_doses_whatever_the_weight() -> None:
    eu, us = label_dose(8, None, "eu", "csu"), label_dose(120, 5000, "us", "csu")
    assert (eu.dose_mg, eu.interval_weeks, eu.dose_options_mg) == (300, 4, (300,))
    assert (us.dose_mg, us.interval_weeks, us.dose_options_mg) == (300, 4, (150, 300))


def test_bad_questions_name_the_field() -> None:
    with pytest.raises(InputError, match="baseline_ige_iu_per_ml"):
        label_dose(60, None, "eu", "asthma")
    with pytest.raises(InputError, match="label"):
        label_dose(60, 100, "jp", "asthma")
    with pytest.raises(InputError, match="indication"):
        label_dose(60, 100, "eu", "mastocytosis")


def test_limits_carry_their_sources() -> None:
    eu, us = label_limits("eu"), label_limits("us")
    assert (eu.max_dose_mg, eu.max_dose_per_days, us.max_dose_mg) == (600, 14, 375)
    assert eu.above_max(1200, 84) and eu.above_max(600, 7) and not eu.above_max(600, 14)
    assert us.above_max(450, 28) and not us.above_max(375, 14)
    assert "600 mg every two weeks" in eu.max_dose_source
    assert eu.indication("mastocytosis") is None


@given(st.integers(min_value=1, max_value=2400))
def test_syringe_combination_adds_up_or_no_combination_exists(dose: int) -> None:
    sizes = (75.0, 150.0, 300.0)
    combo = syringe_combination(float(dose), sizes)
    if combo is None:
        assert dose % 75 != 0      # every multiple of 75 mg is reachable with these syringes
    else:
        assert sum(s * n for s, n in combo.items()) == dose
        assert sum(combo.values()) == dose // 300 + (dose % 300) // 150 + (dose % 150) // 75


def test_syringe_combination_is_shared_read_only_and_equal_for_equal_questions() -> None:
    sizes = (75.0, 150.0, 300.0)
    first = syringe_combination(375.0, sizes)
    assert first is not None and dict(first) == {300.0: 1, 75.0: 1}
    with pytest.raises(TypeError):
        first[300.0] = 5  # type: ignore[index]
    # the same question in other words (sizes reordered, an int dose) gets the same answer
    assert syringe_combination(375, (300.0, 75.0, 150.0)) == first
    assert dict(first) == {300.0: 1, 75.0: 1}
    assert syringe_combination(375.5, sizes) is None
    assert syringe_combination(-75.0, sizes) is None
