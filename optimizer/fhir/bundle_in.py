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

from optimizer.core.dates import EARLIEST_DATE, LATEST_DATE
from optimizer.core.warnings import AnswerWarning
from optimizer.errors import InputError
from optimizer.fhir.codes import SCORE_CODE, Code
from optimizer.fhir.observations_in import ObservationReader
from optimizer.fhir.parameters_in import read_options
from optimizer.fhir.resources_in import (
    Administered,
    administered_dose_mg,
    is_omalizumab,
    plain_value,
)
from optimizer.schemas.history import calendar_date
from optimizer.schemas.recommendation import RecommendationRequest
from optimizer.schemas.validation import (
    WITHHELD_VALUE,
    describe_error,
    house_wording,
    ordered_errors,
)

__all__ = ["ACCEPTED_RESOURCES", "FhirImport", "MAX_AGE_YEARS", "locate", "read_bundle",
           "relocated"]

#: Resource types a request bundle may hold; anything else is refused (nothing is dropped
#: silently from a patient's record).
ACCEPTED_RESOURCES = ("Patient", "Observation", "MedicationAdministration",
                      "MedicationStatement", "Medication", "Parameters")
_MEDICATION_USE = ("MedicationAdministration", "MedicationStatement")


@dataclass(frozen=True)
class FhirImport:
    """The request read from a bundle, and where each of its fields came from."""

    request: RecommendationRequest
    origins: dict[str, str]
    age_years: int | None = None
    patient_reference: str | None = None
    notes: list[AnswerWarning] = field(default_factory=list)
    #: Element -> number as written, for amounts converted to the request's units.
    written: dict[str, float] = field(default_factory=dict)

    def locate(self, request_field: str) -> str:
        """The bundle element behind a request field (the field itself when none is)."""
        return locate(self.origins, request_field)

    def relocate(self, exc: InputError) -> InputError:
        """``exc`` (about a request field) as an error about the bundle element behind it."""
        return relocated(self.origins, self.written, exc.field, exc.value, exc.allowed)


def relocated(origins: dict[str, str], written: dict[str, float], request_field: str,
              value: Any, allowed: str) -> InputError:
    """An error on a request field placed on its bundle element, with the element's value as
    written when a unit was converted (the converted figure is given in ``allowed``)."""
    element = locate(origins, request_field)
    if element in written and element != request_field:
        as_written = written[element]
        if isinstance(value, (int, float)) and not isinstance(value, bool) \
                and as_written != value:
            allowed = f"{allowed} ({request_field}, read as {value:g} after unit conversion)"
        value = as_written
    return InputError(element, value, allowed)


def locate(origins: dict[str, str], request_field: str) -> str:
    """The element in ``origins`` behind a request field, or the field itself."""
    if request_field in origins:
        return origins[request_field]
    for key in sorted(origins, key=len, reverse=True):
        if request_field.startswith((key + ".", key + "[")):
            return origins[key]
    if request_field.split(".")[0] in ("patient", "history"):
        return request_field   # about the record as a whole, not one of its resources
    for key in origins:   # an error on an option group (target) set by its fields
        if key.startswith((request_field + ".", request_field + "[")):
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
        raise InputError(_bundle_path(tuple(err["loc"])), plain_value(err.get("input")),
                         house_wording(err) if err.get("msg") else "valid FHIR R4") from None
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


@dataclass
class _Entries:
    """What the entries of a bundle say, collected in one pass."""

    medications: dict[str, Any]
    observations: ObservationReader
    origins: dict[str, str] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    doses: list[Administered] = field(default_factory=list)
    patient: tuple[str, Any, str] | None = None   # reference, birth date, element path
    names: dict[str, str] = field(default_factory=dict)   # Parameters name -> element
    subjects: list[tuple[str, str]] = field(default_factory=list)   # element, reference
    patient_refs: set[str] = field(default_factory=set)

    def add(self, i: int, full_url: str | None, r: Any) -> None:
        at, kind = f"Bundle.entry[{i}].resource", r.get_resource_type()
        subject = getattr(r, "subject", None)
        if subject is not None and subject.reference:
            self.subjects.append((f"{at}.subject.reference", str(subject.reference)))
        if kind == "Patient":
            if self.patient is not None:
                raise InputError(at, "a second Patient", "one Patient per bundle")
            self.patient = (full_url or f"Patient/{r.id}", r.birthDate, at)
            self.patient_refs = _references_to(full_url, r.id)
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
                self.doses.append(given)
        elif kind == "Observation":
            self.observations.add(r, at)
        elif kind == "Parameters":
            read_options(r, at, self.origins, self.names, self.options)

    def check_subjects(self) -> None:
        """Every resource is about the bundle's Patient (or, without one, about one and the
        same subject): doses or scores of another person are refused, never mixed in."""
        if not self.subjects:
            return
        known = self.patient_refs or {self.subjects[0][1]}
        who = (f"a reference to the bundle's Patient ({self.patient[2]}: its fullUrl or "
               "Patient/id)" if self.patient is not None and self.patient_refs
               else f"the same subject as {self.subjects[0][0]}")
        for element, ref in self.subjects:
            if ref not in known:   # references may identify a person: never echoed
                raise InputError(element, WITHHELD_VALUE,
                                 f"{who}: a bundle holds one patient's record")

    def request_data(self) -> tuple[dict[str, Any], dt.date | None]:
        """The request's fields (and the evaluation date used to pick the weight)."""
        doses = sorted(self.doses, key=lambda d: d.date)
        dates = [d.date for d in doses] + self.observations.history_dates()
        raw = self.options.get("evaluation_date")
        evaluation = (_date(raw, self.origins["evaluation_date"]) if raw is not None
                      else max(dates) if dates else None)
        if evaluation is None:
            raise InputError("Bundle.entry", None,
                             "a dated omalizumab administration or score Observation, or a "
                             "Parameters entry evaluation_date: the date the question is asked")
        patient = self.observations.patient_fields(evaluation, doses[0].date if doses else None,
                                                   self.origins)
        for k, d in enumerate(doses):
            self.origins[f"history.doses[{k}]"] = d.date_element.split(".resource.")[0] + \
                ".resource"
            self.origins[f"history.doses[{k}].date"] = d.date_element
            self.origins[f"history.doses[{k}].dose_mg"] = d.dose_element
        history = {"doses": [{"date": d.date.isoformat(), "dose_mg": d.dose_mg} for d in doses],
                   "observations": self.observations.history(self.origins)}
        return {**self.options, "patient": patient, "history": history}, evaluation

    def notes(self) -> list[AnswerWarning]:
        return list(self.observations.ignored)

    def written(self) -> dict[str, float]:
        """Element -> number as written, for the amounts converted to the request's units."""
        out = {d.dose_element: d.written for d in self.doses}
        return {**out, **self.observations.written}


