"""pydantic errors in the project's words: the field's dotted path, the value, what is allowed.

Shared by the HTTP API (422 bodies) and scenario files (CLI and batches), so a mistake reads the
same wherever it is made. A key written without its unit (``baseline_ige``, ``weight``) is
answered with the name that carries one.
"""

from __future__ import annotations

import math
import re
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from optimizer.errors import InputError
from optimizer.schemas.free_ige import UNIT_HINTS
from optimizer.schemas.strictness import FREE_TEXT_FIELDS, Refused, shown_text

ModelT = TypeVar("ModelT", bound=BaseModel)

__all__ = ["MAX_CHARS", "WITHHELD_VALUE", "describe_error", "first_input_error",
           "ordered_errors", "shown", "validate"]

_ROOTS = ("body", "query", "path", "header")
#: Most items, characters and levels of a value echoed in an error (modelling choice: enough
#: to recognise the value, small enough that an error is never larger than a page).
MAX_ITEMS = 20
MAX_CHARS = 200
MAX_DEPTH = 3
#: Shown instead of the value of a field that may identify a patient (never echoed).
WITHHELD_VALUE = "(text withheld: it may identify a patient)"


def shown(value: Any, depth: int = 0) -> Any:
    """``value`` as JSON that can always be encoded and is never long: text cut to
    :data:`MAX_CHARS` with unprintable characters escaped, lists and objects to
    :data:`MAX_ITEMS` items and :data:`MAX_DEPTH` levels; NaN and infinities as text; a
    ``patient_reference`` inside an object withheld."""
    if isinstance(value, Refused):
        return value.shown
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, str):
        return shown_text(value, MAX_CHARS)
    if isinstance(value, (int, float, bool, type(None))):
        return value
    if depth >= MAX_DEPTH:
        return "…"
    if isinstance(value, (list, tuple)):
        return [shown(v, depth + 1) for v in value[:MAX_ITEMS]]
    if isinstance(value, dict):
        return {shown_text(str(k), MAX_CHARS):
                WITHHELD_VALUE if k in FREE_TEXT_FIELDS else shown(v, depth + 1)
                for k, v in list(value.items())[:MAX_ITEMS]}
    return shown_text(repr(value), MAX_CHARS)
#: Tags of discriminated unions, which pydantic puts into error paths.
_UNION_TAGS = {"target": ("score", "free_ige")}
#: Member tags of plain unions (``str | DoseListIn``): a type or model name, or a validator's
#: label such as ``function-after[...]``. Field names here are snake_case, never these.
_MEMBER_TAG = re.compile(r"(str|int|float|bool|list|dict|none|[A-Z]\w*|[a-z-]+\[.*\])",
                         re.DOTALL)


def _is_member_tag(part: Any, last: bool, err: Any) -> bool:
    """A union member's tag in ``loc``; the last part of an unknown key is the user's key."""
    if not isinstance(part, str) or (last and err.get("type") == "extra_forbidden"):
        return False
    return _MEMBER_TAG.fullmatch(part) is not None


def describe_error(err: Any, *, drop_root: bool = True) -> tuple[str, str]:
    """``(field, allowed)`` for one pydantic error dict."""
    loc = list(err.get("loc", ()))
    if err.get("type") == "json_invalid":  # loc holds the character position, not a field
        where = loc[-1] if loc and isinstance(loc[-1], int) else "?"
        reason = (err.get("ctx") or {}).get("error", "not valid JSON")
        return "body", f"a JSON document (at character {where}: {reason})"
    if drop_root and loc and loc[0] in _ROOTS:
        loc = loc[1:]
    clean: list[Any] = []
    for i, part in enumerate(loc):
        if clean and clean[-1] in _UNION_TAGS and part in _UNION_TAGS[clean[-1]]:
            continue
        if _is_member_tag(part, i == len(loc) - 1, err):
            continue
        clean.append(part)
    field = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in clean)
    field = field.replace(".[", "[") or "body"
    allowed = house_wording(err)
    if isinstance(err.get("input"), Refused):  # broke a rule of optimizer.schemas.strictness
        allowed = err["input"].allowed
    key = str(clean[-1]) if clean else ""
    parent = str(clean[-2]) if len(clean) > 1 else ""
    if err.get("type") == "extra_forbidden":
        hint = UNIT_HINTS.get(f"{parent}.{key}", UNIT_HINTS.get(key))
        allowed = (f"no field {key!r} here; a quantity is written with its unit: {hint}"
                   if hint else f"no field {key!r} here (unknown field; check the spelling)")
    return field, allowed


#: pydantic's error types in the project's words (what is allowed), filled from the error's
#: context; any other type keeps pydantic's own message.
_WORDING = {
    "missing": "a value (this field is required)",
    "less_than_equal": "at most {le}",
    "less_than": "less than {lt}",
    "greater_than_equal": "at least {ge}",
    "greater_than": "more than {gt}",
    "finite_number": "a finite number",
    "float_type": "a number", "float_parsing": "a number",
    "int_type": "a whole number", "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "int_parsing_size": "a whole number of ordinary size (this one is too large to read)",
    "bool_type": "true or false", "bool_parsing": "true or false",
    "string_type": "text", "list_type": "a list", "dict_type": "an object",
    "model_type": "an object", "model_attributes_type": "an object",
    "date_type": "an ISO date (YYYY-MM-DD)", "date_parsing": "an ISO date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "an ISO date (YYYY-MM-DD)",
    "literal_error": "one of {expected}", "enum": "one of {expected}",
    "union_tag_invalid": "one of {expected_tags}",
    "too_short": "at least {min_length} item(s)", "too_long": "at most {max_length} items",
    "string_too_short": "text of at least {min_length} character(s)",
    "string_too_long": "text of at most {max_length} characters",
}


_PYDANTIC_PHRASES = ("Input should", "Field required", "List should", "String should",
                     "Value should", "Unable to parse", "Tuple should", "Dictionary should",
                     "Object should", "Input tag")


def house_wording(err: Any) -> str:
    """What is allowed, for one pydantic error dict, in the project's words ("at most 300",
    not "Input should be less than or equal to 300"); a validator's own text without
    pydantic's "Value error, " prefix."""
    kind = err.get("type")
    message = str(err.get("msg", "a valid value"))
    template = _WORDING.get(kind) if isinstance(kind, str) else None
    # only pydantic's own texts are reworded: a validator's error of the same type keeps its
    # words (they say more, e.g. that a number is not read as a date)
    if template is not None and message.startswith(_PYDANTIC_PHRASES):
        ctx = {k: _plain(v) for k, v in (err.get("ctx") or {}).items()}
        try:
            return template.format(**ctx)
        except (KeyError, IndexError, ValueError):
            pass
    return message.removeprefix("Value error, ")


def _plain(value: Any) -> Any:
    """A bound as a person writes it: 300, not 300.0."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


def ordered_errors(errors: Any) -> list[Any]:
    """Unknown keys first: one (often a quantity written without its unit) explains the rest,
    such as the "field required" of the name it stands for."""
    return sorted(errors, key=lambda e: e.get("type") != "extra_forbidden")


def first_input_error(exc: ValidationError) -> InputError:
    """The error a user should read first, as an :class:`InputError`."""
    err = ordered_errors(exc.errors())[0]
    field, allowed = describe_error(err, drop_root=False)
    return InputError(field, err.get("input"), allowed)


def validate(model: type[ModelT], data: Any) -> ModelT:
    """``model.model_validate(data)``, failing with :func:`first_input_error`."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise first_input_error(exc) from None
