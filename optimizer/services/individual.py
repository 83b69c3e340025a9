"""The individual answer: fit the patient's history, recommend with a probability of control,
plan the transition from today and advise on late or missed doses.

Called by :func:`optimizer.services.recommendation.recommend` when a request carries ``history``,
``min_probability`` or ``plan``. Dates in the answer are ISO strings (JSON-ready).
"""

from __future__ import annotations

import datetime as dt
import math
import time
from dataclasses import replace

import numpy as np
from numpy.typing import NDArray

from optimizer.core.problem import RecommendationProblem, ResponseParameters
from optimizer.core.warnings import AnswerWarning
from optimizer.errors import InputError, SolverError
from optimizer.exposure.pk import PKModel, steady_state_concentration_mg_per_l
from optimizer.exposure.symptoms import score
from optimizer.individual.fit import (
    FitResult,
    Priors,
    fit_individual,
    log_posterior_for,
)
from optimizer.individual.history import (
    PatientHistory,
    contradicting_observations,
)
from optimizer.individual.missed import (
    CatchUpOption,
    MissedDoseAdvice,
    advise_missed_dose,
    schedule_interval_days,
)
from optimizer.individual.plan import PlanContext, PlanOptions, TransitionPlan, plan_transition
from optimizer.individual.plan_reach import check_reach
from optimizer.individual.probability import (
    ChanceRecommendation,
    floor_percent,
    recommend_at_point,
    recommend_with_probability,
)
from optimizer.individual.sensitivity import sensitivity_table
from optimizer.individual.tolerance import (
    history_late_days,
    late_days_with_probability,
    steady_state_late_days,
)
from optimizer.schemas.individual_inputs import history_of, priors_of
from optimizer.schemas.posterior import DiagnosticsPublic, SensitivityRowPublic
from optimizer.schemas.recommendation import (
    WEEKDAYS,
    CandidatePublic,
    CatchUpPublic,
    CheckpointPublic,
    FitPublic,
    MissedDosePublic,
    ParameterFitPublic,
    PlanDosePublic,
    PlanPublic,
    PriorsIn,
    RecommendationPublic,
    RecommendationRequest,
    SolverPublic,
    WarningPublic,
)
from optimizer.score_target.interval_search import ASSUMPTIONS, late_dose_tolerance_days
from optimizer.services.budget import (
    check_budget,
    individual_request_estimate,
    plan_time_warning,
    remaining_s,
)
from optimizer.services.individual_frame import (
    Frame,
    explain_individual,
    individual_warnings,
    missed_advice,
)
from optimizer.services.parameters import model_parameters
from optimizer.settings import Settings

__all__ = ["INDIVIDUAL_ASSUMPTIONS", "recommend_individual"]

#: Seed of the parameter samples, so that the same request gives the same answer.
SAMPLE_SEED = 0
#: Largest candidates x weighted draws matrix the probability step evaluates (modelling
#: choice: 71 candidates x ~7,000 draws; a few MB and a few ms).
WEIGHTED_CELLS = 500_000

INDIVIDUAL_ASSUMPTIONS: tuple[str, ...] = (
    "The history lists every dose of the last months; a dose not listed was not given.",
    "Individual parameters: the point estimate is the most probable set (MAP) under population "
    "priors; their uncertainty, the intervals and every probability come from weighted "
    "posterior draws (importance sampling with Pareto-smoothed weights), resampled into the "
    "parameter samples.",
    "Scores are the predicted score plus noise in whole points on the 0-10 scale; a score of 0 "
    "means the score was below a detection level of 1 point; a yes/no 'symptomatic' means the "
    "score is above the symptom cut-off.",
    "The steepness of the response (Hill coefficient) is fitted with the other parameters.",
    "The transition plan uses the fitted (MAP) parameters; when a probability target is set, "
    "late- and missed-dose tolerances are stated across the samples, with the point-estimate "
    "figure beside them.",
)


