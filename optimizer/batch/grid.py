"""Scenario batches: expand scenario files (single or ``[grid]``) into checked scenarios.

A file holds ``kind`` and the request's fields at top level (the API's request schema, one
definition). A ``[grid]`` table maps dotted field paths to lists and expands to their product,
the last key varying fastest::

    kind = "recommendation"
    [patient]
    [grid]
    "patient.weight_kg" = [20, 30, 40]
    threshold_score = [1, 2, 3]          # -> 9 scenarios

A grid key may sweep a field the base already sets (``[patient] weight_kg = 30`` beside
``"patient.weight_kg" = [20, 30, 40]``): the grid's values replace the base's in every
scenario, so a grid is written as a base question plus the fields it varies.

Every expanded scenario is validated (schema limits and the cross-field checks of the domain)
before any work starts; the first problem raises :class:`~optimizer.errors.ScenarioError`
naming the file, the key and what is allowed.

Each scenario has a stable id: the first 16 hex digits of the SHA-256 of its canonical JSON
(kind plus the validated request with every default filled in, keys sorted), so the same
question written two ways has one id, and a rerun finds the results it already has.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from optimizer.batch.scenario_files import KINDS, read_toml
from optimizer.errors import InputError, ScenarioError
from optimizer.schemas.validation import house_wording

__all__ = [
    "ID_HEX_DIGITS",
    "MAX_SCENARIOS_PER_FILE",
    "Scenario",
    "batch_id_of",
    "expand_document",
    "expand_file",
    "expand_files",
    "request_model",
    "response_model",
    "scenario_id",
    "service_function",
]

#: Hex digits kept of a scenario's SHA-256 (64 bits: no collision expected below ~10^8).
ID_HEX_DIGITS = 16
#: Largest expansion of one file (modelling choice: a typo such as a 1,000-value list in three
#: grid keys is refused before it fills memory).
MAX_SCENARIOS_PER_FILE = 1_000_000
_RESERVED = ("kind", "description", "grid")


@dataclass(frozen=True)
class Scenario:
    """One checked question: ``request`` is the canonical JSON object of the validated request."""

    id: str
    kind: str
    source: str
    request: dict[str, Any]

    def canonical_json(self) -> str:
        return canonical_json(self.kind, self.request)

    def request_json(self) -> str:
        """The validated request alone, as compact JSON with sorted keys."""
        return json.dumps(self.request, sort_keys=True, separators=(",", ":"))


def canonical_json(kind: str, request: dict[str, Any]) -> str:
    return json.dumps({"kind": kind, "request": request}, sort_keys=True,
                      separators=(",", ":"), allow_nan=False)


def scenario_id(kind: str, request: dict[str, Any]) -> str:
    """Stable id: SHA-256 of the canonical JSON, first :data:`ID_HEX_DIGITS` hex digits."""
    digest = hashlib.sha256(canonical_json(kind, request).encode("utf-8")).hexdigest()
    return digest[:ID_HEX_DIGITS]


def batch_id_of(scenarios: Sequence[Scenario]) -> str:
    """Content id of a whole batch (the ordered scenario ids): the same files, the same id."""
    h = hashlib.sha256()
    for s in scenarios:
        h.update(s.id.encode("ascii") + b"\n")
    return h.hexdigest()[:32]


@dataclass(frozen=True)
class _Kind:
    """How one kind of scenario is read, checked across fields and answered.

    Each part is a function that imports its schema or service when first called, so a batch
    of recommendations never pays for the comparison code.
    """

    request_model: Callable[[], type[BaseModel]]
    cross_check: Callable[[BaseModel], object]
    service: Callable[[], Callable[[Any], BaseModel]]
    response_model: Callable[[], type[BaseModel]]


def _recommendation_model() -> type[BaseModel]:
    from optimizer.schemas.recommendation import RecommendationRequest

    return RecommendationRequest


def _recommendation_check(request: BaseModel) -> object:
    from optimizer.schemas.recommendation import RecommendationRequest
    from optimizer.services.warnings import guard_request
    from optimizer.settings import get_settings

    assert isinstance(request, RecommendationRequest)
    problem = request.to_problem(max_candidates=get_settings().max_candidates)
    guard_request(request)  # the label's refusals (dose above the maximum, no syringe sum)
    return problem


def _recommendation_service() -> Callable[[Any], BaseModel]:
    from optimizer.services.recommendation import recommend

    return recommend


def _recommendation_response() -> type[BaseModel]:
    from optimizer.schemas.recommendation import RecommendationPublic

    return RecommendationPublic


def _comparison_response() -> type[BaseModel]:
    from optimizer.schemas.comparison import ComparisonPublic

    return ComparisonPublic


def _comparison_model() -> type[BaseModel]:
    from optimizer.schemas.comparison import ComparisonRequest

    return ComparisonRequest


def _comparison_check(request: BaseModel) -> object:
    from optimizer.schemas.comparison import ComparisonRequest
    from optimizer.services.comparison import check_comparison

    assert isinstance(request, ComparisonRequest)
    check_comparison(request)  # cross-field rules and every schedule's text
    return None


def _comparison_service() -> Callable[[Any], BaseModel]:
    from optimizer.services.comparison import compare

    return compare


#: Every kind a scenario may have, with its schema, cross-field check and service.
_KINDS: dict[str, _Kind] = {
    "recommendation": _Kind(_recommendation_model, _recommendation_check,
                            _recommendation_service, _recommendation_response),
    "comparison": _Kind(_comparison_model, _comparison_check, _comparison_service,
                        _comparison_response),
}


def _kind(kind: str) -> _Kind:
    try:
        return _KINDS[kind]
    except KeyError:
        raise InputError("kind", kind, " or ".join(f'"{k}"' for k in KINDS)) from None


def request_model(kind: str) -> type[BaseModel]:
    """The request schema of ``kind``; raises InputError for an unknown kind."""
    return _kind(kind).request_model()


def response_model(kind: str) -> type[BaseModel]:
    """The response schema of ``kind``; raises InputError for an unknown kind."""
    return _kind(kind).response_model()


def service_function(kind: str) -> Callable[[Any], BaseModel]:
    """The domain entry point answering one request of ``kind`` (same as the API's)."""
    return _kind(kind).service()


def _set_path(data: dict[str, Any], path: str, value: Any, where: str) -> None:
    parts = path.split(".")
    node = data
    for part in parts[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ScenarioError(where, f'grid."{path}"', path,
                                f"a path through tables; {part!r} holds a value")
        node = child
    node[parts[-1]] = value  # the grid's value replaces the base's, if any


def _grid_axes(grid: Any, where: str) -> list[tuple[str, list[Any]]]:
    if not isinstance(grid, dict):
        raise ScenarioError(where, "grid", grid, 'a table: "dotted.field.path" = [values...]')
    axes: list[tuple[str, list[Any]]] = []
    for key, values in grid.items():
        if not key or any(not p for p in key.split(".")) or key.split(".")[0] in _RESERVED:
            raise ScenarioError(where, f'grid."{key}"', key,
                                "a dotted path of a request field, e.g. patient.weight_kg")
        if not isinstance(values, list) or not values:
            raise ScenarioError(where, f'grid."{key}"', values, "a non-empty list of values")
        axes.append((key, values))
    count = math.prod(len(v) for _, v in axes)
    if count > MAX_SCENARIOS_PER_FILE:
        raise ScenarioError(where, "grid", f"{count} scenarios",
                            f"at most {MAX_SCENARIOS_PER_FILE:,} scenarios per file")
    return axes


def _allowed_keys(model: type[BaseModel], loc: Sequence[Any]) -> str:
    """Field names accepted where an unknown key was found (for a helpful message)."""
    current: Any = model
    for part in loc[:-1]:
        fields = getattr(current, "model_fields", None)
        if fields is None or part not in fields:
            return "a field of the request schema"
        current = fields[part].annotation
    names = sorted(getattr(current, "model_fields", {}))
    return "one of: " + ", ".join(names) if names else "a field of the request schema"


def _error(where: str, exc: ValidationError | InputError, model: type[BaseModel],
           axes: Iterable[str]) -> ScenarioError:
    if isinstance(exc, InputError):
        field, value, allowed = exc.field, exc.value, exc.allowed
    else:
        errors = exc.errors()
        # An unknown key (often a typo) explains the rest, e.g. a "required" for the real name.
        err = next((e for e in errors if e.get("type") == "extra_forbidden"), errors[0])
        loc = list(err.get("loc", ()))
        field = ".".join(str(p) for p in loc) or "(top level)"
        value = err.get("input")
        allowed = house_wording(err)
        if err.get("type") == "extra_forbidden":
            allowed = f"{_allowed_keys(model, loc)} (unknown key)"
    for key in axes:
        if field == key or field.startswith(key + "."):
            field = f'grid."{key}" ({field})' if field != key else f'grid."{key}"'
            break
    return ScenarioError(where, field, value, allowed)


def _check_one(data: dict[str, Any], kind: str, model: type[BaseModel], where: str,
               axes: Sequence[str]) -> Scenario:
    try:
        request = model.model_validate(data)
        _KINDS[kind].cross_check(request)
    except (ValidationError, InputError) as exc:
        if isinstance(exc, ScenarioError):
            raise
        raise _error(where, exc, model, axes) from exc
    # Defaults that depend on other fields (a target's dose and interval options) are filled
    # in, so the same question written two ways has one id.
    with_defaults = getattr(request, "with_defaults", None)
    if callable(with_defaults):
        request = with_defaults()
    dumped = request.model_dump(mode="json")
    return Scenario(id=scenario_id(kind, dumped), kind=kind, source=where, request=dumped)


def expand_document(document: dict[str, Any], where: str) -> list[Scenario]:
    """Expand one parsed scenario document (a file's table, or one inline API item)."""
    if not isinstance(document, dict):
        raise ScenarioError(where, "(top level)", document, "a table of request fields")
    data = dict(document)
    kind = data.pop("kind", "recommendation")
    data.pop("description", None)
    grid = data.pop("grid", None)
    try:
        model = request_model(kind if isinstance(kind, str) else repr(kind))
    except InputError as exc:
        raise ScenarioError(where, "kind", kind, exc.allowed) from exc
    if grid is None:
        return [_check_one(data, kind, model, where, ())]
    axes = _grid_axes(grid, where)
    keys = [k for k, _ in axes]
    out: list[Scenario] = []
    for combo in itertools.product(*(values for _, values in axes)):
        item = copy.deepcopy(data)
        for key, value in zip(keys, combo, strict=True):
            _set_path(item, key, value, where)
        out.append(_check_one(item, kind, model, where, keys))
    return out


def expand_file(path: str | Path) -> list[Scenario]:
    """All scenarios of one TOML file, each validated; raises ScenarioError on the first problem."""
    return expand_document(read_toml(path), str(path))


def expand_files(paths: Iterable[str | Path]) -> list[Scenario]:
    """The scenarios of several files in order, each id once (a repeated question runs once)."""
    seen: set[str] = set()
    out: list[Scenario] = []
    for path in paths:
        for s in expand_file(path):
            if s.id not in seen:
                seen.add(s.id)
                out.append(s)
    return out
