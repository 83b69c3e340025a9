"""An answer as a FHIR R4 ``Bundle`` (type ``collection``), validated by ``fhir.resources``:

- the recommendation as a ``MedicationRequest`` with status ``draft`` and intent ``proposal``:
  omalizumab, the dose (``doseQuantity``, mg) and the interval
  (``dosageInstruction.timing.repeat``: ``frequency`` 1 per ``period`` days, ``periodUnit`` d),
  subcutaneous; the explanation as notes;
- each dose of a transition plan as a dated proposal (``timing.event``), grouped with the
  recommendation by ``groupIdentifier``;
- each warning as a ``DetectedIssue`` (code from ``urn:doseopt:warning``, the message and the
  bundle element it concerns as ``detail``); an answer without a controlled interval as a
  ``DetectedIssue`` with code ``no_controlled_interval``.

The audit record id, when stored, is the Bundle's and every proposal's identifier (system
``urn:doseopt:recommendation``). Proposals support, and do not replace, the clinician's
judgement: they are never ``active`` orders.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from optimizer.fhir.codes import (
    DOSEOPT_RECOMMENDATION,
    DOSEOPT_WARNING,
    OMALIZUMAB_CODES,
    SUBCUTANEOUS_ROUTE,
    UCUM,
)
from optimizer.schemas.recommendation import RecommendationPublic

__all__ = ["DECISION_SUPPORT_NOTE", "recommendation_bundle"]

DECISION_SUPPORT_NOTE = ("Model-based proposal: it supports, and does not replace, the "
                         "clinician's judgement.")
#: Omalizumab on proposals: the RxNorm ingredient and the ATC code.
_MEDICATION = {"coding": [{"system": c.system, "code": c.code, "display": c.display}
                          for c in OMALIZUMAB_CODES if c.code in ("302379", "R03DX05")],
               "text": "omalizumab"}
_ROUTE = {"coding": [{"system": SUBCUTANEOUS_ROUTE.system, "code": SUBCUTANEOUS_ROUTE.code,
                      "display": SUBCUTANEOUS_ROUTE.display}]}


def _url(record_id: str | None, name: str) -> str:
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL,
                                        f"{DOSEOPT_RECOMMENDATION}:{record_id}/{name}"))


def _dose(dose_mg: float) -> dict[str, Any]:
    return {"value": dose_mg, "unit": "mg", "system": UCUM, "code": "mg"}


def _proposal(out: RecommendationPublic, subject: dict[str, str], identifiers: list[Any],
              dosage: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "MedicationRequest", "status": "draft", "intent": "proposal",
        "medicationCodeableConcept": _MEDICATION, "subject": subject,
        "dosageInstruction": [{"route": _ROUTE, **dosage}],
        "note": [{"text": n} for n in [*notes, DECISION_SUPPORT_NOTE]]}
    if identifiers:
        resource["identifier"] = identifiers
        resource["groupIdentifier"] = identifiers[0]
    return resource


def _issue(code: str, detail: str, subject: dict[str, str], implicated: str | None,
           identifiers: list[Any]) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "DetectedIssue", "status": "final",
        "code": {"coding": [{"system": DOSEOPT_WARNING, "code": code}], "text": code},
        "detail": detail, "identifier": identifiers}
    if "reference" in subject:
        resource["patient"] = subject
    if implicated is not None:
        resource["implicated"] = [{"reference": implicated}]
    return resource


def _entries(out: RecommendationPublic, subject: dict[str, str],
             locate: Callable[[str], str]) -> list[dict[str, Any]]:
    ids = [] if out.id is None else [{"system": DOSEOPT_RECOMMENDATION, "value": out.id}]
    entries: list[dict[str, Any]] = []
    main: str | None = None
    if out.status == "optimal" and out.interval_days is not None and out.dose_mg is not None:
        main = _url(out.id, "recommendation")
        text = (f"{out.dose_mg:g} mg subcutaneously every {out.interval_days} days")
        dosage = {"text": text, "timing": {"repeat": {"frequency": 1,
                                                      "period": out.interval_days,
                                                      "periodUnit": "d"}},
                  "doseAndRate": [{"doseQuantity": _dose(out.dose_mg)}]}
        entries.append({"fullUrl": main, "resource": _proposal(out, subject, ids, dosage,
                                                               out.explanation)})
    plan = out.plan
    if plan is not None:
        for k, d in enumerate(plan.doses):
            dosage = {"text": f"{d.dose_mg:g} mg on {d.date} ({d.interval_days} days after "
                              "the previous dose)",
                      "timing": {"event": [d.date]},
                      "doseAndRate": [{"doseQuantity": _dose(d.dose_mg)}]}
            note = (f"Transition plan, dose {k + 1} of {len(plan.doses)}, towards every "
                    f"{plan.target_interval_days} days.")
            entries.append({"fullUrl": _url(out.id, f"plan/{k}"),
                            "resource": _proposal(out, subject, ids, dosage, [note])})
    if main is None:
        entries.append({"fullUrl": _url(out.id, "issue/infeasible"), "resource": _issue(
            "no_controlled_interval", " ".join(out.explanation), subject, None, ids)})
    for k, w in enumerate(out.warnings):
        detail = w.message if w.field is None else f"{w.message} (at {locate(w.field)})"
        entries.append({"fullUrl": _url(out.id, f"issue/{k}"),
                        "resource": _issue(w.code, detail, subject, main, ids)})
    return entries


def recommendation_bundle(out: RecommendationPublic, *, patient_reference: str | None = None,
                          locate: Callable[[str], str] | None = None) -> Any:
    """The answer as a validated ``fhir.resources`` R4B ``Bundle`` (raises
    ``pydantic.ValidationError`` only on a bug here: the input is our own answer).

    ``patient_reference`` (the request bundle's Patient fullUrl or ``Patient/id``) becomes
    every proposal's subject; without one the subject is described, not referenced.
    ``locate`` names the request bundle's element behind a warning's request field
    (:meth:`~optimizer.fhir.bundle_in.FhirImport.locate`); without it the field is named."""
    from fhir.resources.R4B.bundle import Bundle

    subject = ({"reference": patient_reference} if patient_reference
               else {"display": "the patient of the request"})
    body: dict[str, Any] = {"resourceType": "Bundle", "type": "collection",
                            "entry": _entries(out, subject, locate or str)}
    if out.id is not None:
        body["identifier"] = {"system": DOSEOPT_RECOMMENDATION, "value": out.id}
    return Bundle.model_validate(body)
