"""Reading single FHIR R4 resources (as validated by ``fhir.resources``) into our values.

Every refusal is an :class:`~optimizer.errors.InputError` whose field is the element of the
bundle, e.g. ``Bundle.entry[3].resource.effectiveDateTime``; ``at`` is the resource's path
(``Bundle.entry[3].resource``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, NamedTuple

from optimizer.errors import InputError
from optimizer.fhir.codes import OMALIZUMAB_CODES, OMALIZUMAB_NAMES, Code
from optimizer.schemas.history import MASS_UNITS_MG

__all__ = [
    "Administered",
    "administered_dose_mg",
    "codings",
    "effective_date",
    "effective_element",
    "has_code",
    "is_omalizumab",
    "mass_mg",
    "number",
    "plain_value",
    "weight_kg",
]

#: Kilograms per unit of a body weight (UCUM codes and the usual unit texts).
WEIGHT_UNITS_KG: dict[str, float] = {"kg": 1.0, "g": 1e-3, "[lb_av]": 0.45359237,
                                     "lb": 0.45359237, "lbs": 0.45359237}

#: Administration statuses: counted, skipped (the dose was not given), or refused (the amount
#: given is not known: a clinician must enter it). FHIR R4 value sets.
COUNTED = frozenset({"completed"})
SKIPPED = frozenset({"not-done", "entered-in-error", "not-taken"})


def codings(concept: Any) -> list[Code]:
    """The (system, code) pairs of a CodeableConcept (none when it is missing)."""
    if concept is None:
        return []
    return [Code(str(c.system or ""), str(c.code or ""), str(c.display or ""))
            for c in (concept.coding or [])]


def has_code(concept: Any, wanted: tuple[Code, ...] | list[Code]) -> bool:
    pairs = {(w.system, w.code) for w in wanted}
    return any((c.system, c.code) in pairs for c in codings(concept))


def _names_omalizumab(concept: Any) -> bool:
    texts = [str(concept.text or "")] + [c.display for c in codings(concept)]
    return any(name in t.lower() for t in texts for name in OMALIZUMAB_NAMES)


def is_omalizumab(concept: Any) -> bool:
    """Omalizumab by a listed code, or by its name where no listed code is given."""
    return concept is not None and (has_code(concept, OMALIZUMAB_CODES)
                                    or _names_omalizumab(concept))


def plain_value(value: Any) -> Any:
    """A value read by the library as JSON for an error: dates as ISO text, decimals as
    floats, anything else as short text."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (str, int, float, bool, type(None))):
        return value
    return float(value) if hasattr(value, "as_tuple") else str(value)[:200]


def number(value: Any) -> float:
    return float(value) if isinstance(value, (int, float, Decimal)) else float("nan")


def effective_element(resource: Any, at: str) -> str:
    """The element that dates the resource: ``effectiveDateTime``, else
    ``effectivePeriod.start`` when only that is given."""
    period = getattr(resource, "effectivePeriod", None)
    if resource.effectiveDateTime is None and period is not None and period.start is not None:
        return f"{at}.effectivePeriod.start"
    return f"{at}.effectiveDateTime"


def effective_date(resource: Any, at: str, *, required: bool = True) -> dt.date | None:
    """The calendar date of ``effectiveDateTime`` (in its own zone) or of
    ``effectivePeriod.start``; partial dates (year, year-month) are refused."""
    value, element = resource.effectiveDateTime, "effectiveDateTime"
    period = getattr(resource, "effectivePeriod", None)
    if value is None and period is not None:
        value, element = period.start, "effectivePeriod.start"
    if value is None:
        if not required:
            return None
        raise InputError(f"{at}.effectiveDateTime", None,
                         "the date and time of the event (effectiveDateTime, or "
                         "effectivePeriod.start)")
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raise InputError(f"{at}.{element}", str(value),
                     "a full date (YYYY-MM-DD) or date-time; a year or month alone is not "
                     "enough to place a dose or an observation")


