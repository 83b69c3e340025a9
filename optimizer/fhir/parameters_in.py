"""The ``Parameters`` resource of a request bundle: the question's options.

Each parameter sets one request field named by its dotted path (``plan.horizon_weeks``) with a
primitive ``value[x]``; list fields (``dose_options_mg``) repeat the name. An option set twice
in a bundle, a name that is no field path, a complex value type or nested ``part``s are
refused at their element (``Bundle.entry[9].resource.parameter[2].name``); docs/fhir.md.
"""

from __future__ import annotations

import re
from typing import Any

from optimizer.errors import InputError
from optimizer.fhir.resources_in import plain_value

__all__ = ["read_options"]

#: Request fields a ``Parameters`` resource may not set: the bundle's resources give them.
_FROM_RESOURCES = ("patient", "history")
#: Fields that are lists even when given once.
_LIST_FIELDS = ("dose_options_mg", "plan.clinic_weekdays")
#: value[x] types a Parameters option may use: the primitive types (an option is a number, a
#: word, a yes/no or a date); a complex type (valueQuantity, valuePeriod, ...) is refused.
_OPTION_VALUES = ("valueBoolean", "valueCode", "valueDate", "valueDateTime", "valueDecimal",
                  "valueId", "valueInteger", "valuePositiveInt", "valueString",
                  "valueUnsignedInt")
#: A dotted option name: field names of the request joined by dots.
_OPTION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


def _value(p: Any, here: str) -> tuple[Any, str | None]:
    """A parameter's value[x] and its element name (``valueDecimal``), or ``({}, None)``
    without one (an option group such as ``plan`` switched on with its defaults)."""
    if p.part or p.resource is not None:
        element = "part" if p.part else "resource"
        raise InputError(f"{here}.{element}", f"a parameter with {element}",
                         "a parameter with a name and one value[x]: options are named by "
                         "their dotted path (plan.horizon_weeks), not nested")
    for key, v in p:
        if key.startswith("value") and not key.endswith("__ext") and v is not None:
            if key not in _OPTION_VALUES:
                raise InputError(f"{here}.{key}", f"a {key.removeprefix('value')}",
                                 f"a value of a primitive type: {', '.join(_OPTION_VALUES)}")
            return plain_value(v), key
    return {}, None


def _clash(name: str, seen: dict[str, str]) -> str | None:
    """The element of an earlier parameter that sets ``name`` too, or a field it lies inside
    (``plan`` and ``plan.horizon_weeks``); list fields may repeat their name."""
    for other, element in seen.items():
        same = other == name and name not in _LIST_FIELDS
        if same or other.startswith(name + ".") or name.startswith(other + "."):
            return element
    return None


def read_options(resource: Any, at: str, origins: dict[str, str], seen: dict[str, str],
             out: dict[str, Any]) -> None:
    """A Parameters resource as request fields: name = dotted field path, value[x] = value.

    ``seen`` holds the names already set in this bundle (name -> element): a name set twice,
    here or in another Parameters resource, is refused naming both elements."""
    for j, p in enumerate(resource.parameter or []):
        name, here = str(p.name), f"{at}.parameter[{j}]"
        if name.split(".")[0] in _FROM_RESOURCES:
            raise InputError(f"{here}.name", name,
                             "a question option (threshold_score, plan.horizon_weeks, ...): "
                             "patient and history come from the bundle's resources")
        first = _clash(name, seen)
        if first is not None:
            raise InputError(here, name, f"each option set once: {first} sets it already "
                                         "(remove one of the two parameters)")
        if not _OPTION_NAME.fullmatch(name):
            raise InputError(f"{here}.name", name,
                             "a request field's dotted path (threshold_score, "
                             "plan.horizon_weeks, ...; docs/fhir.md)")
        value, key = _value(p, here)
        element = f"{here}.{key}" if key else here
        seen.setdefault(name, here)
        node = out
        *parents, leaf = name.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        if name in _LIST_FIELDS:
            node.setdefault(leaf, []).append(value)
            origins[f"{name}[{len(node[leaf]) - 1}]"] = element
            origins.setdefault(name, here)
        else:
            node[leaf] = value
            origins[name] = element
