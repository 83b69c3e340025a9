"""A FHIR R4 ``Bundle`` as a :class:`~optimizer.schemas.recommendation.RecommendationRequest`.

The bundle is validated by ``fhir.resources`` (its R4B models: FHIR 4.3, whose Patient,
Observation, Medication*, Parameters and Bundle read R4 content unchanged). What is read, with
codes and units, is tabled in ``docs/fhir.md``:

- ``Patient.birthDate`` -> ``patient.age_years``, whole years at the evaluation date (today
  without one): the label guardrails read it (warning ``age_outside_label``);
- body weight ``Observation`` (LOINC 29463-7 or 3141-9), the latest on or before the evaluation
  date -> ``patient.weight_kg`` (kg, g or lb converted);
- ``MedicationAdministration`` / ``MedicationStatement`` of omalizumab -> ``history.doses``;
- symptom-score and "symptomatic" ``Observation``s -> ``history.observations``;
- total IgE (LOINC 19113-0), the latest before the first dose -> ``patient.baseline_ige_*``;
- an optional ``Parameters`` resource -> the question's options (``threshold_score``,
  ``plan.horizon_weeks``, ...), one parameter per field, named by its dotted path.

Any refusal is an :class:`~optimizer.errors.InputError` naming the bundle's element
(``Bundle.entry[3].resource.effectiveDateTime``); :meth:`FhirImport.locate` turns a later
error on a request field back into the element it came from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from optimizer.core.warnings import AnswerWarning
from optimizer.errors import InputError
from optimizer.fhir.codes import SCORE_CODE, Code
from optimizer.fhir.observations_in import ObservationReader
from optimizer.fhir.resources_in import administered_dose_mg, is_omalizumab
from optimizer.schemas.history import calendar_date
from optimizer.schemas.recommendation import RecommendationRequest
from optimizer.schemas.validation import describe_error, ordered_errors

__all__ = ["ACCEPTED_RESOURCES", "FhirImport", "locate", "read_bundle"]

#: Resource types a request bundle may hold; anything else is refused (nothing is dropped
#: silently from a patient's record).
ACCEPTED_RESOURCES = ("Patient", "Observation", "MedicationAdministration",
                      "MedicationStatement", "Medication", "Parameters")
_MEDICATION_USE = ("MedicationAdministration", "MedicationStatement")
#: Request fields a ``Parameters`` resource may not set: the bundle's resources give them.
_FROM_RESOURCES = ("patient", "history")
#: Fields that are lists even when given once.
_LIST_FIELDS = ("dose_options_mg", "plan.clinic_weekdays")


@dataclass(frozen=True)
class FhirImport:
    """The request read from a bundle, and where each of its fields came from."""

    request: RecommendationRequest
    origins: dict[str, str]
    age_years: int | None = None
    patient_reference: str | None = None
    notes: list[AnswerWarning] = field(default_factory=list)

    def locate(self, request_field: str) -> str:
        """The bundle element behind a request field (the field itself when none is)."""
        return locate(self.origins, request_field)

    def relocate(self, exc: InputError) -> InputError:
        return InputError(self.locate(exc.field), exc.value, exc.allowed)


def locate(origins: dict[str, str], request_field: str) -> str:
    """The element in ``origins`` behind a request field, or the field itself."""
    if request_field in origins:
        return origins[request_field]
    for key in sorted(origins, key=len, reverse=True):
        if request_field.startswith((key + ".", key + "[")):
            return origins[key]
    return request_field


def _bundle_path(loc: tuple[Any, ...]) -> str:
    out = "Bundle"
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _validate_bundle(body: Any) -> Any:
    """The library's Bundle, after our own check of each entry's resource type (the library
    fails on an unknown type with a KeyError, not a validation error)."""
    from fhir.resources.R4B.bundle import Bundle

    if not isinstance(body, dict) or body.get("resourceType") != "Bundle":
        found = body.get("resourceType") if isinstance(body, dict) else type(body).__name__
        raise InputError("resourceType", found, '"Bundle" (a FHIR R4 Bundle of the patient\'s '
                                                "resources)")
    entries = body.get("entry") or []
    if not isinstance(entries, list):
        raise InputError("Bundle.entry", type(entries).__name__, "a list of entries")
    for i, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            raise InputError(f"Bundle.entry[{i}].resource", None, "a resource")
        if resource.get("resourceType") not in ACCEPTED_RESOURCES:
            raise InputError(f"Bundle.entry[{i}].resource.resourceType",
                             resource.get("resourceType"), ", ".join(ACCEPTED_RESOURCES))
    try:
        return Bundle.model_validate(body)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise InputError(_bundle_path(tuple(err["loc"])), _plain(err.get("input")),
                         str(err.get("msg", "valid FHIR R4"))) from None
    except (KeyError, TypeError):  # the library's own failure on a nested resource type
        raise InputError(_nested_type_error(entries), "an unknown resourceType",
                         "contained and nested resources with a FHIR R4 resourceType") from None


def _nested_type_error(entries: list[Any]) -> str:
    """The first entry whose nested resources the library cannot type."""
    from fhir.resources.R4B import get_fhir_model_class

    for i, entry in enumerate(entries):
        resource = entry["resource"]
        try:
            get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        except (KeyError, TypeError):
            return f"Bundle.entry[{i}].resource.contained"
        except ValidationError:
            continue
    return "Bundle.entry"


def _plain(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (str, int, float, bool, type(None))):
        return value
    return float(value) if hasattr(value, "as_tuple") else str(value)[:200]


def _medication_concept(resource: Any, at: str, medications: dict[str, Any]) -> Any:
    if resource.medicationCodeableConcept is not None:
        return resource.medicationCodeableConcept
    ref = str(resource.medicationReference.reference or "")
    for contained in resource.contained or []:
        if ref == f"#{contained.id}" and contained.get_resource_type() == "Medication":
            return contained.code
    if ref not in medications:
        raise InputError(f"{at}.medicationReference", ref or None,
                         "a reference to a Medication in this bundle (fullUrl or Medication/id)"
                         " or contained in the resource")
    return medications[ref]


def _options(resource: Any, at: str, origins: dict[str, str]) -> dict[str, Any]:
    """A Parameters resource as request fields: name = dotted field path, value[x] = value."""
    out: dict[str, Any] = {}
    for j, p in enumerate(resource.parameter or []):
        name = str(p.name)
        if name.split(".")[0] in _FROM_RESOURCES:
            raise InputError(f"{at}.parameter[{j}].name", name,
                             "a question option (threshold_score, plan.horizon_weeks, ...): "
                             "patient and history come from the bundle's resources")
        values = [v for k, v in p if k.startswith("value") and not k.endswith("__ext")
                  and v is not None]
        value: Any = _plain(values[0]) if values else {}
        node = out
        *parents, leaf = name.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        if name in _LIST_FIELDS:
            node.setdefault(leaf, []).append(value)
            origins[f"{name}[{len(node[leaf]) - 1}]"] = f"{at}.parameter[{j}]"
        else:
            node[leaf] = value
        origins.setdefault(name, f"{at}.parameter[{j}]")
    return out


@dataclass
class _Entries:
    """What the entries of a bundle say, collected in one pass."""

    medications: dict[str, Any]
    observations: ObservationReader
    origins: dict[str, str] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    doses: list[tuple[dt.date, float, str]] = field(default_factory=list)
    patient: tuple[str, Any, str] | None = None   # reference, birth date, element path

    def add(self, i: int, full_url: str | None, r: Any) -> None:
        at, kind = f"Bundle.entry[{i}].resource", r.get_resource_type()
        if kind == "Patient":
            if self.patient is not None:
                raise InputError(at, "a second Patient", "one Patient per bundle")
            self.patient = (full_url or f"Patient/{r.id}", r.birthDate, at)
        elif kind in _MEDICATION_USE:
            concept = _medication_concept(r, at, self.medications)
            if not is_omalizumab(concept):
                element = ("medicationCodeableConcept" if r.medicationCodeableConcept
                           is not None else "medicationReference")
                raise InputError(f"{at}.{element}", concept.text if concept else None,
                                 "omalizumab: RxNorm 302379 (or a listed clinical drug), ATC "
                                 "R03DX05, SNOMED CT 406443008, or its name in the text "
                                 "(docs/fhir.md); send only omalizumab doses")
            given = administered_dose_mg(r, at)
            if given is not None:
                self.doses.append((*given, at))
        elif kind == "Observation":
            self.observations.add(r, at)
        elif kind == "Parameters":
            self.options.update(_options(r, at, self.origins))

    def request_data(self) -> tuple[dict[str, Any], dt.date | None]:
        """The request's fields (and the evaluation date used to pick the weight)."""
        doses = sorted(self.doses, key=lambda d: d[0])
        dates = [d for d, _, _ in doses] + self.observations.history_dates()
        raw = self.options.get("evaluation_date")
        evaluation = (_date(raw, self.origins["evaluation_date"]) if raw is not None
                      else max(dates) if dates else None)
        patient = self.observations.patient_fields(evaluation, doses[0][0] if doses else None,
                                                   self.origins)
        for k, (_, _, at) in enumerate(doses):
            self.origins[f"history.doses[{k}]"] = at
            self.origins[f"history.doses[{k}].date"] = f"{at}.effectiveDateTime"
        history = {"doses": [{"date": d.isoformat(), "dose_mg": mg} for d, mg, _ in doses],
                   "observations": self.observations.history(self.origins)}
        return {**self.options, "patient": patient, "history": history}, evaluation

    def notes(self) -> list[AnswerWarning]:
        return list(self.observations.ignored)


