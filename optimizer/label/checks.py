"""Every answer's guardrails, in one place: where it leaves the label, its data or a safe margin.

Two kinds of check:

* :func:`check_request_doses` *refuses* a question (``InputError`` -> HTTP 422) whose dose
  options exceed the label maximum (unless ``allow_above_label_max``) or cannot be made from the
  available syringes (unless ``allow_any_dose``): such doses are then never recommended.
* :func:`answer_warnings` lists :class:`~optimizer.core.warnings.AnswerWarning` values for an
  answer. The codes and thresholds are documented in ``docs/warnings.md``.

Thresholds (each a modelling choice unless a source is named):

* :data:`KNIFE_EDGE_MARGIN_FRACTION` = 0.10: a margin under 10 % of the threshold score is
  within the noise of one symptom score (the fit's score noise is 1 point on 0-10).
* :data:`KNIFE_EDGE_LATE_DAYS` = 3: a clinic appointment commonly moves by a few days.
* :data:`PLAUSIBLE_HALF_LIFE_DAYS` = (17, 40): the label's 26 days times
  ``exp(+/- 1.96 x 0.215)``, the 95 % range of the between-patient spread of ``CL/V`` in the
  population model of Lowe et al. 2009 (Table 3: omega^2 CL 0.162, V 0.0901, covariance 0.103).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from optimizer.core.warnings import AnswerWarning
from optimizer.errors import InputError
from optimizer.label.limits import LabelLimits, label_limits, syringe_combination
from optimizer.label.tables import label_dose

__all__ = [
    "KNIFE_EDGE_LATE_DAYS",
    "KNIFE_EDGE_MARGIN_FRACTION",
    "PLAUSIBLE_HALF_LIFE_DAYS",
    "AnswerFacts",
    "HistoryFacts",
    "answer_warnings",
    "check_request_doses",
    "history_facts",
]

KNIFE_EDGE_MARGIN_FRACTION = 0.10
KNIFE_EDGE_LATE_DAYS = 3.0
_LOG_SD_HALF_LIFE = math.sqrt(0.162 + 0.0901 - 2 * 0.103)
PLAUSIBLE_HALF_LIFE_DAYS = (round(26.0 * math.exp(-1.96 * _LOG_SD_HALF_LIFE)),
                            round(26.0 * math.exp(1.96 * _LOG_SD_HALF_LIFE)))


def check_request_doses(doses_mg: list[float], min_interval_days: int, label: str,
                        *, allow_above_label_max: bool, allow_any_dose: bool) -> None:
    """Refuse dose options the label does not allow.

    Raises:
        InputError: ``dose_options_mg[i]`` above the label's largest dose per injection, or
            given so often (``interval_options_days.min``) that the dose per two weeks exceeds
            it (unless ``allow_above_label_max``); or not a sum of the label's syringe sizes
            (unless ``allow_any_dose``).
    """
    lim = label_limits(label)
    sizes = "/".join(f"{s:g}" for s in lim.syringe_sizes_mg)
    for i, d in enumerate(doses_mg):
        if not allow_any_dose and syringe_combination(d, lim.syringe_sizes_mg) is None:
            raise InputError(f"dose_options_mg[{i}]", d,
                             f"a sum of the {sizes} mg syringes ({lim.label.upper()} label), "
                             "e.g. a multiple of 75 mg; set allow_any_dose = true to ask anyway")
        if allow_above_label_max:
            continue
        if d > lim.max_dose_mg:
            raise InputError(f"dose_options_mg[{i}]", d,
                             f"at most {lim.max_dose_mg:g} mg per injection ({lim.max_dose_source})"
                             "; set allow_above_label_max = true to ask anyway")
        if lim.above_max(d, min_interval_days):
            raise InputError("interval_options_days.min", min_interval_days,
                             f"at least {math.ceil(d * lim.max_dose_per_days / lim.max_dose_mg)} "
                             f"days with dose_options_mg[{i}] = {d:g} mg, or the dose per "
                             f"{lim.max_dose_per_days} days exceeds {lim.max_dose_mg:g} mg "
                             f"({lim.max_dose_source}); set allow_above_label_max = true")


@dataclass(frozen=True)
class HistoryFacts:
    """What a patient's history shows (for the individual answer's checks).

    ``longest_controlled_interval_days``: the longest gap between doses after which no
    recorded observation showed symptoms (``None`` if none is known); ``current_interval_days``:
    the latest gap; ``loss_of_control_recorded``: any observation above the threshold;
    ``days_since_last_record``: from the latest dose or observation to the evaluation date
    (``None`` when no evaluation date was given: it then is the latest record's date).
    """

    longest_controlled_interval_days: int | None
    current_interval_days: int | None
    loss_of_control_recorded: bool
    fitted_half_life_days: float | None
    days_since_last_record: int | None = None


@dataclass(frozen=True)
class AnswerFacts:
    """One answer as the checks see it (units in names; ``None`` = not known / not given)."""

    label: str
    indication: str | None
    weight_kg: float
    age_years: float | None = None
    baseline_ige_iu_per_ml: float | None = None
    dose_mg: float | None = None
    interval_days: int | None = None
    margin_score: float | None = None
    threshold_score: float | None = None
    late_dose_tolerance_days: float | None = None
    history: HistoryFacts | None = None
    score_model_from_reference_case: bool = False


def _patient(f: AnswerFacts, lim: LabelLimits) -> list[AnswerWarning]:
    out: list[AnswerWarning] = []
    ind = lim.indication(f.indication or "asthma")
    name = lim.label.upper()
    if f.indication is not None and ind is None:
        out.append(AnswerWarning(
            "off_label_indication", f"{f.indication} is not a labelled indication of "
            f"omalizumab ({lim.document}): the answer is off-label use.", "indication"))
    ind = ind or lim.indication("asthma")
    assert ind is not None
    if ind.table_based and ind.weight_low_kg is not None and ind.weight_high_kg is not None \
            and not ind.weight_low_kg <= f.weight_kg <= ind.weight_high_kg:
        out.append(AnswerWarning(
            "weight_outside_label", f"Weight {f.weight_kg:g} kg is outside the {name} "
            f"label's {ind.weight_low_kg:g}-{ind.weight_high_kg:g} kg ({ind.source}).",
            "patient.weight_kg"))
    if f.age_years is not None and f.age_years < ind.min_age_years:
        out.append(AnswerWarning(
            "age_outside_label", f"Age {f.age_years:g} years is below the {name} label's "
            f"{ind.min_age_years:g} years for {ind.name} ({ind.source}).", "patient.age_years"))
    if ind.table_based and f.baseline_ige_iu_per_ml is not None \
            and f.indication in (None, "asthma", "nasal_polyps"):
        cell = label_dose(min(max(f.weight_kg, 1.0), 300.0), f.baseline_ige_iu_per_ml,
                          lim.label, "asthma")
        if cell.status != "dose":
            out.append(AnswerWarning(
                "label_does_not_dose", f"The {name} asthma table does not dose this patient "
                f"({cell.reason}).", "patient.baseline_ige_iu_per_ml"))
    return out


def _dose(f: AnswerFacts, lim: LabelLimits) -> list[AnswerWarning]:
    if f.dose_mg is None or f.interval_days is None:
        return []
    out: list[AnswerWarning] = []
    if lim.above_max(f.dose_mg, f.interval_days):
        out.append(AnswerWarning(
            "dose_above_label_max", f"{f.dose_mg:g} mg every {f.interval_days} days is above "
            f"the label maximum ({lim.max_dose_source}); answered because "
            "allow_above_label_max is set.", "dose_options_mg"))
    if syringe_combination(f.dose_mg, lim.syringe_sizes_mg) is None:
        out.append(AnswerWarning(
            "dose_not_syringe_sum", f"{f.dose_mg:g} mg cannot be made from the "
            f"{'/'.join(f'{s:g}' for s in lim.syringe_sizes_mg)} mg syringes; answered because "
            "allow_any_dose is set.", "dose_options_mg"))
    if f.interval_days > lim.longest_interval_days:
        out.append(AnswerWarning(
            "interval_longer_than_label", f"Every {f.interval_days} days is longer than the "
            f"label's longest interval ({lim.longest_interval_days} days; "
            f"{lim.longest_interval_source}): an off-label extension.",
            "interval_options_days.max"))
    return out


def _margin(f: AnswerFacts) -> list[AnswerWarning]:
    out: list[AnswerWarning] = []
    thin_margin = (f.margin_score is not None and f.threshold_score is not None
                   and f.margin_score < KNIFE_EDGE_MARGIN_FRACTION * f.threshold_score)
    thin_late = (f.late_dose_tolerance_days is not None
                 and f.late_dose_tolerance_days < KNIFE_EDGE_LATE_DAYS)
    if f.interval_days is not None and (thin_margin or thin_late):
        bits = []
        if thin_margin:
            bits.append(f"margin {f.margin_score:.2f} points, under "
                        f"{KNIFE_EDGE_MARGIN_FRACTION:.0%} of the threshold")
        if thin_late:
            late = f.late_dose_tolerance_days or 0.0   # not None here (thin_late)
            bits.append(("any delay of the next dose crosses the threshold" if late <= 0
                         else f"a dose {late:g} days late crosses the threshold")
                        + f" (warning limit: {KNIFE_EDGE_LATE_DAYS:g} days)")
        out.append(AnswerWarning(
            "knife_edge", "The answer stands on a thin margin: " + "; ".join(bits) + ". A "
            "shorter interval leaves room for late doses and model error.", "threshold_score"))
    if f.score_model_from_reference_case:
        out.append(AnswerWarning(
            "population_calibration", "No scores were given (no history, or a history "
            "without observations): the symptom model (EC50, Hill "
            "coefficient) is one child's calibration (the reference case) scaled by weight, "
            "an assumption for any other patient. Give this patient's doses and scores.",
            "history"))
    return out


def _history(f: AnswerFacts) -> list[AnswerWarning]:
    h = f.history
    if h is None:
        return []
    out: list[AnswerWarning] = []
    if f.interval_days is not None and (h.longest_controlled_interval_days is None
                                        or f.interval_days > h.longest_controlled_interval_days):
        seen = ("no interval in the history shows control" if
                h.longest_controlled_interval_days is None else
                f"the longest interval the history shows controlled is "
                f"{h.longest_controlled_interval_days} days")
        out.append(AnswerWarning(
            "extrapolated_interval", f"Every {f.interval_days} days goes beyond the patient's "
            f"data ({seen}): the model extrapolates.", "history"))
    low, high = PLAUSIBLE_HALF_LIFE_DAYS
    t = h.fitted_half_life_days
    if t is not None and not low <= t <= high:
        out.append(AnswerWarning(
            "implausible_half_life", f"The fit implies a half-life of {t:.0f} days, outside "
            f"{low}-{high} days plausible for this IgG1 antibody. Scores cannot tell clearance "
            "from sensitivity: a drug level would.", "priors.clearance_factor_log_sd"))
    gap = h.days_since_last_record
    if gap is not None and gap > STALE_HISTORY_DAYS:
        out.append(AnswerWarning(
            "stale_history", f"The latest dose or observation in the history is {gap} days "
            f"before the evaluation date (more than {STALE_HISTORY_DAYS}): the fitted response "
            "describes the patient as they were then. A recent score would show whether it "
            "still holds.", "evaluation_date"))
    if (f.interval_days is not None and h.current_interval_days is not None
            and f.interval_days < h.current_interval_days and not h.loss_of_control_recorded):
        out.append(AnswerWarning(
            "shorter_than_current_interval", f"Every {f.interval_days} days is shorter than "
            f"the current {h.current_interval_days} days, yet no observation records a loss "
            "of control: the shortening comes from the model, not from this patient.",
            "history"))
    return out


def answer_warnings(facts: AnswerFacts) -> list[AnswerWarning]:
    """Every guardrail warning for one answer, in a fixed order (patient, dose, margin,
    history). Raises InputError for an unknown ``facts.label``."""
    lim = label_limits(facts.label)
    return [*_patient(facts, lim), *_dose(facts, lim), *_margin(facts), *_history(facts)]


#: Observations this many days after the first dose on count towards "loss of control" (the
#: loading phase before it is not a loss of control; modelling choice: one 4-weekly interval).
LOADING_DAYS = 28
#: A history whose latest record is more than this many days before the evaluation date is
#: reported as possibly out of date (modelling choice: a year; sensitivity to omalizumab and
#: the disease's activity can change over that time, and a year is 14 half-lives of the drug).
STALE_HISTORY_DAYS = 365
#: A gap between doses is shown controlled by an observation from this many days before the
#: next dose (near the trough) up to a few days after it (modelling choice: one week).
TROUGH_WINDOW_DAYS = 7


def history_facts(dose_days: list[int], observations: list[tuple[int, bool]],
                  fitted_half_life_days: float | None,
                  evaluation_day: int | None = None) -> HistoryFacts:
    """What a history shows: ``dose_days`` sorted (any origin, whole days), ``observations``
    as ``(day, above_threshold)``, ``evaluation_day`` on the same scale when the question gave
    an evaluation date. A gap between two doses counts as controlled when an
    observation lies within :data:`TROUGH_WINDOW_DAYS` before the next dose (or up to 3 days
    after it, before that dose acts) and none from the first dose to there is above the
    threshold; after the last dose, the span to the latest observation counts the same way."""
    days = sorted(dose_days)
    obs = sorted(observations)
    controlled: list[int] = []
    for k, start in enumerate(days):
        end = days[k + 1] if k + 1 < len(days) else None
        inside = [(d, a) for d, a in obs if start < d <= (end + 3 if end is not None else d)]
        if not inside or any(a for _, a in inside):
            continue
        if end is None:
            controlled.append(max(d for d, _ in inside) - start)
        elif any(d >= end - TROUGH_WINDOW_DAYS for d, _ in inside):
            controlled.append(end - start)
    lost = bool(days) and any(a and d >= days[0] + LOADING_DAYS for d, a in obs)
    return HistoryFacts(
        longest_controlled_interval_days=max(controlled) if controlled else None,
        current_interval_days=days[-1] - days[-2] if len(days) > 1 else None,
        loss_of_control_recorded=lost, fitted_half_life_days=fitted_half_life_days,
        days_since_last_record=_since_last(days, obs, evaluation_day))


def _since_last(days: list[int], obs: list[tuple[int, bool]], evaluation_day: int | None
                ) -> int | None:
    latest = max([*days, *(d for d, _ in obs)], default=None)
    return None if evaluation_day is None or latest is None else evaluation_day - latest
