"""Figures in words: the one place that turns an answer into labelled, rounded text.

The terminal table, the printable report and the page's server-side rendering all call these
functions, so a probability, a sum of money or a key figure reads the same everywhere.
"""

from __future__ import annotations

import math

from optimizer.schemas.recommendation import RecommendationPublic

__all__ = ["answer_text", "format_money", "format_probability", "summary_pairs"]

#: Below this share a probability is written "< 1 %", from 1 minus it "> 99 %" (modelling
#: choice: a share estimated from a few hundred parameter samples is not shown as a certainty).
_EDGE = 0.005


def format_probability(p: float) -> str:
    """A probability in [0, 1] as a whole percentage: ``0.963 -> "96 %"``.

    Halves round up (``0.965 -> "97 %"``). A value strictly between 0 and 0.5 % reads
    ``"< 1 %"`` and one strictly between 99.5 % and 1 reads ``"> 99 %"``, so only an exact 0
    or 1 is written as ``"0 %"`` or ``"100 %"``. Raises ValueError outside [0, 1] or for NaN.
    """
    if not (0.0 <= p <= 1.0) or math.isnan(p):
        raise ValueError(f"probability: got {p!r}; allowed: a number from 0 to 1")
    if 0.0 < p < _EDGE:
        return "< 1 %"
    if 1.0 - _EDGE <= p < 1.0:
        return "> 99 %"
    return f"{math.floor(100 * p + 0.5):d} %"


def format_money(amount: float | None, currency: str = "") -> str:
    """Money to the penny with thousands separators: ``6659.9, "GBP" -> "6,659.90 GBP"``;
    ``None`` -> ``"-"``."""
    if amount is None:
        return "-"
    text = f"{amount:,.2f}"
    return f"{text} {currency}" if currency else text


def answer_text(out: RecommendationPublic) -> str:
    """The answer in one line: the dose and interval, or why there is none."""
    if out.status == "optimal" and out.dose_mg is not None:
        return f"{out.dose_mg:g} mg every {out.interval_days} days"
    if out.free_ige is not None:
        return ("No allowed option keeps free IgE at or below "
                f"{out.free_ige.target_ng_per_ml:g} ng/mL")
    return f"No allowed option keeps the predicted score at or below {out.threshold_score:g}"


def _free_ige_pairs(out: RecommendationPublic) -> list[tuple[str, str]]:
    fi = out.free_ige
    assert fi is not None
    pairs = [("Highest free IgE", f"{fi.max_free_ige_ng_per_ml:.1f} ng/mL (target "
                                  f"{fi.target_ng_per_ml:g} ng/mL)"),
             ("Margin", f"{fi.margin_ng_per_ml:.1f} ng/mL"),
             ("Baseline IgE", f"{fi.baseline_ige_iu_per_ml:g} IU/mL"),
             ("Binding model", f"{fi.parameter_set} ({fi.citation})")]
    if fi.next_longer is not None:
        n = fi.next_longer
        pairs.append(("Why not longer", f"{n.dose_mg:g} mg every {n.interval_days} days: "
                                        f"free IgE {n.max_free_ige_ng_per_ml:.1f} ng/mL"))
    return pairs


def _score_pairs(out: RecommendationPublic) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    if out.max_score is not None and out.margin_score is not None:
        pairs += [("Worst-case score", f"{out.max_score:.2f} (threshold "
                                       f"{out.threshold_score:g})"),
                  ("Margin", f"{out.margin_score:.2f}")]
    n = out.next_longer
    if n is not None and n.max_score is not None:
        pairs.append(("Why not longer", f"{n.dose_mg:g} mg every {n.interval_days} days: "
                                        f"score {n.max_score:.2f}"))
    elif out.status == "optimal":
        pairs.append(("Why not longer", "longest interval allowed by the options"))
    if out.late_dose_tolerance_days is not None:
        pairs.append(("Late-dose tolerance", f"{out.late_dose_tolerance_days:g} days"))
    if out.probability_controlled is not None:
        every = f" (every {out.interval_days} days)" if out.status == "optimal" else ""
        pairs.append(("Probability controlled",
                      format_probability(out.probability_controlled) + every))
    if out.next_longer_probability is not None:
        every = f" (every {n.interval_days} days)" if n is not None else ""
        pairs.append(("Next longer interval",
                      format_probability(out.next_longer_probability) + every))
    if out.threshold_conc_mg_per_l is not None:
        pairs.append(("Threshold concentration", f"{out.threshold_conc_mg_per_l:.1f} mg/L"))
    return pairs


def summary_pairs(out: RecommendationPublic) -> list[tuple[str, str]]:
    """The key figures of an answer as (label, value) rows, in reading order."""
    pairs = _free_ige_pairs(out) if out.free_ige is not None else _score_pairs(out)
    c = out.closest_option
    if out.status != "optimal" and c is not None:
        worst = "" if c.max_score is None else f": score {c.max_score:.2f}"
        pairs.append(("Closest option", f"{c.dose_mg:g} mg every {c.interval_days} days{worst}"))
    pairs.append(("Options considered", f"{out.candidates} ({out.feasible_candidates} "
                                        "meet the target)"))
    return pairs
