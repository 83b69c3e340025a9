"""Words of an individual answer in one frame: when the interval was chosen by probability,
"why not longer" and the late- and missed-dose tolerances are stated as probabilities, with
the point-estimate figures beside them and labelled so; otherwise the point estimate speaks and
the probability of control is stated beside it. One rounding rule for probabilities
(:func:`optimizer.services.format.format_probability`). Also the answer's warnings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from optimizer.core.warnings import AnswerWarning
from optimizer.individual.fit import FitResult
from optimizer.individual.missed import MissedDoseAdvice
from optimizer.individual.probability import ChanceRecommendation
from optimizer.services.format import format_probability

__all__ = ["LOW_PROBABILITY", "Frame", "explain_individual", "individual_warnings",
           "low_probability_warning", "missed_advice"]

#: Below this probability of control the answer carries a warning (the issue's "fewer than
#: half of plausible patients").
LOW_PROBABILITY = 0.5


@dataclass(frozen=True)
class Frame:
    """``min_probability`` when the answer was chosen by probability, with the tolerances at
    that probability (days; None outside the probability frame)."""

    min_probability: float | None
    late_days: float | None
    missed_late_days: float | None


def _who(fit: FitResult) -> str:
    return ("the fitted point estimate (MAP)" if fit.status == "fitted"
            else "the population's typical patient (prior median)")


def explain_individual(chance: ChanceRecommendation, fit: FitResult, thr: float, frame: Frame,
                       fields: dict[str, object], point_late: object) -> list[str]:
    """Sentences for the clinician, in the answer's frame."""
    out = [fit.message]
    n = chance.samples
    if chance.interval_days is None:
        iv, dose, p = chance.best_option
        asked = ("" if frame.min_probability is None
                 else f" with probability {format_probability(frame.min_probability)}")
        return [*out, f"No allowed dose and interval keeps the predicted score at or below "
                      f"{thr:g}{asked}. Closest option: {dose:g} mg every {iv} days, "
                      f"controlled in {format_probability(p)} of {n} plausible parameter sets."]
    p = chance.probability or 0.0
    nl, nl_p = chance.next_longer_interval_days, chance.next_longer_probability
    nl_score = getattr(fields.get("next_longer"), "max_score", None)
    if frame.min_probability is not None:
        out.append(f"{chance.dose_mg:g} mg every {chance.interval_days} days keeps the "
                   f"predicted score at or below {thr:g} for the whole steady-state cycle in "
                   f"{format_probability(p)} of {n} plausible parameter sets (asked: at least "
                   f"{format_probability(frame.min_probability)}).")
        if nl is not None and nl_p is not None:
            beside = "" if nl_score is None else \
                f" (point estimate: worst score {nl_score:.2f})"
            out.append(f"Why not longer: every {nl} days: controlled in "
                       f"{format_probability(nl_p)}{beside}.")
        if frame.late_days is not None:
            out.append(f"At steady state the next dose may be up to {frame.late_days:g} days "
                       "late with probability at least "
                       f"{format_probability(frame.min_probability)} "
                       f"(point estimate: {point_late} days).")
        return out
    out.append(f"{chance.dose_mg:g} mg every {chance.interval_days} days keeps the predicted "
               f"score at or below {thr:g} for the whole steady-state cycle at {_who(fit)}; "
               f"across {n} plausible parameter sets it is controlled in {format_probability(p)}. "
               "No probability target was asked (min_probability).")
    if nl is not None and nl_score is not None:
        tail = "" if nl_p is None else f"; controlled in {format_probability(nl_p)} of the samples"
        out.append(f"Why not longer: at the point estimate every {nl} days would reach a "
                   f"score of {nl_score:.2f}, above the threshold{tail}.")
    if point_late is not None:
        out.append(f"At steady state the next dose may be up to {point_late} days late at the "
                   "point estimate before the predicted score crosses the threshold.")
    return out


def missed_advice(m: MissedDoseAdvice, iso: Callable[[float | None], str | None],
                  frame: Frame) -> list[str]:
    """The missed-dose box's sentences (tolerance by probability in the probability frame)."""
    advice = [f"With no further dose, symptoms are predicted (point estimate) to return around "
              f"{iso(m.symptoms_return_day)}."]
    tol = m.late_dose_tolerance_days
    schedule = f"on the current {m.regular_interval_days}-day schedule"
    if frame.min_probability is not None and frame.missed_late_days is not None:
        p = format_probability(frame.min_probability)
        late = frame.missed_late_days
        advice.append(
            f"The next dose (due {iso(m.next_due_day)}, {schedule}) may be up to {late:g} "
            f"days late with probability at least {p} (point estimate: {tol:g} days)."
            if late >= 0 else
            f"With probability {p}, symptoms may return up to {-late:g} days before the next "
            f"dose is due ({iso(m.next_due_day)}, {schedule}; point estimate: {tol:g} days).")
    else:
        advice.append(f"The next dose (due {iso(m.next_due_day)}, {schedule}) may be up to "
                      f"{tol:g} days late at the point estimate before the predicted score "
                      "crosses the threshold." if tol >= 0 else
                      f"Symptoms are predicted {-tol:g} days before the next dose is due "
                      f"({schedule}): that interval is too long for this patient's fitted "
                      "model.")
    for due, back in m.past_missed:
        advice.append(f"A dose due {iso(due)} was missed; the model places the return of "
                      f"symptoms around {iso(back)}." if back is not None else
                      f"A dose due {iso(due)} was missed; a recorded score of 0 shows "
                      "symptoms did not return.")
    if m.best_catch_up is not None:
        b = m.best_catch_up
        advice.append(f"Catch-up: {b.dose_mg:g} mg on {iso(m.catch_up_day)}, score predicted "
                      f"back at or below the threshold by {iso(b.recovery_day)}.")
    return advice


def low_probability_warning(p: float | None, who: str) -> AnswerWarning | None:
    """``low_probability_of_control`` when ``p`` is below :data:`LOW_PROBABILITY`."""
    if p is None or p >= LOW_PROBABILITY:
        return None
    return AnswerWarning(
        "low_probability_of_control",
        f"The recommended option keeps the score down in only {format_probability(p)} of {who}: "
        "more likely than not it will not. Consider a shorter interval, a probability target "
        "(min_probability) or a checkpoint score before relying on it.", "min_probability")


def individual_warnings(fit: FitResult, p: float | None) -> list[AnswerWarning]:
    """The individual answer's own warnings: the sampler's diagnostics and a low probability
    of control (codes in docs/warnings.md). The label, margin and history warnings, shortening
    without recorded loss of control among them, come from :mod:`optimizer.services.warnings`
    like every answer's."""
    out: list[AnswerWarning] = []
    d = fit.diagnostics
    if not d.converged:
        k = "n/a" if d.pareto_k is None else f"{d.pareto_k:.2f}"
        out.append(AnswerWarning(
            "sampler_not_converged",
            f"The posterior sampler's diagnostics failed (Pareto k {k}, "
            f"{d.effective_sample_size:.0f} effective draws): the probabilities and intervals "
            "are less certain than their figures suggest.", "history"))
    low = low_probability_warning(p, "plausible parameter sets for this patient")
    if low is not None:
        out.append(low)
    return out
