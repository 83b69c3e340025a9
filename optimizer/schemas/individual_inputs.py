"""A request's history and priors as the domain's values (one place for the service and the
plots, which redraw an individual answer's posterior band from the stored request)."""

from __future__ import annotations

from dataclasses import replace

from optimizer.core.problem import RecommendationProblem
from optimizer.individual.history import DoseRecord, Observation, PatientHistory, build_history
from optimizer.individual.priors import Priors, default_priors
from optimizer.schemas.recommendation import PriorsIn, RecommendationRequest

__all__ = ["history_of", "priors_of"]


def history_of(request: RecommendationRequest) -> PatientHistory | None:
    """The checked history (raises InputError naming the field), or None without one."""
    h = request.history
    if h is None:
        return None
    doses = [DoseRecord(date=d.date, dose_mg=d.dose_mg) for d in h.doses]
    obs = [Observation(date=o.date, score=o.score, symptomatic=o.symptomatic)
           for o in h.observations]
    return build_history(doses, obs, request.evaluation_date)


def priors_of(raw: PriorsIn | None, problem: RecommendationProblem) -> Priors:
    """The population priors (:func:`optimizer.individual.priors.default_priors`) with the
    request's overrides."""
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
