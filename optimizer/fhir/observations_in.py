"""FHIR R4 ``Observation``s of a request bundle: body weight, total IgE, symptom scores.

An Observation with status ``entered-in-error`` or ``cancelled`` is skipped. One with a code
this service does not read is reported (warning ``fhir_observation_not_used``), never guessed.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from optimizer.core.warnings import AnswerWarning
from optimizer.errors import InputError
from optimizer.fhir.codes import (
    BODY_WEIGHT_CODES,
    SYMPTOMATIC_CODE,
    TOTAL_IGE_CODES,
    Code,
)
from optimizer.fhir.resources_in import (
    effective_date,
    effective_element,
    has_code,
    number,
    weight_kg,
)
from optimizer.free_ige.params import NG_PER_ML_PER_IU

__all__ = ["ObservationReader"]

_SKIPPED = frozenset({"entered-in-error", "cancelled"})
#: Units of total IgE read as IU/mL (1 kU/L = 1 IU/mL) and as ng/mL.
_IU_PER_ML = frozenset({"[iu]/ml", "iu/ml", "ku/l", "k[iu]/l"})
_NG_PER_ML = frozenset({"ng/ml"})


@dataclass
class _Day:
    """The score and the yes/no of one date, and the elements they came from."""

    score: float | None = None
    symptomatic: bool | None = None
    elements: dict[str, str] = field(default_factory=dict)


@dataclass
class ObservationReader:
    score_code: Code
    weights: list[tuple[dt.date, float, str]] = field(default_factory=list)
    ige: list[tuple[dt.date, float, str, str]] = field(default_factory=list)
    days: dict[dt.date, _Day] = field(default_factory=dict)
    ignored: list[AnswerWarning] = field(default_factory=list)
    #: Element -> number as written, where a unit was converted (kg, IU/mL).
    written: dict[str, float] = field(default_factory=dict)

    def add(self, r: Any, at: str) -> None:
        """Read one Observation at the bundle path ``at`` (refusals name its elements)."""
        if str(r.status or "") in _SKIPPED:
            return
        if r.code is None:
            raise InputError(f"{at}.code", None, "what was observed (Observation.code, 1..1 in "
                                                 "FHIR R4): body weight, total IgE, the symptom "
                                                 "score or symptomatic (docs/fhir.md)")
        day = effective_date(r, at)
        assert day is not None
        if has_code(r.code, BODY_WEIGHT_CODES):
            kg = weight_kg(r.valueQuantity, f"{at}.valueQuantity")
            self.weights.append((day, kg, f"{at}.valueQuantity.value"))
            self.written[f"{at}.valueQuantity.value"] = number(r.valueQuantity.value)
        elif has_code(r.code, TOTAL_IGE_CODES):
            self._add_ige(r, day, at)
        elif has_code(r.code, [self.score_code]):
            self._add_score(r, day, at)
        elif has_code(r.code, [SYMPTOMATIC_CODE]):
            if r.valueBoolean is None:
                raise InputError(f"{at}.valueBoolean", None, "true or false")
            self._day(day, "symptomatic", r, at).symptomatic = bool(r.valueBoolean)
            self.days[day].elements["symptomatic"] = f"{at}.valueBoolean"
        else:
            text = r.code.text or ", ".join(f"{c.system}|{c.code}" for c in r.code.coding or [])
            self.ignored.append(AnswerWarning(
                code="fhir_observation_not_used",
                message=f"The Observation {text!r} was not used: its code is none of those "
                        "read (docs/fhir.md).", field=f"{at}.code"))

    def _day(self, day: dt.date, what: str, r: Any, at: str) -> _Day:
        entry = self.days.setdefault(day, _Day())
        element = effective_element(r, at)
        if getattr(entry, what) is not None:
            raise InputError(element, day.isoformat(),
                             f"one {what} observation per date ({entry.elements[what]} has "
                             "the same date)")
        entry.elements.setdefault("date", element)
        return entry

    def _add_score(self, r: Any, day: dt.date, at: str) -> None:
        if r.valueInteger is not None:
            value, element = float(r.valueInteger), f"{at}.valueInteger"
        elif r.valueQuantity is not None and r.valueQuantity.value is not None:
            value, element = number(r.valueQuantity.value), f"{at}.valueQuantity.value"
        else:
            raise InputError(f"{at}.valueQuantity", None, "the score 0-10 (valueQuantity or "
                                                          "valueInteger)")
        self._day(day, "score", r, at).score = value
        self.days[day].elements["score"] = element

    def _add_ige(self, r: Any, day: dt.date, at: str) -> None:
        q = r.valueQuantity
        if q is None or q.value is None:
            raise InputError(f"{at}.valueQuantity" if q is None else f"{at}.valueQuantity.value",
                             None, "total IgE with value and unit")
        unit = str(q.code or q.unit or "").strip().lower()
        if unit not in _IU_PER_ML | _NG_PER_ML:
            raise InputError(f"{at}.valueQuantity.unit", q.code or q.unit,
                             "[IU]/mL, IU/mL, kU/L or ng/mL")
        kind = "iu" if unit in _IU_PER_ML else "ng"
        self.ige.append((day, number(q.value), kind, f"{at}.valueQuantity.value"))

    def history_dates(self) -> list[dt.date]:
        return list(self.days)

    def history(self, origins: dict[str, str]) -> list[dict[str, Any]]:
        """``history.observations`` in date order; records each field's element."""
        out: list[dict[str, Any]] = []
        for k, day in enumerate(sorted(self.days)):
            entry = self.days[day]
            item: dict[str, Any] = {"date": day.isoformat()}
            if entry.score is not None:
                item["score"] = entry.score
            if entry.symptomatic is not None:
                item["symptomatic"] = entry.symptomatic
            origins[f"history.observations[{k}]"] = entry.elements["date"].split(
                ".resource.", 1)[0] + ".resource"
            for name, element in entry.elements.items():
                origins[f"history.observations[{k}].{name}"] = element
            out.append(item)
        return out

    def patient_fields(self, evaluation: dt.date | None, first_dose: dt.date | None,
                       origins: dict[str, str]) -> dict[str, Any]:
        """Weight (latest on or before the evaluation date) and baseline IgE (latest on or
        before the first dose), with their elements recorded in ``origins``."""
        weights = [w for w in self.weights if evaluation is None or w[0] <= evaluation]
        if not weights:
            on = f" on or before {evaluation.isoformat()}" if evaluation else ""
            raise InputError("Bundle.entry", None,
                             f"an Observation of body weight (LOINC 29463-7){on}: the model "
                             "scales the volume with weight")
        day, kg, element = max(weights, key=lambda w: w[0])
        _one_value([(d, v, "kg", e) for d, v, e in weights], day, "body weight")
        out: dict[str, Any] = {"weight_kg": kg}
        origins["patient.weight_kg"] = element
        until = first_dose or evaluation
        ige = [g for g in self.ige if until is None or g[0] <= until]
        if ige:
            day, value, kind, element = max(ige, key=lambda g: g[0])
            _one_value([(d, v if k == "iu" else v / NG_PER_ML_PER_IU, "IU/mL", e)
                        for d, v, k, e in ige], day, "total IgE")
            name = f"baseline_ige_{kind}_per_ml"
            out[name] = value
            origins[f"patient.{name}"] = element
        return out


def _one_value(readings: list[tuple[dt.date, float, str, str]], day: dt.date,
               what: str) -> None:
    """Refuse two readings of ``day`` that disagree (in a common unit): the service would
    otherwise pick one of them silently. Names the second and, in the message, the first."""
    same = [r for r in readings if r[0] == day]
    first = same[0]
    for other in same[1:]:
        if not math.isclose(other[1], first[1], rel_tol=1e-6):
            raise InputError(other[3], f"{other[1]:g} {other[2]}",
                             f"one {what} on {day.isoformat()}, the latest date measured: "
                             f"{first[3]} gives {first[1]:g} {first[2]}")
