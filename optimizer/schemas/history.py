"""The patient's own history as the request gives it: dated doses and symptom observations.

Real exports (EHR, FHIR, NONMEM-style datasets) differ from a hand-typed history in ways that
must not cost a clinician a refusal:

- **Several administrations on one date** (300 mg given as two 150 mg injections at one visit)
  are summed into one dose. The answer lists every merge as a ``doses_merged`` warning.
- **Date-times** (``2024-01-01T09:30:00+01:00``) are reduced to the calendar date in the time's
  own zone (the date the clinic wrote down), never converted to UTC first.
- **Mass units**: a dose may be written ``{"dose": 0.3, "unit": "g"}``; it is converted to
  ``dose_mg``. ``dose_mg`` stays the field every answer and stored request uses.
- **A date outside the documented range** (1900-01-01 to 2199-12-31, a typo guard from
  :mod:`optimizer.individual.history`) names the entry as written, e.g.
  ``history.doses[3].date``.

pydantic only; imported by :mod:`optimizer.schemas.recommendation`, which re-exports the classes.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    ModelWrapValidatorHandler,
    PrivateAttr,
    ValidationError,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from optimizer.core.warnings import AnswerWarning
from optimizer.schemas.base import InputModel
from optimizer.schemas.strictness import check_after

__all__ = [
    "MASS_UNITS_MG",
    "CalendarDate",
    "DoseIn",
    "HistoryIn",
    "MergedDose",
    "ObservationIn",
    "calendar_date",
]

#: Milligrams per unit of mass accepted in ``{"dose": ..., "unit": ...}`` (SI; "mcg" and "ug"
#: are the usual ASCII spellings of µg, UCUM writes "ug").
MASS_UNITS_MG: dict[str, float] = {"mg": 1.0, "g": 1000.0, "ug": 1e-3, "µg": 1e-3, "mcg": 1e-3}


def calendar_date(value: Any) -> Any:
    """An ISO date-time (``datetime`` or text with a time) as the calendar date in its own
    zone; anything else unchanged, for pydantic to check as a date."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str) and len(value) > 10 and value[10] in "Tt ":
        try:
            return dt.datetime.fromisoformat(value.strip()).date()
        except ValueError:
            return value  # pydantic names the field and says what a date looks like
    return value


def _not_a_number(value: Any) -> Any:
    """Refuse a number where a date belongs: pydantic would read ``1578268800`` as Unix
    seconds (2020-01-06), a silent reinterpretation of what was probably a typo."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise PydanticCustomError(
            "date_type", "an ISO date (YYYY-MM-DD) or date-time, as text; a number is not "
                         "read as a date")
    return value


def _in_documented_range(value: dt.date) -> dt.date:
    """The service's one date range (:mod:`optimizer.core.dates`), with its error."""
    result: dt.date = check_after(value)
    return result


#: A calendar date: ISO date or ISO date-time (reduced to its date in its own zone).
CalendarDate = Annotated[dt.date, BeforeValidator(calendar_date), BeforeValidator(_not_a_number)]
_HistoryDate = Annotated[CalendarDate, AfterValidator(_in_documented_range)]


#: Highest dose on one date, mg (the same limit as ``dose_mg``; label maximum 600 mg with a wide
#: typo margin, as in :mod:`optimizer.individual.history`).
_MAX_DOSE_MG = 2400.0




class DoseIn(InputModel):
    date: _HistoryDate = Field(
        description="Date the dose was given: ISO date, or ISO date-time (its calendar date in "
                    "its own zone is used). 1900-01-01 to 2199-12-31.")
    dose_mg: float = Field(
        gt=0, le=2400, description='Dose given, mg. Or write {"dose": 0.3, "unit": "g"} '
                                   "(units mg, g, ug, mcg); it is converted to mg.")

    @model_validator(mode="before")
    @classmethod
    def _dose_with_unit(cls, data: Any) -> Any:
        if not isinstance(data, dict) or ("dose" not in data and "unit" not in data):
            return data
        data = dict(data)
        value, unit = data.pop("dose", None), data.pop("unit", "mg")
        if "dose_mg" in data:
            raise _entry_error("dose_mg", data["dose_mg"],
                               "either dose_mg, or dose with unit, not both")
        factor = MASS_UNITS_MG.get(str(unit).strip().lower()) if isinstance(unit, str) else None
        if factor is None:
            raise _entry_error("unit", unit, f"a unit of mass: {', '.join(MASS_UNITS_MG)}")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _entry_error("dose", value, f"a number (the amount in {unit})")
        if not math.isfinite(float(value) * factor):
            raise _entry_error("dose", value, f"a finite number (the amount in {unit})")
        data["dose_mg"] = float(value) * factor
        return data


def _entry_error(element: str, value: Any, allowed: str) -> ValidationError:
    """A validation error placed on one key of a dose entry (``history.doses[3].unit``)."""
    return ValidationError.from_exception_data("DoseIn", [InitErrorDetails(
        type=PydanticCustomError("dose_entry", allowed), loc=(element,), input=value)])