def _history(request: RecommendationRequest) -> PatientHistory | None:
    return history_of(request)


def _priors(raw: PriorsIn | None, problem: RecommendationProblem) -> Priors:
    return priors_of(raw, problem)


def _fit_public(fit: FitResult, n_samples: int) -> FitPublic:
    return FitPublic(
        status=fit.status, message=fit.message, observations=fit.n_observations,
        parameters=[ParameterFitPublic(**vars(p)) for p in fit.parameters], samples=n_samples,
        samples_from="posterior" if fit.status == "fitted" else "prior",
        score_sd=fit.priors.score_sd, symptom_cutoff_score=fit.priors.symptom_cutoff_score,
        unexplained_observations=list(fit.unexplained),
        diagnostics=DiagnosticsPublic(**vars(fit.diagnostics)))


def _weekdays(request: RecommendationRequest) -> tuple[int, ...] | None:
    if request.plan is None or request.plan.clinic_weekdays is None:
        return None
    return tuple(sorted({WEEKDAYS.index(w) for w in request.plan.clinic_weekdays}))


def _plan_public(plan: TransitionPlan, ctx: PlanContext) -> PlanPublic:
    h = ctx.history
    doses = [PlanDosePublic(date=h.date_of(d).isoformat(), interval_days=i, dose_mg=ctx.dose_mg)
             for d, i in zip(plan.dose_days, plan.intervals_days, strict=True)]
    checks = [CheckpointPublic(date=h.date_of(d).isoformat(),
                               predicted_score=plan.daily_scores[d],
                               reason="Collect a symptom score before this injection: it ends "
                                      "the first cycle at a longer interval. Lengthen further "
                                      "only if the score is at or below the threshold.")
              for d in plan.checkpoint_days if d < len(plan.daily_scores)]
    notes = ["Dates are on allowed clinic days; the interval grows by at most "
             f"{ctx.options.max_step_days} days per injection and never exceeds "
             f"{ctx.target_interval_days} days."]
    if plan.days_above_threshold:
        notes.append(f"The predicted score is above {ctx.threshold_score:g} on "
                     f"{len(plan.days_above_threshold)} day(s) that no allowed schedule from the "
                     "current state avoids (e.g. a dose is already overdue).")
    if plan.mip_gap is not None:
        notes.append(f"The solver's time limit stopped the search; the plan is feasible but "
                     f"not proven optimal (gap {plan.mip_gap:.1%}).")
    return PlanPublic(
        status=plan.status.value, start_date=h.evaluation_date.isoformat(),
        target_interval_days=ctx.target_interval_days, doses=doses,
        daily_scores=[round(s, 4) for s in plan.daily_scores],
        max_score=max(plan.daily_scores),
        days_above_threshold=[h.date_of(d).isoformat() for d in plan.days_above_threshold],
        checkpoints=checks, injections=plan.injections, greedy_injections=plan.greedy_injections,
        mip_gap=plan.mip_gap, solver_status=plan.solver_status, solve_ms=plan.solve_ms,
        notes=notes)


def _missed_public(m: MissedDoseAdvice, h: PatientHistory, frame: Frame) -> MissedDosePublic:
    def iso(day: float | None) -> str | None:
        return None if day is None else h.date_of(math.floor(day)).isoformat()

    def cu(o: CatchUpOption) -> CatchUpPublic:
        return CatchUpPublic(dose_mg=o.dose_mg, recovery_date=iso(o.recovery_day),
                             controlled_until_date=iso(o.controlled_until_day))

    tol = m.late_dose_tolerance_days if frame.missed_late_days is None \
        else frame.missed_late_days
    return MissedDosePublic(
        last_dose_date=iso(m.last_dose_day) or "", next_due_date=iso(m.next_due_day) or "",
        regular_interval_days=m.regular_interval_days,
        symptoms_return_date=iso(m.symptoms_return_day) or "", late_dose_tolerance_days=tol,
        overdue=m.overdue, past_missed=[{"due_date": iso(d) or "", "predicted_return_date":
                                         iso(r) or ""} for d, r in m.past_missed],
        catch_up_date=iso(m.catch_up_day), catch_up_options=[cu(o) for o in m.catch_up],
        best_catch_up=None if m.best_catch_up is None else cu(m.best_catch_up),
        advice=missed_advice(m, iso, frame))


