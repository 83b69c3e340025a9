"""Entry points of the free-IgE target and the dosing grid: schema in, schema out (shared by
the HTTP API, the CLI and batches)."""

from __future__ import annotations

from typing import Any

from optimizer.core.results import Status
from optimizer.free_ige.dosing_grid import dosing_grid
from optimizer.free_ige.params import individual_parameters
from optimizer.free_ige.target import (
    FREE_IGE_ASSUMPTIONS,
    FreeIgECandidate,
    FreeIgEProblem,
    FreeIgERecommendation,
    default_doses_mg,
    recommend_free_ige,
)
from optimizer.schemas.free_ige import (
    MAX_CHECK_PATIENT_DAYS,
    DosingGridPublic,
    DosingGridRequest,
    FreeIgEPublic,
    SurrogateCheckRequest,
)
from optimizer.schemas.label import GridLabelCellPublic, GridLabelComparisonPublic
from optimizer.schemas.recommendation import (
    CandidatePublic,
    RecommendationPublic,
    RecommendationRequest,
    SolverPublic,
    WarningPublic,
)
from optimizer.services.budget import (
    check_budget,
    dosing_grid_estimate,
    free_ige_estimate,
    surrogate_check_estimate,
)
from optimizer.services.wording import LONGEST_ALLOWED, next_longer_sentence, regimen_phrase
from optimizer.settings import Settings, get_settings

__all__ = ["dosing_grid_public", "explain_free_ige", "free_ige_model", "recommend_free_ige_public",
           "surrogate_check_public"]


def free_ige_model(problem: FreeIgEProblem) -> dict[str, float]:
    """This patient's binding-model parameters, with units in their names."""
    p = individual_parameters(problem.weight_kg, problem.baseline_ige_ng_per_ml,
                              problem.parameters, problem.ige_production)
    return {
        "weight_kg": problem.weight_kg,
        "baseline_ige_iu_per_ml": problem.baseline_ige_iu_per_ml,
        "baseline_ige_ng_per_ml": problem.baseline_ige_ng_per_ml,
        "target_free_ige_ng_per_ml": problem.target_ng_per_ml,
        "ka_per_day": float(p.ka_per_day[0]),
        "cl_drug_l_per_day": float(p.cl_drug_l_per_day[0]),
        "cl_complex_l_per_day": float(p.cl_complex_l_per_day[0]),
        "cl_ige_l_per_day": float(p.cl_ige_l_per_day[0]),
        "volume_l": float(p.volume_l[0]),
        "volume_complex_l": float(p.volume_complex_l[0]),
        "ige_production_nmol_per_day": float(p.ige_production_nmol_per_day[0]),
        "kd_nm": float(p.kd_nm[0]),
        "kd_ratio_exponent": float(p.kd_ratio_exponent[0]),
    }


def explain_free_ige(rec: FreeIgERecommendation) -> list[str]:
    """Short sentences: the answer, its margin, why not longer."""
    t = rec.target_ng_per_ml
    if rec.status is Status.INFEASIBLE:
        c = rec.closest_option
        assert c is not None
        return [f"No allowed dose and interval keeps free IgE at or below {t:g} ng/mL.",
                f"Closest option: {regimen_phrase(c.dose_mg, c.interval_days)}, free IgE up "
                f"to {c.max_free_ige_ng_per_ml:.1f} ng/mL.",
                "Consider shorter intervals, larger doses, or a higher target."]
    day, tau = rec.worst_day_in_cycle, rec.interval_days
    when = ("just before a dose" if day is None or tau is None or tau - day < 0.5
            else f"on day {day:.1f} of the cycle")
    out = [f"{rec.dose_mg:g} mg every {rec.interval_days} days keeps free IgE at or below "
           f"{t:g} ng/mL for the whole steady-state cycle (highest "
           f"{rec.max_free_ige_ng_per_ml:.1f} ng/mL, {when}).",
           f"Margin to the target: {rec.margin_ng_per_ml:.1f} ng/mL."]
    nl = rec.next_longer
    out.append(LONGEST_ALLOWED if nl is None else next_longer_sentence(
        nl.dose_mg, nl.interval_days, f"let free IgE reach {nl.max_free_ige_ng_per_ml:.1f} ng/mL"))
    return out


def recommend_free_ige_public(request: RecommendationRequest,
                              settings: Settings | None = None) -> RecommendationPublic:
    """Answer a ``target.kind = "free_ige"`` recommendation request."""
    settings = settings or get_settings()
    problem = request.to_free_ige_problem(max_candidates=settings.max_candidates)
    check_budget(free_ige_estimate(len(set(problem.doses_mg)), list(problem.intervals_days)),
                 settings.request_time_limit_s)
    rec = recommend_free_ige(problem, time_limit_s=settings.solver_time_limit_s)

    def cand(c: FreeIgECandidate | None) -> CandidatePublic | None:
        return None if c is None else CandidatePublic(
            interval_days=c.interval_days, dose_mg=c.dose_mg, max_score=None)

    params = problem.parameters
    return RecommendationPublic(
        target_kind="free_ige", status=rec.status.value, interval_days=rec.interval_days,
        dose_mg=rec.dose_mg, max_score=None, margin_score=None,
        worst_day_in_cycle=rec.worst_day_in_cycle,
        threshold_score=None, threshold_conc_mg_per_l=None,
        trough_conc_mg_per_l=rec.trough_total_drug_mg_per_l, peak_conc_mg_per_l=None,
        next_longer=cand(rec.next_longer), late_dose_tolerance_days=None,
        closest_option=cand(rec.closest_option), candidates=rec.candidates,
        feasible_candidates=rec.feasible_candidates, explanation=explain_free_ige(rec),
        assumptions=list(rec.assumptions), model=free_ige_model(problem),
        solver=SolverPublic(name=rec.solve.solver_name, version=rec.solve.solver_version,
                            status=rec.solve.raw_status, time_ms=rec.solve.solve_ms),
        timings_ms={"exposure": rec.timings.exposure_ms, "build": rec.timings.build_ms,
                    "solve": rec.timings.solve_ms, "total": rec.timings.total_ms},
        free_ige=FreeIgEPublic.of(rec, problem.baseline_ige_iu_per_ml,
                                  problem.baseline_ige_ng_per_ml, params.name, params.citation,
                                  problem.ige_production),
        warnings=[WarningPublic.from_domain(w) for w in rec.warnings])


