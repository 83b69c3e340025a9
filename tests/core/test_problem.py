"""Story: a bad question is refused with the field, the value and what is allowed."""

from __future__ import annotations

import math

import pytest

from optimizer.core.problem import (
    IntervalOptions,
    Patient,
    PKParameters,
    RecommendationProblem,
    ResponseParameters,
)
from optimizer.errors import InputError


@pytest.mark.parametrize(("build", "field"), [
    (lambda: Patient(weight_kg=-1.0), "patient.weight_kg"),
    (lambda: Patient(weight_kg=math.nan), "patient.weight_kg"),
    (lambda: PKParameters(half_life_days=0.0), "pk.half_life_days"),
    (lambda: PKParameters(half_life_days=10.0, tmax_days=20.0), "pk.tmax_days"),
    (lambda: PKParameters(apparent_volume_l_per_kg=-0.1), "pk.apparent_volume_l_per_kg"),
    (lambda: ResponseParameters(ec50_mg_per_l=0.0), "response.ec50_mg_per_l"),
    (lambda: ResponseParameters(baseline_score=11.0), "response.baseline_score"),
    (lambda: IntervalOptions(50, 20, 1), "interval_options_days.min"),
    (lambda: IntervalOptions(0, 20, 1), "interval_options_days.min"),
    (lambda: IntervalOptions(14, 84, 0), "interval_options_days.step"),
    (lambda: RecommendationProblem(patient=Patient(30.0), threshold_score=9.0),
     "threshold_score"),
    (lambda: RecommendationProblem(patient=Patient(30.0), threshold_score=0.0),
     "threshold_score"),
    (lambda: RecommendationProblem(patient=Patient(30.0), dose_options_mg=()),
     "dose_options_mg"),
    (lambda: RecommendationProblem(patient=Patient(30.0), dose_options_mg=(300.0, 300.0)),
     "dose_options_mg"),
    (lambda: RecommendationProblem(patient=Patient(30.0), dose_options_mg=(-75.0,)),
     "dose_options_mg[0]"),
    (lambda: RecommendationProblem(patient=Patient(30.0),
                                   dose_options_mg=tuple(25.0 * k for k in range(1, 61)),
                                   interval_options=IntervalOptions(1, 365, 1)),
     "interval_options_days"),
])
def test_bad_value_names_its_field(build: object, field: str) -> None:
    with pytest.raises(InputError) as info:
        build()  # type: ignore[operator]
    assert info.value.field == field
    assert field in str(info.value) and "allowed" in str(info.value)


def test_interval_options_list_their_days() -> None:
    assert IntervalOptions(14, 35, 7).days == (14, 21, 28, 35)
    assert IntervalOptions(14, 40, 7).days == (14, 21, 28, 35)
