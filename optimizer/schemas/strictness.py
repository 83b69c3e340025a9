"""Rules every request field obeys, whatever its type (applied by the input base classes).

* **Booleans are not numbers**: ``true`` sent for a number (or inside a list of numbers) is
  refused; pydantic's lax mode would read it as 1.
* **Text is printable**: no NUL or other control characters (tab, newline allowed) and no
  unpaired UTF-16 surrogates (``"\\ud800"``), which no database, log or JSON encoder can store.
* **Digits are ASCII**: ``0-9`` only in text the service parses (schedules such as
  ``"300 mg q4w"``); Python would otherwise read Arabic-Indic or full-width digits as numbers.
  Free text (``patient_reference``) is exempt.
* **One date range for the whole API**: :data:`MIN_DATE` to :data:`MAX_DATE`, wide enough for
  any clinical date and narrow enough that no date arithmetic in a horizon overflows.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
import weakref
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticCustomError

from optimizer.core.dates import EARLIEST_DATE, LATEST_DATE

__all__ = ["FREE_TEXT_FIELDS", "MAX_DATE", "MIN_DATE", "Refused", "check_after", "check_before",
           "shown_text"]

#: Earliest and latest date a request may carry: the service's one range
#: (:mod:`optimizer.core.dates`).
MIN_DATE = EARLIEST_DATE
MAX_DATE = LATEST_DATE
#: Fields whose text is stored, never parsed: other digits than 0-9 are allowed there.
FREE_TEXT_FIELDS = frozenset({"patient_reference"})
_ALLOWED_CONTROLS = frozenset("\t\n\r")
#: Raw value types no rule can refuse (``bool`` is its own type, not ``int``, here).
_NEVER_REFUSED = frozenset({int, float, type(None)})


def _admits_bool(annotation: Any) -> bool:
    if annotation is bool or annotation is Any:
        return True
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return any(isinstance(a, bool) for a in typing.get_args(annotation))
    if origin is typing.Annotated:
        return _admits_bool(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType) or origin is not None:
        return any(_admits_bool(a) for a in typing.get_args(annotation))
    return False


def _bad_text(text: str, free_text: bool) -> str | None:
    for ch in text:
        code = ord(ch)
        if 0xD800 <= code <= 0xDFFF:
            return "text without unpaired surrogate code points"
        if (code < 0x20 or code == 0x7F) and ch not in _ALLOWED_CONTROLS:
            return "text without NUL or other control characters"
        if not free_text and ch.isdigit() and not ch.isascii():
            return "digits 0-9 only (no other scripts' digits)"
    return None


class Refused:
    """Stands in for a raw value a rule refuses, so that the field's own validation fails at
    the field's path; :func:`optimizer.schemas.validation.describe_error` reports ``allowed``
    and shows the value as ``shown``."""

    __slots__ = ("allowed", "shown")

    def __init__(self, shown: str, allowed: str) -> None:
        self.shown = shown
        self.allowed = allowed

    def __repr__(self) -> str:
        return self.shown


def shown_text(text: str, limit: int = 200) -> str:
    """``text`` safe to print, log or encode: control characters, unpaired surrogates and
    non-ASCII digits written as ``\\uXXXX`` escapes; cut to ``limit`` characters with an
    ellipsis and the full length."""
    out = []
    for ch in text[:limit]:
        code = ord(ch)
        if (0xD800 <= code <= 0xDFFF or code < 0x20 or code == 0x7F
                or (ch.isdigit() and not ch.isascii())):
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    tail = f"… ({len(text):,} characters)" if len(text) > limit else ""
    return "".join(out) + tail


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"  # as it was written in JSON
    return shown_text(value) if isinstance(value, str) else repr(value)


def _refusal(value: Any, admits_bool: bool, free_text: bool) -> str | None:
    if isinstance(value, bool):
        return None if admits_bool else "a number or text, not true/false"
    if isinstance(value, str):
        return _bad_text(value, free_text)
    return None


def _scan(value: Any, admits_bool: bool, free_text: bool) -> Any:
    problem = _refusal(value, admits_bool, free_text)
    if problem is not None:
        return Refused(_shown(value), problem)
    if isinstance(value, list) and any(_refusal(v, admits_bool, free_text) for v in value):
        return [_scan(v, admits_bool, free_text) for v in value]
    return value


def check_before(model: type[BaseModel], data: Any) -> Any:
    """The raw input of ``model`` with every value that breaks a rule above replaced by a
    :class:`Refused` marker (the field then fails validation at its own path); keys that are
    not fields are left for ``extra="forbid"`` to report. Nested models check their own."""
    if not isinstance(data, dict):
        return data
    rules = _field_rules(model)
    out: dict[Any, Any] | None = None
    for key, value in data.items():
        if type(value) in _NEVER_REFUSED:
            continue
        rule = rules.get(key) if isinstance(key, str) else None
        if rule is None or isinstance(value, dict):
            continue
        checked = _scan(value, *rule)
        if checked is not value:
            out = dict(data) if out is None else out
            out[key] = checked
    return data if out is None else out


#: Per model class: its fields (as last read) and, per field, (admits a boolean, is free text).
_RULES: weakref.WeakKeyDictionary[type[BaseModel], tuple[object, dict[str, tuple[bool, bool]]]] \
    = weakref.WeakKeyDictionary()


def _field_rules(model: type[BaseModel]) -> dict[str, tuple[bool, bool]]:
    """Per field of ``model``: (admits a boolean, is free text). Read from the class once and
    again only if its fields are rebuilt: walking every annotation on every request was most
    of the cost of validating one."""
    fields = model.model_fields
    known = _RULES.get(model)
    if known is not None and known[0] is fields:
        return known[1]
    rules = {key: (_admits_bool(f.annotation), key in FREE_TEXT_FIELDS)
             for key, f in fields.items()}
    _RULES[model] = (fields, rules)
    return rules


def check_after(value: Any) -> Any:
    """A parsed value: dates (alone or in a list) must lie within the API's date range."""
    if isinstance(value, dt.date):
        _check_date(value)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dt.date):
                _check_date(item)
    return value


def _check_date(day: dt.date) -> None:
    if not MIN_DATE <= day <= MAX_DATE:
        raise PydanticCustomError(
            "date_out_of_range", "a date from {lo} to {hi}",
            {"lo": MIN_DATE.isoformat(), "hi": MAX_DATE.isoformat()})
