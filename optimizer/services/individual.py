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

from optimizer.core.problem import RecommendationProblem, ResponseParameters
from optimizer.errors import InputError
from optimizer.exposure.pk import PKModel, steady_state_concentration_mg_per_l
from optimizer.exposure.symptoms import score
from optimizer.individual.fit import FitResult, Priors, default_priors, fit_individual
from optimizer.individual.history import (
    DoseRecord,
    Observation,
    PatientHistory,
    build_history,
)
from optimizer.individual.missed import (
    CatchUpOption,
    MissedDoseAdvice,
    advise_missed_dose,
    schedule_interval_days,
)
from optimizer.individual.plan import PlanContext, PlanOptions, TransitionPlan, plan_transition
from optimizer.individual.probability import ChanceRecommendation, recommend_with_probability
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
)
from optimizer.score_target.interval_search import ASSUMPTIONS, late_dose_tolerance_days
from optimizer.settings import Settings

__all__ = ["DEFAULT_MIN_PROBABILITY", "INDIVIDUAL_ASSUMPTIONS", "recommend_individual"]

#: Probability of control asked for when a history or plan is given without one
#: (modelling choice: the issue's example, 0.9).
DEFAULT_MIN_PROBABILITY = 0.9
#: Seed of the parameter samples, so that the same request gives the same answer.
SAMPLE_SEED = 0

INDIVIDUAL_ASSUMPTIONS: tuple[str, ...] = (
    "The history lists every dose of the last months; a dose not listed was not given.",
    "Individual parameters are a MAP fit with population priors; their uncertainty is a "
    "Laplace approximation, and the probability of control counts parameter samples from it.",
    "Scores are the predicted score plus noise in whole points on the 0-10 scale; a score of 0 "
    "means the score was below a detection level of 1 point; a yes/no 'symptomatic' means the "
    "score is above the symptom cut-off.",
    "The steepness of the response (Hill coefficient) is fitted with the other parameters.",
    "The transition plan and the missed-dose advice use the fitted (MAP) parameters.",
)


def _history(request: RecommendationRequest) -> PatientHistory | None:
    h = request.history
    if h is None:
        return None
    doses = [DoseRecord(date=d.date, dose_mg=d.dose_mg) for d in h.doses]
    obs = [Observation(date=o.date, score=o.score, symptomatic=o.symptomatic)
           for o in h.observations]
    return build_history(doses, obs, request.evaluation_date)


def _priors(raw: PriorsIn | None, problem: RecommendationProblem) -> Priors:
    base = default_priors(problem.response)
    if raw is None:
        return base
    return Priors(
        ec50_mg_per_l=replace(base.ec50_mg_per_l, log_sd=raw.ec50_log_sd,
                              median=raw.ec50_median_mg_per_l or base.ec50_mg_per_l.median),
        baseline_score=replace(base.baseline_score, log_sd=raw.baseline_log_sd,
                               median=raw.baseline_median_score or base.baseline_score.median),
        clearance_factor=replace(base.clearance_factor, log_sd=raw.clearance_factor_log_sd),
        hill=replace(base.hill, log_sd=raw.hill_log_sd), fit_baseline=raw.fit_baseline,
        fit_clearance=raw.fit_clearance, fit_hill=raw.fit_hill, score_sd=raw.score_sd,
        symptom_cutoff_score=raw.symptom_cutoff_score)


def _fit_public(fit: FitResult, n_samples: int) -> FitPublic:
    return FitPublic(
        status=fit.status, message=fit.message, observations=fit.n_observations,
        parameters=[ParameterFitPublic(**vars(p)) for p in fit.parameters], samples=n_samples,
        samples_from="posterior" if fit.status == "fitted" else "prior",
        score_sd=fit.priors.score_sd, symptom_cutoff_score=fit.priors.symptom_cutoff_score,
        unexplained_observations=list(fit.unexplained))


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


def _missed_public(m: MissedDoseAdvice, h: PatientHistory) -> MissedDosePublic:
    def iso(day: float | None) -> str | None:
        return None if day is None else h.date_of(math.floor(day)).isoformat()

    def cu(o: CatchUpOption) -> CatchUpPublic:
        return CatchUpPublic(dose_mg=o.dose_mg, recovery_date=iso(o.recovery_day),
                             controlled_until_date=iso(o.controlled_until_day))

    advice = [f"With no further dose, symptoms are predicted to return around "
              f"{iso(m.symptoms_return_day)}."]
    tol = m.late_dose_tolerance_days
    advice.append(f"The next dose (due {iso(m.next_due_day)}) may be up to {tol:g} days late "
                  "before the predicted score crosses the threshold." if tol >= 0 else
                  f"Symptoms are predicted {-tol:g} days before the next dose is due: the usual "
                  "interval is too long for this patient's fitted model.")
    for due, back in m.past_missed:
        advice.append(f"A dose due {iso(due)} was missed; the model places the return of "
                      f"symptoms around {iso(back)}." if back is not None else
                      f"A dose due {iso(due)} was missed; a recorded score of 0 shows "
                      "symptoms did not return.")
    if m.best_catch_up is not None:
        b = m.best_catch_up
        advice.append(f"Catch-up: {b.dose_mg:g} mg on {iso(m.catch_up_day)}, score predicted "
                      f"back at or below the threshold by {iso(b.recovery_day)}.")
    return MissedDosePublic(
        last_dose_date=iso(m.last_dose_day) or "", next_due_date=iso(m.next_due_day) or "",
        regular_interval_days=m.regular_interval_days,
        symptoms_return_date=iso(m.symptoms_return_day) or "", late_dose_tolerance_days=tol,
        overdue=m.overdue, past_missed=[{"due_date": iso(d) or "", "predicted_return_date":
                                         iso(r) or ""} for d, r in m.past_missed],
        catch_up_date=iso(m.catch_up_day), catch_up_options=[cu(o) for o in m.catch_up],
        best_catch_up=None if m.best_catch_up is None else cu(m.best_catch_up), advice=advice)