def _first_clinic_day(h: PatientHistory, weekdays: tuple[int, ...] | None) -> int:
    if weekdays is None:
        return 0
    return next(d for d in range(7) if h.date_of(d).weekday() in weekdays)


def _choose(request: RecommendationRequest, problem: RecommendationProblem, fit: FitResult,
            settings: Settings) -> ChanceRecommendation:
    """By probability when ``min_probability`` is set, otherwise at the point estimate.

    Shares are computed on the posterior draws with their importance weights (no resampling
    noise: 200 resampled draws move a share by about 2.5 points, enough to tip a choice at the
    target); when candidates x draws would exceed :data:`WEIGHTED_CELLS`, on
    ``request.samples`` equally weighted resampled draws instead."""
    n_candidates = len(problem.interval_options.days) * len(problem.doses_sorted_mg)
    weights: NDArray[np.float64] | None
    samples, weights = fit.weighted_samples(max(request.samples, WEIGHTED_CELLS // n_candidates))
    if len(samples) * n_candidates > WEIGHTED_CELLS:
        samples, weights = fit.samples(request.samples, SAMPLE_SEED), None
    if request.min_probability is None:
        return recommend_at_point(problem, fit.point, samples, weights=weights,
                                  time_limit_s=settings.solver_time_limit_s)
    return recommend_with_probability(problem, samples, request.min_probability,
                                      weights=weights, time_limit_s=settings.solver_time_limit_s)


def _frame(request: RecommendationRequest, problem: RecommendationProblem, fit: FitResult,
           chance: ChanceRecommendation, history: PatientHistory | None, regular: int,
           base: PKModel) -> Frame:
    """The probability frame's tolerances (only when the answer was chosen by probability)."""
    p = request.min_probability
    if p is None:
        return Frame(min_probability=None, late_days=None, missed_late_days=None)
    samples = fit.samples(request.samples, SAMPLE_SEED)
    thr = problem.threshold_score
    late = None
    if chance.interval_days is not None and chance.dose_mg is not None:
        late = late_days_with_probability(steady_state_late_days(
            base, samples, thr, chance.dose_mg, chance.interval_days), p)
    missed = None
    if history is not None and history.doses:
        missed = late_days_with_probability(history_late_days(base, samples, thr, history,
                                                              regular), p)
    return Frame(min_probability=p, late_days=late, missed_late_days=missed)


def recommend_individual(request: RecommendationRequest,
                         settings: Settings) -> RecommendationPublic:
    """Fit, recommendation (at the point estimate, or by probability when asked), optional
    plan and missed-dose advice, warnings and the sensitivity of the probabilities."""
    t0 = time.perf_counter()
    problem = request.to_problem(max_candidates=settings.max_candidates)
    history = _history(request)
    check_budget(individual_request_estimate(request, history),
                 settings.request_time_limit_s)
    priors = _priors(request.priors, problem)
    evaluated = history or PatientHistory(
        doses=(), observations=(), evaluation_date=request.evaluation_date or dt.date.today())
    fit = fit_individual(evaluated, problem, priors)
    t1 = time.perf_counter()
    chance = _choose(request, problem, fit, settings)
    t2 = time.perf_counter()
    pt = fit.point
    base = PKModel.from_parameters(problem.pk, problem.patient.weight_kg)
    pk = pt.pk_model(base)
    c_star = pt.threshold_conc_mg_per_l(problem.threshold_score)
    fields = _point_fields(problem, chance, pk, pt.response(), c_star)
    regular = schedule_interval_days(history, chance.interval_days or 28) if history else 28
    frame = _frame(request, problem, fit, chance, history, regular, base)
    point_late = fields.get("late_dose_tolerance_days")
    if frame.late_days is not None:
        fields["late_dose_tolerance_days"] = frame.late_days
    plan_out = missed_out = None
    plan_warnings: list[AnswerWarning] = []
    if history is not None and history.doses:
        weekdays = _weekdays(request)
        missed_out = _missed_public(advise_missed_dose(
            history, pk, c_star, regular, problem.doses_sorted_mg,
            _first_clinic_day(history, weekdays)), history, frame)
        if request.plan is not None and chance.interval_days is not None:
            o = request.plan
            plan_limit_s = remaining_s(settings.request_time_limit_s,
                                       time.perf_counter() - t0, o.time_limit_s)
            ctx = PlanContext(history=history, pk=pk, response=pt.response(),
                              threshold_score=problem.threshold_score,
                              threshold_conc_mg_per_l=c_star, dose_mg=float(chance.dose_mg or 0),
                              target_interval_days=chance.interval_days,
                              current_interval_days=regular,
                              options=PlanOptions(o.horizon_weeks, weekdays, o.max_step_days,
                                                  o.min_gap_days, plan_limit_s))
            plan = _plan_in_time(ctx)
            if plan is None:
                plan_warnings = [plan_time_warning(o.time_limit_s, plan_limit_s)]
            else:
                plan_out = _plan_public(plan, ctx)
                plan_warnings = _reach_warnings(ctx, plan_out)
    elif request.plan is not None:
        raise InputError("plan", "no history.doses",
                         "a history with at least one dose to plan from")
    p_ctrl = (chance.probability if chance.interval_days is not None
              else chance.best_option.probability)
    options = _options(chance, problem.doses_sorted_mg[-1])
    rows = [replace(r, probability_controlled=p_ctrl,
                    next_longer_probability=chance.next_longer_probability)
            if r.is_default else r   # the default row repeats the answer's own figures
            for r in sensitivity_table(fit, log_posterior_for(evaluated, problem), problem,
                                       options)]
    t3 = time.perf_counter()
    extra = {"clearance_factor": pt.clearance_factor}
    if request.min_probability is not None:
        extra["min_probability"] = request.min_probability
    model = model_parameters(problem, pk, pt.response(), **extra)
    warnings = [*contradicting_observations(evaluated, priors.symptom_cutoff_score,
                                            priors.zero_below_score),
                *individual_warnings(fit, p_ctrl), *plan_warnings]
    return RecommendationPublic(
        **fields, explanation=explain_individual(chance, fit, problem.threshold_score, frame,
                                                 fields, point_late),
        assumptions=[*ASSUMPTIONS[:-1], *INDIVIDUAL_ASSUMPTIONS, ASSUMPTIONS[-1]],
        model=model, solver=SolverPublic(name="highs", version=chance.solver_version,
                                         status=chance.solver_status, time_ms=chance.solve_ms),
        timings_ms={"fit": (t1 - t0) * 1e3, "probability": (t2 - t1) * 1e3,
                    "plan_and_advice": (t3 - t2) * 1e3, "total": (t3 - t0) * 1e3},
        fit=_fit_public(fit, request.samples),
        probability_controlled=None if p_ctrl is None else floor_percent(p_ctrl),
        next_longer_probability=None if chance.next_longer_probability is None
        else floor_percent(chance.next_longer_probability),
        sensitivity=[SensitivityRowPublic(
            **{**vars(r), "probability_controlled": _floor(r.probability_controlled),
               "next_longer_probability": _floor(r.next_longer_probability)}) for r in rows],
        plan=plan_out, missed_dose=missed_out,
        warnings=[WarningPublic.from_domain(w) for w in warnings])


def _floor(p: float | None) -> float | None:
    return None if p is None else floor_percent(p)


def _options(chance: ChanceRecommendation, largest_dose_mg: float
             ) -> tuple[tuple[int, float] | None, tuple[int, float] | None]:
    """(recommended or closest option, next longer at the largest dose) for the
    sensitivity."""
    if chance.interval_days is None or chance.dose_mg is None:
        iv, dose, _ = chance.best_option
        return (iv, dose), None
    nl = None
    if chance.next_longer_interval_days is not None:
        nl = (chance.next_longer_interval_days, largest_dose_mg)
    return (chance.interval_days, chance.dose_mg), nl


def _plan_in_time(ctx: PlanContext) -> TransitionPlan | None:
    """The transition plan, or None when its solver ran out of time without a plan (the
    recommendation is answered without it); any other solver failure is raised."""
    try:
        return plan_transition(ctx)
    except SolverError as exc:
        if "time" not in exc.raw_status.lower():
            raise
        return None


def _reach_warnings(ctx: PlanContext, plan: PlanPublic) -> list[AnswerWarning]:
    """When the clinic days cannot hold the target interval: say so in the plan's notes and as
    a warning naming the nearest interval and the days that would hold it."""
    h, o = ctx.history, ctx.options
    reach = check_reach(ctx.target_interval_days,
                        o.clinic_weekdays or (h.doses[-1].date.weekday(),),
                        h.date_of(max(0, ctx.anchor_day + o.min_gap_days)),
                        h.date_of(ctx.horizon_day), o.min_gap_days)
    if reach.reachable:
        return []
    plan.notes.append(reach.message())
    return [AnswerWarning("plan_target_unreachable", reach.message(), "plan.clinic_weekdays")]


def _point_fields(problem: RecommendationProblem, chance: ChanceRecommendation, pk: PKModel,
                  response: ResponseParameters, c_star: float) -> dict[str, object]:
    """The core answer's fields for the chosen option, at the fitted (MAP) parameters."""
    def max_score(tau: float, dose: float) -> float:
        trough = steady_state_concentration_mg_per_l(pk, dose, tau, 0.0)
        return float(score(response, trough))

    n = len(problem.interval_options.days) * len(problem.doses_sorted_mg)
    thr = problem.threshold_score
    common: dict[str, object] = dict(threshold_score=thr, threshold_conc_mg_per_l=c_star,
                                     candidates=n)
    if chance.interval_days is None or chance.dose_mg is None:
        best = chance.best_option
        s = max_score(best.interval_days, best.dose_mg)
        return dict(common, status="infeasible", interval_days=None, dose_mg=None, max_score=s,
                    margin_score=thr - s, worst_day_in_cycle=None, trough_conc_mg_per_l=None,
                    peak_conc_mg_per_l=None, next_longer=None, late_dose_tolerance_days=None,
                    closest_option=CandidatePublic(interval_days=best.interval_days,
                                                   dose_mg=best.dose_mg, max_score=s),
                    feasible_candidates=0)
    tau, dose = float(chance.interval_days), chance.dose_mg
    s = max_score(tau, dose)
    grid = np.linspace(0.0, tau, 401)
    nl = None
    if chance.next_longer_interval_days is not None:
        big = problem.doses_sorted_mg[-1]
        nl = CandidatePublic(interval_days=chance.next_longer_interval_days, dose_mg=big,
                             max_score=max_score(chance.next_longer_interval_days, big))
    return dict(common, status="optimal", interval_days=chance.interval_days, dose_mg=dose,
                max_score=s, margin_score=thr - s, worst_day_in_cycle=tau,
                trough_conc_mg_per_l=float(steady_state_concentration_mg_per_l(pk, dose, tau, 0.0)),
                peak_conc_mg_per_l=float(steady_state_concentration_mg_per_l(
                    pk, dose, tau, grid).max()), next_longer=nl,
                late_dose_tolerance_days=late_dose_tolerance_days(pk, dose, tau, c_star),
                closest_option=None, feasible_candidates=chance.feasible_candidates)
