"""Figures in words: the one place that turns an answer into labelled, rounded text.

The terminal table, the printable report and the page's server-side rendering all call these
functions, so a probability, a sum of money or a key figure reads the same everywhere.
"""

from __future__ import annotations

import math
from typing import Any

from optimizer.schemas.recommendation import RecommendationPublic, RecommendationRequest

__all__ = ["FIELD_LABELS", "answer_text", "field_label", "format_money", "format_probability",
           "input_pairs", "summary_pairs"]

#: Request fields in words, with their unit: the page's form labels, the report's inputs and
#: the page's error messages all read from here.
FIELD_LABELS: dict[str, tuple[str, str]] = {
    "patient.weight_kg": ("Body weight", "kg"),
    "patient.patient_reference": ("Reference", ""),
    "patient.baseline_ige_iu_per_ml": ("Baseline IgE", "IU/mL"),
    "patient.baseline_ige_ng_per_ml": ("Baseline IgE", "ng/mL"),
    "threshold_score": ("Highest acceptable score", "0–10"),
    "dose_options_mg": ("Allowed doses", "mg"),
    "interval_options_days.min": ("Shortest interval", "days"),
    "interval_options_days.max": ("Longest interval", "days"),
    "interval_options_days.step": ("Interval step", "days"),
    "pk.half_life_days": ("Half-life", "days"),
    "pk.tmax_days": ("Time to peak", "days"),
    "pk.apparent_volume_l_per_kg": ("Apparent volume V/F", "L/kg"),
    "response.baseline_score": ("Untreated score", "0–10"),
    "response.ec50_mg_per_l": ("EC50", "mg/L"),
    "response.hill": ("Hill coefficient", ""),
    "min_probability": ("Probability target", ""),
    "samples": ("Parameter samples", ""),
    "evaluation_date": ("Assessment date", ""),
    "history.doses": ("Dose history", ""),
    "history.observations": ("Symptom scores", ""),
    "plan.horizon_weeks": ("Plan horizon", "weeks"),
    "plan.clinic_weekdays": ("Clinic days", ""),
    "plan.max_step_days": ("Largest lengthening per injection", "days"),
    "plan.min_gap_days": ("Shortest gap between injections", "days"),
    "plan.time_limit_s": ("Plan solver time limit", "s"),
    "target.kind": ("Target", ""),
    "target.max_ng_per_ml": ("Highest acceptable free IgE", "ng/mL"),
    "target.parameter_set": ("Binding-model parameters", ""),
    "target.max_dose_mg": ("Largest dose", "mg"),
    "target.allow_extrapolation": ("Answer outside the dosing tables", ""),
    "target.ige_production": ("IgE production", ""),
}
#: Unit suffixes of field names, for fields without an entry above.
_SUFFIX_UNITS = (("_mg_per_l", "mg/L"), ("_ng_per_ml", "ng/mL"), ("_iu_per_ml", "IU/mL"),
                 ("_l_per_kg", "L/kg"), ("_days", "days"), ("_weeks", "weeks"), ("_mg", "mg"),
                 ("_kg", "kg"), ("_s", "s"))
_TARGET_KINDS = {"score": "symptom score", "free_ige": "free IgE (binding model)"}


def field_label(path: str, *, with_unit: bool = True) -> str:
    """A request field in words: ``"patient.weight_kg" -> "Body weight (kg)"``.

    List positions are dropped (``history.doses[2].dose_mg`` is labelled as
    ``history.doses``); a field without an entry is spelled from its name and unit suffix."""
    bare = ".".join(p.split("[")[0] for p in path.split("."))
    parts = bare.split(".")
    for n in range(len(parts), 0, -1):
        key = ".".join(parts[:n])
        if key in FIELD_LABELS:
            label, unit = FIELD_LABELS[key]
            break
    else:
        label, unit = parts[-1], ""
        for suffix, u in _SUFFIX_UNITS:
            if label.endswith(suffix):
                label, unit = label.removesuffix(suffix), u
                break
        label = label.replace("_", " ").capitalize()
    return f"{label} ({unit})" if with_unit and unit else label



def format_probability(p: float) -> str:
    """A probability in [0, 1] as a whole percentage, rounded down: ``0.963 -> "96 %"``.

    The one rounding rule for a probability anywhere (API figures via
    :func:`optimizer.individual.probability.floor_percent`, explanations, page, report, CLI):
    down, so a figure never overstates the chance of control, and ``0.905`` reads ``90 %``
    everywhere. A value strictly between 0 and 1 % reads ``"< 1 %"``; only an exact 1 reads
    ``"100 %"``. Raises ValueError outside [0, 1] or for NaN.
    """
    if not (0.0 <= p <= 1.0) or math.isnan(p):
        raise ValueError(f"probability: got {p!r}; allowed: a number from 0 to 1")
    if 0.0 < p < 0.01:
        return "< 1 %"
    whole = math.floor(100 * p + 1e-9)   # 1e-9: 0.29 * 100 is 28.999...
    return f"{whole if p == 1.0 else min(whole, 99):d} %"


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


def _number(x: float) -> str:
    return f"{x:g}"


def _with_unit(path: str, text: str) -> str:
    unit = FIELD_LABELS.get(path, ("", ""))[1]
    return f"{text} {unit}" if unit and unit != "0–10" else text


def _flat(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if isinstance(value, dict) and prefix not in ("history",):
        for k, v in value.items():
            _flat(f"{prefix}.{k}" if prefix else k, v, out)
    elif value is not None and value != [] and value != {}:
        out[prefix] = value


def _history_pairs(history: dict[str, Any]) -> list[tuple[str, str]]:
    pairs = []
    doses = history.get("doses") or []
    if doses:
        pairs.append((field_label("history.doses"),
                      "; ".join(f"{d['date']}: {_number(d['dose_mg'])} mg" for d in doses)))
    observations = history.get("observations") or []
    if observations:
        def one(o: dict[str, Any]) -> str:
            if o.get("score") is not None:
                return f"{o['date']}: {_number(o['score'])}"
            return f"{o['date']}: {'symptoms' if o.get('symptomatic') else 'no symptoms'}"

        pairs.append((field_label("history.observations"), "; ".join(map(one, observations))))
    return pairs


def _value_text(path: str, value: Any) -> str:
    if path == "target.kind":
        return _TARGET_KINDS.get(str(value), str(value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        text = ", ".join(_number(v) if isinstance(v, float | int) else str(v) for v in value)
    elif isinstance(value, float | int):
        text = _number(value)
    else:
        text = str(value)
    return _with_unit(path, text)


def input_pairs(request: RecommendationRequest) -> list[tuple[str, str]]:
    """The question as (label, value) rows in words and units, for the report and the page.

    Empty fields are left out, and so are the parameter samples when the answer used none
    (no history, probability target or plan)."""
    flat: dict[str, Any] = {}
    _flat("", request.model_dump(mode="json"), flat)
    if not request.is_individual:
        flat.pop("samples", None)
    pairs: list[tuple[str, str]] = []
    for path, value in flat.items():
        if path == "history":
            pairs += _history_pairs(value)
        elif path == "interval_options_days" and isinstance(value, list):
            pairs.append(("Allowed intervals", _value_text("pk.half_life_days", value)))
        else:
            pairs.append((field_label(path, with_unit=False), _value_text(path, value)))
    return pairs