class ObservationIn(InputModel):
    date: _HistoryDate = Field(
        description="Date of the observation: ISO date or date-time (its calendar date in its "
                    "own zone). 1900-01-01 to 2199-12-31.")
    score: float | None = Field(default=None, ge=0, le=10,
                                description="Symptom score 0-10 (modified MSAF), if taken.")
    symptomatic: bool | None = Field(
        default=None, description="Yes/no where no score was taken: symptoms above "
                                  "priors.symptom_cutoff_score.")


@dataclass(frozen=True, slots=True)
class MergedDose:
    """Administrations of one date summed into one dose: where they were and how much."""

    date: dt.date
    indices: tuple[int, ...]
    doses_mg: tuple[float, ...]

    @property
    def total_mg(self) -> float:
        return math.fsum(self.doses_mg)

    def warning(self) -> AnswerWarning:
        first, last = self.indices[0], self.indices[-1]
        parts = " + ".join(f"{d:g} mg" for d in self.doses_mg)
        return AnswerWarning(
            code="doses_merged",
            message=f"{len(self.indices)} administrations on {self.date.isoformat()} "
                    f"(history.doses[{first}] to [{last}]: {parts}) were counted as one dose "
                    f"of {self.total_mg:g} mg.",
            field=f"history.doses[{first}]")


def _error(kind: str, message: str, context: dict[str, Any], index: int, element: str,
           value: Any) -> ValidationError:
    """A validation error placed on ``doses[index].element`` (a plain ValueError in a model
    validator would be placed on the whole history)."""
    return ValidationError.from_exception_data("HistoryIn", [InitErrorDetails(
        type=PydanticCustomError(kind, message, context), loc=("doses", index, element),
        input=value)])


def _check_order(dates: list[dt.date]) -> None:
    for i in range(1, len(dates)):
        if dates[i] < dates[i - 1]:
            raise _error("history_order", "a date on or after history.doses[{prev}].date "
                         "({day}): entries sorted oldest first",
                         {"prev": i - 1, "day": dates[i - 1].isoformat()}, i, "date",
                         dates[i].isoformat())


class HistoryIn(InputModel):
    """Every dose of the last months and the symptom observations, oldest first.

    Doses of one date are summed into one (see :attr:`merged`); ``doses`` holds the result."""

    doses: list[DoseIn] = Field(default_factory=list, max_length=500)
    observations: list[ObservationIn] = Field(default_factory=list, max_length=2000)
    _merged: tuple[MergedDose, ...] = PrivateAttr(default=())

    @model_validator(mode="wrap")
    @classmethod
    def _merge_same_date(cls, data: Any,
                         handler: ModelWrapValidatorHandler[HistoryIn]) -> HistoryIn:
        """Sum the doses of one date (the list must be in date order: an entry out of order
        is named as the user wrote it, before anything is renumbered)."""
        self = handler(data)
        dates = [d.date for d in self.doses]
        _check_order(dates)
        if self._merged or len(set(dates)) == len(dates):
            return self
        groups: dict[dt.date, list[int]] = {}
        for i, d in enumerate(dates):
            groups.setdefault(d, []).append(i)
        doses = []
        for d, idx in groups.items():
            total = math.fsum(self.doses[i].dose_mg for i in idx)
            if total > _MAX_DOSE_MG:
                raise _error("doses_too_large", "at most {limit} mg on one date: "
                             "history.doses[{first}] to [{last}] sum to {total} mg",
                             {"limit": f"{_MAX_DOSE_MG:g}", "first": idx[0], "last": idx[-1],
                              "total": f"{total:g}"}, idx[0], "dose_mg", total)
            doses.append(DoseIn(date=d, dose_mg=total))
        merged = tuple(MergedDose(d, tuple(idx), tuple(self.doses[i].dose_mg for i in idx))
                       for d, idx in groups.items() if len(idx) > 1)
        out = self.model_copy(update={"doses": doses})
        out._merged = merged
        return out

    def source_field(self, name: str) -> str:
        """A field path about the merged ``doses`` (``history.doses[4].date``) as the request
        wrote it: the index of the first administration of that date."""
        head = "history.doses["
        if not self._merged or not name.startswith(head) or "]" not in name:
            return name
        index, rest = name[len(head):].split("]", 1)
        if not index.isdigit():
            return name
        hidden = {i for m in self._merged for i in m.indices[1:]}
        raw = [i for i in range(len(self.doses) + len(hidden)) if i not in hidden]
        k = int(index)
        return f"{head}{raw[k]}]{rest}" if k < len(raw) else name

    @property
    def merged(self) -> tuple[MergedDose, ...]:
        """The dates whose administrations were summed (empty when none were)."""
        return self._merged

    def warnings(self) -> list[AnswerWarning]:
        """One ``doses_merged`` warning per merged date."""
        return [m.warning() for m in self._merged]