def dosing_grid_public(request: DosingGridRequest,
                       settings: Settings | None = None) -> DosingGridPublic:
    """Answer a dosing-grid request."""
    settings = settings or get_settings()
    t = request.target
    doses = (default_doses_mg(t.max_dose_mg) if request.dose_options_mg is None
             else request.dose_options_mg)
    check_budget(dosing_grid_estimate(len(request.weights_kg), len(request.ige_iu_per_ml),
                                      len(set(doses)), request.interval_options_days),
                 settings.request_time_limit_s)
    grid = dosing_grid(request.weights_kg, request.ige_iu_per_ml,
                       target_ng_per_ml=t.max_ng_per_ml, doses_mg=request.dose_options_mg,
                       intervals_days=request.interval_options_days,
                       parameter_set=t.parameter_set, ige_production=t.ige_production,
                       allow_extrapolation=t.allow_extrapolation,
                       time_limit_s=settings.solver_time_limit_s,
                       max_dose_mg=t.max_dose_mg)
    out = DosingGridPublic.of(grid, list(FREE_IGE_ASSUMPTIONS))
    return out.model_copy(update={"label_comparison": grid_label_comparison(out, request.label)})


def grid_label_comparison(grid: DosingGridPublic, label: str) -> GridLabelComparisonPublic:
    """The grid against the label's asthma table (:mod:`optimizer.label.grid_compare`)."""
    from optimizer.label.grid_compare import compare_grid_with_label
    from optimizer.label.tables import label_cells

    answers = {(c.weight_kg, c.baseline_ige_iu_per_ml): (c.dose_mg, c.interval_days)
               for c in grid.cells}
    cmp = compare_grid_with_label(grid.weights_kg, grid.ige_iu_per_ml, answers, label)
    return GridLabelComparisonPublic(
        label="eu" if label == "eu" else "us", source=label_cells(label)[0].source,
        compared=cmp.compared, exact=cmp.count("exact"),
        within_one_step=cmp.count("exact", "one_step"), share_exact=cmp.share_exact,
        share_within_one_step=cmp.share_within_one_step,
        grid_doses_blank_cell=cmp.count("grid_doses_blank_cell"),
        grid_none=cmp.count("grid_none"),
        cells=[GridLabelCellPublic(weight_kg=c.weight_kg,
                                   baseline_ige_iu_per_ml=c.baseline_ige_iu_per_ml,
                                   agreement=c.agreement, label_text=c.label_text)
               for c in cmp.cells])


def surrogate_check_public(request: SurrogateCheckRequest,
                           settings: Settings | None = None) -> dict[str, Any]:
    """The surrogate check as a JSON-ready dict; with ``fit``, each patient's fit against the
    binding curve the check already simulated. Raises :class:`InputError` when the request
    is over the size cap or the request-time budget."""
    import numpy as np

    from optimizer.errors import InputError
    from optimizer.free_ige.surrogate_check import DEFAULT_PATIENTS, surrogate_check
    from optimizer.free_ige.surrogate_fit import SurrogateFit, fit_surrogate_to_curve

    pts = (DEFAULT_PATIENTS if request.patients is None else
           tuple((p.weight_kg, p.baseline_ige_iu_per_ml) for p in request.patients))
    if len(pts) * request.horizon_days > MAX_CHECK_PATIENT_DAYS:
        raise InputError("horizon_days", request.horizon_days,
                         f"patients x horizon_days at most {MAX_CHECK_PATIENT_DAYS:,} "
                         f"per request ({len(pts)} patients given)")
    check_budget(surrogate_check_estimate(len(pts), request.horizon_days, request.fit),
                 (settings or get_settings()).request_time_limit_s)
    check = surrogate_check(pts, dose_mg=request.dose_mg, interval_days=request.interval_days,
                            horizon_days=request.horizon_days,
                            parameter_set=request.parameter_set, from_day=request.from_day)
    out = check.to_dict()
    if request.fit:
        days = check.regimen.dose_days()
        doses = np.full(days.size, float(request.dose_mg))
        out["fits"] = [SurrogateFit(weight_kg=w, baseline_ige_iu_per_ml=g, regimen=check.regimen,
                                    fit=fit_surrogate_to_curve(
                                        check.t_days, check.binding_mg_per_l[:, j], weight_kg=w,
                                        dose_days=days, doses_mg=doses,
                                        from_day=request.from_day)).to_dict()
                       for j, (w, g) in enumerate(pts)]
    out["assumptions"] = [
        "The binding model (total = free + bound omalizumab) is the reference; relative "
        "differences are |surrogate - binding| / binding.",
        "Population parameters: a fitted surrogate describes the binding model for this "
        "weight and IgE, not the patient.",
        "This comparison supports, and does not replace, the clinician's judgement."]
    return out