def read_bundle(body: Any, *, score_code: Code = SCORE_CODE) -> FhirImport:
    """Read a request bundle (parsed JSON). Raises :class:`InputError` naming the element."""
    bundle = _validate_bundle(body)
    pairs = [(e.fullUrl, e.resource) for e in bundle.entry or []]
    medications = {ref: r.code for url, r in pairs if r.get_resource_type() == "Medication"
                   for ref in (url, f"Medication/{r.id}") if ref}
    entries = _Entries(medications, ObservationReader(score_code))
    for i, (url, r) in enumerate(pairs):
        entries.add(i, url, r)
    entries.check_subjects()
    data, evaluation = entries.request_data()
    patient = entries.patient
    age = None
    if patient is not None and patient[1] is not None:
        age = _age(patient[1], evaluation or dt.date.today(), f"{patient[2]}.birthDate")
        data["patient"] = {**data["patient"], "age_years": float(age)}
        entries.origins["patient.age_years"] = f"{patient[2]}.birthDate"
    written = entries.written()
    try:
        request = RecommendationRequest.model_validate(data)
    except ValidationError as exc:
        err = ordered_errors(exc.errors())[0]
        name, allowed = describe_error(err, drop_root=False)
        raise relocated(entries.origins, written, name, plain_value(err.get("input")),
                        allowed) from None
    return FhirImport(request=request, origins=entries.origins, age_years=age,
                      patient_reference=patient[0] if patient else None,
                      notes=entries.notes(), written=written)


def _references_to(full_url: str | None, resource_id: str | None) -> set[str]:
    """The references that resolve to the Patient: its fullUrl, ``Patient/id`` and, for a
    RESTful fullUrl (``https://ehr.example/fhir/Patient/12``), its relative form."""
    out = {full_url} if full_url else set()
    if resource_id:
        out.add(f"Patient/{resource_id}")
    if full_url and "/Patient/" in full_url and not full_url.startswith("urn:"):
        out.add("Patient/" + full_url.rsplit("/Patient/", 1)[1])
    return out


def _date(value: Any, element: str) -> dt.date:
    """The evaluation date of a Parameters entry, within the service's date range."""
    day = calendar_date(value)
    try:
        out = day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day))
    except ValueError:
        raise InputError(element, value, "an ISO date or date-time") from None
    if not EARLIEST_DATE <= out <= LATEST_DATE:
        raise InputError(element, out.isoformat(), f"a date from {EARLIEST_DATE.isoformat()} "
                                                   f"to {LATEST_DATE.isoformat()}")
    return out


#: Oldest age read from a birth date, years (the request's limit on ``patient.age_years``).
MAX_AGE_YEARS = 120


def _age(birth: Any, on: dt.date, element: str) -> int:
    """Whole years from a birth date (a year alone counts from 1 January, a year and month
    from the 1st) to ``on``. Raises InputError at ``element`` for a birth date before
    :data:`~optimizer.core.dates.EARLIEST_DATE`, after ``on`` (the evaluation date) or more
    than :data:`MAX_AGE_YEARS` before it."""
    if not isinstance(birth, dt.date):
        parts = [int(p) for p in str(birth).split("-")]
        birth = dt.date(parts[0], parts[1] if len(parts) > 1 else 1, 1)
    age = int(on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day)))
    if not EARLIEST_DATE <= birth <= min(on, LATEST_DATE) or age > MAX_AGE_YEARS:
        oldest = max(EARLIEST_DATE, _earliest_birth(on))
        raise InputError(element, birth.isoformat(),
                         f"a date from {oldest.isoformat()} to {on.isoformat()}: not after "
                         f"the evaluation date, at most {MAX_AGE_YEARS} years before it, and "
                         f"within {EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()}")
    return age


def _earliest_birth(day: dt.date) -> dt.date:
    """The earliest birth date whose age on ``day`` is at most :data:`MAX_AGE_YEARS`: the
    day after the same calendar day ``MAX_AGE_YEARS + 1`` years earlier (28 February for a
    29 February)."""
    year = day.year - MAX_AGE_YEARS - 1
    try:
        back = day.replace(year=year)
    except ValueError:
        back = day.replace(year=year, day=28)
    return back + dt.timedelta(days=1)
