"""Story: the clinician of the reference case asks for the longest safe interval."""

from optimizer.core.problem import IntervalOptions, Patient, RecommendationProblem
from optimizer.score_target.interval_search import recommend_interval


def test_reference_case_daily_steps_gives_36_days() -> None:
    rec = recommend_interval(RecommendationProblem(patient=Patient(weight_kg=30.0)))
    assert (rec.interval_days, rec.dose_mg) == (36, 300.0)


def test_reference_case_weekly_steps_gives_five_weeks() -> None:
    problem = RecommendationProblem(patient=Patient(weight_kg=30.0),
                                    interval_options=IntervalOptions(14, 84, 7))
    assert recommend_interval(problem).interval_days == 35