def read_bundle(body: Any, *, score_code: Code = SCORE_CODE) -> FhirImport:
    """Read a request bundle (parsed JSON). Raises :class:`InputError` naming the element."""
    bundle = _validate_bundle(body)
    pairs = [(e.fullUrl, e.resource) for e in bundle.entry or []]
    medications = {ref: r.code for url, r in pairs if r.get_resource_type() == "Medication"
                   for ref in (url, f"Medication/{r.id}") if ref}
    entries = _Entries(medications, ObservationReader(score_code))
    for i, (url, r) in enumerate(pairs):
        entries.add(i, url, r)
    data, evaluation = entries.request_data()
    patient = entries.patient
    age = _age(patient[1] if patient else None, evaluation or dt.date.today())
    if age is not None and patient is not None:
        data["patient"] = {**data["patient"], "age_years": float(age)}
        entries.origins["patient.age_years"] = f"{patient[2]}.birthDate"
    try:
        request = RecommendationRequest.model_validate(data)
    except ValidationError as exc:
        err = ordered_errors(exc.errors())[0]
        name, allowed = describe_error(err, drop_root=False)
        raise InputError(locate(entries.origins, name), _plain(err.get("input")),
                         allowed) from None
    return FhirImport(request=request, origins=entries.origins, age_years=age,
                      patient_reference=patient[0] if patient else None,
                      notes=entries.notes())


def _date(value: Any, element: str) -> dt.date:
    day = calendar_date(value)
    try:
        return day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day))
    except ValueError:
        raise InputError(element, value, "an ISO date or date-time") from None


def _age(birth: Any, on: dt.date | None) -> int | None:
    """Whole years from a birth date (a year alone counts from 1 January) to ``on``."""
    if on is None or birth is None:
        return None
    if not isinstance(birth, dt.date):
        parts = [int(p) for p in str(birth).split("-")]
        birth = dt.date(parts[0], parts[1] if len(parts) > 1 else 1, 1)
    return int(on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day)))
