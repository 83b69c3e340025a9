"""The guardrails of every answer, schema side: one adapter from requests and answers to
:mod:`optimizer.label.checks`.

* :func:`guard_request` refuses dose options beyond the label (422 naming the field) and caps
  *default* dose options at the label maximum; called before any recommendation is computed
  (score target, individual, free IgE; batches and the comparison's optimal row go through the
  same service).
* :func:`with_label_warnings` adds the label, margin and history warnings to an answer.
* :func:`comparison_warnings` does the same for each schedule of a comparison.
"""

from __future__ import annotations

from optimizer.core.warnings import AnswerWarning
from optimizer.free_ige.params import NG_PER_ML_PER_IU
from optimizer.label.checks import (
    AnswerFacts,
    HistoryFacts,
    answer_warnings,
    check_request_doses,
    history_facts,
)
from optimizer.label.limits import label_limits, syringe_combination
from optimizer.schemas.recommendation import (
    PatientModelIn,
    RecommendationPublic,
    RecommendationRequest,
    WarningPublic,
)

__all__ = ["comparison_warnings", "guard_request", "labelled_doses", "with_label_warnings"]


def guard_request(request: RecommendationRequest) -> RecommendationRequest:
    """The request to answer: default dose options capped at the label maximum, and given
    ones checked (raises InputError naming ``dose_options_mg[i]`` or
    ``interval_options_days.min``)."""
    full = request.with_defaults()
    assert full.dose_options_mg is not None and full.interval_options_days is not None
    min_days = full.interval_options_days.min
    if request.dose_options_mg is None and not request.allow_above_label_max:
        lim = label_limits(request.label)
        kept = [d for d in full.dose_options_mg if not lim.above_max(d, min_days)]
        if kept and len(kept) < len(full.dose_options_mg):
            request = request.model_copy(update={"dose_options_mg": kept})
            full = request.with_defaults()
    doses = full.dose_options_mg or []
    check_request_doses(list(doses), min_days, request.label,
                        allow_above_label_max=request.allow_above_label_max,
                        allow_any_dose=request.allow_any_dose)
    return request


def _ige_iu(model: PatientModelIn) -> float | None:
    iu, ng = model.patient.baseline_ige_iu_per_ml, model.patient.baseline_ige_ng_per_ml
    return iu if iu is not None else (None if ng is None else ng / NG_PER_ML_PER_IU)


def _history(request: RecommendationRequest, out: RecommendationPublic) -> HistoryFacts | None:
    h = request.history
    if h is None or not h.doses:
        return None
    thr = request.threshold_score
    # Deliberately cautious: a day marked symptomatic counts as above the threshold even when
    # its score says otherwise (the fit reads the score; the answer carries an
    # observation_contradiction warning for such a day), so these warnings never rest on the
    # more reassuring of two contradicting records.
    obs = [(o.date.toordinal(), (o.score is not None and o.score > thr) or bool(o.symptomatic))
           for o in h.observations]
    fitted = out.fit is not None and out.fit.status == "fitted"
    half_life = out.model.get("half_life_days") if fitted else None
    evaluation = request.evaluation_date.toordinal() if request.evaluation_date else None
    return history_facts([d.date.toordinal() for d in h.doses], obs, half_life, evaluation)


def _public(warnings: list[AnswerWarning]) -> list[WarningPublic]:
    return [WarningPublic.from_domain(w) for w in warnings]


def with_label_warnings(request: RecommendationRequest,
                        out: RecommendationPublic) -> RecommendationPublic:
    """``out`` with the guardrail warnings appended to its own (none repeated)."""
    defaults = type(request.response)()
    no_scores = not request.is_individual or (out.fit is not None
                                               and out.fit.status == "prior")
    calibrated = (no_scores and not request.is_free_ige
                  and request.response.ec50_mg_per_l == defaults.ec50_mg_per_l
                  and request.response.hill == defaults.hill)
    facts = AnswerFacts(
        label=request.label, indication=request.indication,
        weight_kg=request.patient.weight_kg, age_years=request.patient.age_years,
        baseline_ige_iu_per_ml=_ige_iu(request), dose_mg=out.dose_mg,
        interval_days=out.interval_days, margin_score=out.margin_score,
        threshold_score=out.threshold_score if out.margin_score is not None else None,
        late_dose_tolerance_days=out.late_dose_tolerance_days,
        history=_history(request, out), score_model_from_reference_case=calibrated)
    seen = {w.code for w in out.warnings}
    new = [w for w in _public(answer_warnings(facts)) if w.code not in seen]
    return out.model_copy(update={"warnings": [*out.warnings, *new]})


def comparison_warnings(request: PatientModelIn,
                        schedules: list[tuple[str, float | None, int | None]]
                        ) -> list[WarningPublic]:
    """Patient warnings once, then each schedule's dose warnings (``field`` names it).

    ``schedules``: ``(field, dose_mg, interval_days)``; ``None`` for a dose list's mixed doses
    or irregular intervals (its doses are checked one by one by the comparison itself).
    """
    base = AnswerFacts(label=request.label, indication=request.indication,
                       weight_kg=request.patient.weight_kg, age_years=request.patient.age_years,
                       baseline_ige_iu_per_ml=_ige_iu(request))
    out = answer_warnings(base)
    lim = label_limits(request.label)
    for field, dose, interval in schedules:
        if dose is None:
            continue
        facts = AnswerFacts(label=request.label, indication=None,
                            weight_kg=request.patient.weight_kg, dose_mg=dose,
                            interval_days=interval or lim.longest_interval_days)
        for w in answer_warnings(facts):
            if w.code in ("dose_above_label_max", "dose_not_syringe_sum",
                          "interval_longer_than_label"):
                message = w.message.split("; answered because")[0] + "."
                out.append(AnswerWarning(w.code, f"{field}: {message}", field))
    return _public(out)


def labelled_doses(doses_mg: list[float], label: str, min_interval_days: int) -> list[float]:
    """The doses the label allows: sums of its syringes, within its maximum at the shortest
    interval."""
    lim = label_limits(label)
    return [d for d in doses_mg if syringe_combination(d, lim.syringe_sizes_mg) is not None
            and not lim.above_max(d, min_interval_days)]
