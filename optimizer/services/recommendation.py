"""Domain entry points shared by the HTTP API, the CLI and batches: schema in, schema out.

No logic lives in a route or a command: they all call these functions.
"""

from __future__ import annotations

from optimizer.core.problem import RecommendationProblem
from optimizer.core.results import Recommendation, Status
from optimizer.errors import InputError
from optimizer.exposure.pk import PKModel
from optimizer.schemas.recommendation import (
    RecommendationPublic,
    RecommendationRequest,
    WarningPublic,
)
from optimizer.score_target.interval_search import recommend_interval
from optimizer.settings import Settings, get_settings

__all__ = ["explain", "model_parameters", "recommend"]


def model_parameters(problem: RecommendationProblem) -> dict[str, float]:
    """Every parameter actually used, with its unit in its name."""
    pk = PKModel.from_parameters(problem.pk, problem.patient.weight_kg)
    return {
        "weight_kg": problem.patient.weight_kg,
        "half_life_days": problem.pk.half_life_days,
        "tmax_days": problem.pk.tmax_days,
        "apparent_volume_l_per_kg": problem.pk.apparent_volume_l_per_kg,
        "volume_l": pk.volume_l,
        "ke_per_day": pk.ke_per_day,
        "ka_per_day": pk.ka_per_day,
        "baseline_score": problem.response.baseline_score,
        "ec50_mg_per_l": problem.response.ec50_mg_per_l,
        "hill": problem.response.hill,
        "threshold_score": problem.threshold_score,
    }


def explain(rec: Recommendation) -> list[str]:
    """Short sentences a clinician can read: the answer, its margin, why not longer."""
    thr = rec.threshold_score
    if rec.status is Status.INFEASIBLE:
        c = rec.closest_option
        assert c is not None
        return [
            f"No allowed dose and interval keeps the predicted score at or below {thr:g}.",
            f"Closest option: {c.dose_mg:g} mg every {c.interval_days} days, worst-case score "
            f"{c.max_score:.2f} ({c.max_score - thr:.2f} above the threshold).",
            "Consider shorter intervals, larger doses, or a higher threshold.",
        ]
    out = [
        f"{rec.dose_mg:g} mg every {rec.interval_days} days keeps the predicted score at or "
        f"below {thr:g} for the whole steady-state cycle.",
        f"The worst moment is just before each dose (day {rec.worst_day_in_cycle:g} of the "
        f"cycle): predicted score {rec.max_score:.2f}, margin {rec.margin_score:.2f}.",
    ]
    nl = rec.next_longer
    if nl is None:
        out.append("This is the longest interval allowed by the options given.")
    else:
        out.append(f"Why not longer: {nl.dose_mg:g} mg every {nl.interval_days} days would "
                   f"reach a score of {nl.max_score:.2f}, above the threshold.")
    out.append(f"At steady state the next dose may be up to {rec.late_dose_tolerance_days:g} "
               "days late before the predicted score crosses the threshold.")
    return out


def recommend(request: RecommendationRequest,
              settings: Settings | None = None) -> RecommendationPublic:
    """Answer one recommendation request (raises InputError on a bad question).

    A request with ``target.kind = "free_ige"`` is answered by the binding model
    (:mod:`optimizer.services.free_ige`); one with ``history``, ``min_probability`` or ``plan`` for
    this patient (:func:`optimizer.services.individual.recommend_individual`); otherwise with
    population values. Doses of one date in the history are summed into one; the answer
    lists each merge as a ``doses_merged`` warning.
    """
    settings = settings or get_settings()
    if request.is_free_ige:
        from optimizer.services.free_ige import recommend_free_ige_public

        return recommend_free_ige_public(request, settings)
    if request.is_individual:
        from optimizer.services.individual import recommend_individual

        try:
            out = recommend_individual(request, settings)
        except InputError as exc:
            if request.history is None:
                raise
            raise InputError(request.history.source_field(exc.field), exc.value,
                             exc.allowed) from None
        if request.history is not None and request.history.merged:
            merged = [WarningPublic.from_domain(w) for w in request.history.warnings()]
            out = out.model_copy(update={"warnings": [*merged, *out.warnings]})
        return out
    problem = request.to_problem(max_candidates=settings.max_candidates)
    rec = recommend_interval(problem, time_limit_s=settings.solver_time_limit_s)
    return RecommendationPublic.from_domain(request, rec, model_parameters(problem), explain(rec))
