"""Domain entry points shared by the HTTP API, the CLI and batches: schema in, schema out.

No logic lives in a route or a command: they all call these functions.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from optimizer.core.problem import RecommendationProblem, ResponseParameters
from optimizer.core.results import Recommendation, Status
from optimizer.errors import InputError
from optimizer.schemas.recommendation import (
    RecommendationPublic,
    RecommendationRequest,
    WarningPublic,
)
from optimizer.score_target.interval_search import recommend_interval
from optimizer.services.budget import check_budget, recommendation_estimate
from optimizer.services.parameters import model_parameters
from optimizer.services.warnings import guard_request, with_label_warnings
from optimizer.services.wording import LONGEST_ALLOWED, next_longer_sentence, regimen_phrase
from optimizer.settings import Settings, get_settings

if TYPE_CHECKING:
    from optimizer.individual.probability import SampleSet

__all__ = ["explain", "model_parameters", "recommend", "score_target_answer"]


def explain(rec: Recommendation) -> list[str]:
    """Short sentences a clinician can read: the answer, its margin, why not longer."""
    thr = rec.threshold_score
    if rec.status is Status.INFEASIBLE:
        c = rec.closest_option
        assert c is not None
        return [
            f"No allowed dose and interval keeps the predicted score at or below {thr:g}.",
            f"Closest option: {regimen_phrase(c.dose_mg, c.interval_days)}, worst-case score "
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
    out.append(LONGEST_ALLOWED if nl is None else next_longer_sentence(
        nl.dose_mg, nl.interval_days, f"reach a score of {nl.max_score:.2f}, above the threshold"))
    out.append(f"At steady state the next dose may be up to {rec.late_dose_tolerance_days:g} "
               "days late before the predicted score crosses the threshold.")
    return out


def recommend(request: RecommendationRequest,
              settings: Settings | None = None) -> RecommendationPublic:
    """Answer one recommendation request (raises InputError on a bad question).

    A request with ``target.kind = "free_ige"`` is answered by the binding model
    (:mod:`optimizer.services.free_ige`); one with ``history``, ``min_probability`` or ``plan`` for
    this patient (:func:`optimizer.services.individual.recommend_individual`); otherwise with
    population values. Every path passes the label guardrails
    (:mod:`optimizer.services.warnings`): dose options beyond the label are refused unless the
    request allows them, and the answer carries the label, margin and history warnings. Doses
    of one date in the history are summed into one; the answer lists each merge as a
    ``doses_merged`` warning.
    """
    settings = settings or get_settings()
    # field rules first, then label; the problem is reused when the guard keeps the request
    problem = request.to_problem(max_candidates=settings.max_candidates)
    guarded = guard_request(request)
    return with_label_warnings(guarded, _answer(guarded, settings,
                                                problem if guarded is request else None))


def _answer(request: RecommendationRequest, settings: Settings,
            problem: RecommendationProblem | None = None) -> RecommendationPublic:
    # The free-IgE and individual answers are imported when asked for: they bring the binding
    # model and the fit (scipy), which a score-target answer does not need.
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
    if problem is None:
        problem = request.to_problem(max_candidates=settings.max_candidates)
    check_budget(recommendation_estimate(
        len(problem.interval_options.days) * len(problem.doses_sorted_mg)),
        settings.request_time_limit_s)
    rec = recommend_interval(problem, time_limit_s=settings.solver_time_limit_s)
    return score_target_answer(request, problem, rec)


def score_target_answer(request: RecommendationRequest, problem: RecommendationProblem,
                        rec: Recommendation) -> RecommendationPublic:
    """The public answer to a plain score-target request (guarded ``request``, its ``problem``
    and the chosen ``rec``), before the label warnings: explanation, model parameters and the
    population's probability of control. Shared with the batch runner's fast path
    (:mod:`optimizer.batch.fast_path`), so both give the same answer."""
    out = RecommendationPublic.from_domain(request, rec, model_parameters(problem), explain(rec))
    return _with_population_probabilities(out, problem, request.samples)


#: Seed of the population samples, so that the same request gives the same answer.
POPULATION_SEED = 0


def _with_population_probabilities(out: RecommendationPublic, problem: RecommendationProblem,
                                   n_samples: int) -> RecommendationPublic:
    """The answer's probability of control across between-patient variability (patients
    drawn from the population priors of :mod:`optimizer.individual.priors`): for the
    recommendation (or its closest option) and for the next longer interval. The typical
    patient's answer is controlled in about half of them by construction; the explanation
    says so in figures (no warning: ``low_probability_of_control`` is for individual
    answers)."""
    from optimizer.individual.probability import floor_percent, shares_controlled
    from optimizer.services.format import format_probability
    samples = _population(problem.response, n_samples)
    option = out.closest_option if out.interval_days is None else out
    if option is None or option.interval_days is None or option.dose_mg is None:
        return out
    options = [(float(option.interval_days), option.dose_mg)]
    if out.next_longer is not None:
        options.append((float(out.next_longer.interval_days), out.next_longer.dose_mg))
    shares = shares_controlled(problem, samples, options)
    p = float(shares[0])
    nl_p = float(shares[1]) if out.next_longer is not None else None
    words = (f"Across {len(samples)} patients drawn from the population's between-patient "
             f"variability, this option keeps the score down in {format_probability(p)}"
             + ("." if nl_p is None else f"; every {out.next_longer.interval_days} days in "  # type: ignore[union-attr]
                f"{format_probability(nl_p)}."))
    return out.model_copy(update={
        "probability_controlled": floor_percent(p),
        "next_longer_probability": None if nl_p is None else floor_percent(nl_p),
        "explanation": [*out.explanation, words]})


@functools.lru_cache(maxsize=256)
def _population(response: ResponseParameters, n_samples: int) -> SampleSet:
    """The population's samples for a request's response parameters (their priors' medians),
    kept per process: building and hashing the priors was a visible share of an answer."""
    from optimizer.individual.priors import default_priors
    from optimizer.individual.probability import population_sample_set

    return population_sample_set(default_priors(response), n_samples, POPULATION_SEED)