def _first_clinic_day(h: PatientHistory, weekdays: tuple[int, ...] | None) -> int:
    if weekdays is None:
        return 0
    return next(d for d in range(7) if h.date_of(d).weekday() in weekdays)


def _explain(chance: ChanceRecommendation, fit: FitResult, thr: float) -> list[str]:
    out = [fit.message]
    if chance.interval_days is None:
        iv, dose, p = chance.best_option
        return [*out, f"No allowed dose and interval keeps the predicted score at or below "
                      f"{thr:g} with probability {chance.min_probability:g}. Most often "
                      f"controlled: {dose:g} mg every {iv} days ({p:.0%} of samples)."]
    out.append(f"{chance.dose_mg:g} mg every {chance.interval_days} days keeps the predicted "
               f"score at or below {thr:g} for the whole steady-state cycle in "
               f"{chance.probability:.0%} of {chance.samples} plausible parameter sets "
               f"(asked: at least {chance.min_probability:.0%}).")
    if chance.next_longer_probability is not None:
        out.append(f"Why not longer: every {chance.next_longer_interval_days} days the "
                   f"probability of control falls to {chance.next_longer_probability:.0%}.")
    return out


def recommend_individual(request: RecommendationRequest,
                         settings: Settings) -> RecommendationPublic:
    """Fit, probabilistic recommendation, optional plan and missed-dose advice."""
    t0 = time.perf_counter()
    problem = request.to_problem(max_candidates=settings.max_candidates)
    history = _history(request)
    priors = _priors(request.priors, problem)
    empty = PatientHistory(doses=(), observations=(),
                           evaluation_date=request.evaluation_date or dt.date.today())
    fit = fit_individual(history or empty, problem, priors)
    t1 = time.perf_counter()
    p_min = request.min_probability or DEFAULT_MIN_PROBABILITY
    chance = recommend_with_probability(problem, fit.samples(request.samples, SAMPLE_SEED), p_min,
                                        time_limit_s=settings.solver_time_limit_s)
    t2 = time.perf_counter()
    pt = fit.point
    pk = pt.pk_model(PKModel.from_parameters(problem.pk, problem.patient.weight_kg))
    c_star = pt.threshold_conc_mg_per_l(problem.threshold_score)
    fields = _point_fields(problem, chance, pk, pt.response(), c_star)
    plan_out = missed_out = None
    if history is not None and history.doses:
        weekdays = _weekdays(request)
        regular = schedule_interval_days(history, chance.interval_days or 28)
        missed_out = _missed_public(advise_missed_dose(
            history, pk, c_star, regular, problem.doses_sorted_mg,
            _first_clinic_day(history, weekdays)), history)
        if request.plan is not None and chance.interval_days is not None:
            o = request.plan
            ctx = PlanContext(history=history, pk=pk, response=pt.response(),
                              threshold_score=problem.threshold_score,
                              threshold_conc_mg_per_l=c_star, dose_mg=float(chance.dose_mg or 0),
                              target_interval_days=chance.interval_days,
                              current_interval_days=regular,
                              options=PlanOptions(o.horizon_weeks, weekdays, o.max_step_days,
                                                  o.min_gap_days, o.time_limit_s))
            plan_out = _plan_public(plan_transition(ctx), ctx)
    elif request.plan is not None:
        raise InputError("plan", "no history.doses",
                         "a history with at least one dose to plan from")
    t3 = time.perf_counter()
    model = {"weight_kg": problem.patient.weight_kg, "ec50_mg_per_l": pt.ec50_mg_per_l,
             "baseline_score": min(pt.baseline_score, 10.0), "hill": pt.hill,
             "clearance_factor": pt.clearance_factor, "ke_per_day": pk.ke_per_day,
             "ka_per_day": pk.ka_per_day, "volume_l": pk.volume_l,
             "half_life_days": math.log(2.0) / pk.ke_per_day,
             "threshold_score": problem.threshold_score, "min_probability": p_min}
    return RecommendationPublic(
        **fields, explanation=_explain(chance, fit, problem.threshold_score),
        assumptions=[*ASSUMPTIONS[:-1], *INDIVIDUAL_ASSUMPTIONS, ASSUMPTIONS[-1]],
        model=model, solver=SolverPublic(name="highs", version=chance.solver_version,
                                         status=chance.solver_status, time_ms=chance.solve_ms),
        timings_ms={"fit": (t1 - t0) * 1e3, "probability": (t2 - t1) * 1e3,
                    "plan_and_advice": (t3 - t2) * 1e3, "total": (t3 - t0) * 1e3},
        fit=_fit_public(fit, request.samples), probability_controlled=chance.probability,
        next_longer_probability=chance.next_longer_probability, plan=plan_out,
        missed_dose=missed_out)


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
        iv, dose, _ = chance.best_option
        s = max_score(iv, dose)
        return dict(common, status="infeasible", interval_days=None, dose_mg=None, max_score=s,
                    margin_score=thr - s, worst_day_in_cycle=None, trough_conc_mg_per_l=None,
                    peak_conc_mg_per_l=None, next_longer=None, late_dose_tolerance_days=None,
                    closest_option=CandidatePublic(interval_days=iv, dose_mg=dose, max_score=s),
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