def mass_mg(quantity: Any, field: str) -> float:
    """A Quantity of mass in mg (units mg, g, ug, mcg; UCUM code or unit text); ``field`` is
    the Quantity's element, a missing number is named at ``field.value``."""
    if quantity is None:
        raise InputError(field, None, "a quantity with value and unit (mg)")
    if quantity.value is None:
        raise InputError(f"{field}.value", None, "the amount given (a number, with a unit "
                                                 "of mass such as mg)")
    unit = str(quantity.code or quantity.unit or "").strip().lower()
    factor = MASS_UNITS_MG.get(unit)
    if factor is None:
        raise InputError(f"{field}.unit", quantity.code or quantity.unit,
                         f"a unit of mass: {', '.join(MASS_UNITS_MG)}")
    return number(quantity.value) * factor


def weight_kg(quantity: Any, field: str) -> float:
    """A body weight in kg (units kg, g, [lb_av] or lb); a missing number is named at
    ``field.value``."""
    if quantity is None:
        raise InputError(field, None, "valueQuantity with value and unit (kg or [lb_av])")
    if quantity.value is None:
        raise InputError(f"{field}.value", None, "the body weight (a number, with unit kg or "
                                                 "[lb_av])")
    unit = str(quantity.code or quantity.unit or "").strip()
    factor = WEIGHT_UNITS_KG.get(unit, WEIGHT_UNITS_KG.get(unit.lower()))
    if factor is None:
        raise InputError(f"{field}.unit", unit or None,
                         f"a unit of body weight: {', '.join(WEIGHT_UNITS_KG)}")
    return number(quantity.value) * factor


def _status(resource: Any, at: str) -> str:
    status = str(resource.status or "")
    if status not in COUNTED | SKIPPED:
        raise InputError(f"{at}.status", status or None,
                         f"{', '.join(sorted(COUNTED))} (counted) or "
                         f"{', '.join(sorted(SKIPPED))} (skipped): with any other status the "
                         "amount given is not known")
    return status


class Administered(NamedTuple):
    """One dose read from a resource, with the elements its date and amount came from and the
    amount as written (before conversion to mg)."""

    date: dt.date
    dose_mg: float
    date_element: str
    dose_element: str
    written: float


def administered_dose_mg(resource: Any, at: str) -> Administered | None:
    """The dose of a MedicationAdministration or a one-event MedicationStatement; ``None``
    when its status says no dose was given. Refusals name the element (``at`` is the
    resource's path)."""
    if _status(resource, at) in SKIPPED:
        return None
    day = effective_date(resource, at)
    assert day is not None
    if resource.get_resource_type() == "MedicationAdministration":
        dosage = resource.dosage
        if dosage is None:
            raise InputError(f"{at}.dosage.dose", None, "the dose given (dosage.dose, mg)")
        quantity, element = dosage.dose, f"{at}.dosage.dose"
    else:
        quantity, element = _statement_quantity(resource, at)
    return Administered(day, mass_mg(quantity, element), effective_element(resource, at),
                        f"{element}.value", number(quantity.value))


def _statement_quantity(resource: Any, at: str) -> tuple[Any, str]:
    period = resource.effectivePeriod
    if period is not None and period.end is not None and period.end != period.start:
        raise InputError(f"{at}.effectivePeriod", "a period",
                         "one administration per MedicationStatement (effectiveDateTime); "
                         "list a regimen as one statement per injection")
    dosages = resource.dosage or []
    if len(dosages) != 1:
        raise InputError(f"{at}.dosage", f"{len(dosages)} dosages",
                         "exactly one dosage with one doseQuantity (mg)")
    rates = dosages[0].doseAndRate or []
    if len(rates) != 1:
        raise InputError(f"{at}.dosage[0].doseAndRate", f"{len(rates)} entries",
                         "exactly one doseAndRate with a doseQuantity (mg)")
    if rates[0].doseQuantity is None:
        raise InputError(f"{at}.dosage[0].doseAndRate[0].doseQuantity", None,
                         "the dose given (doseQuantity, mg)")
    return rates[0].doseQuantity, f"{at}.dosage[0].doseAndRate[0].doseQuantity"
