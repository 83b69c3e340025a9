"""A recommendation request from a scenario file, a FHIR bundle, a NONMEM-style dataset, or a
scenario file together with one of them.

The scenario file gives the question (threshold, options, plan, evaluation date); the bundle
or dataset gives the patient's weight and history, replacing the scenario's. Without a
scenario file the question keeps the request's defaults (a bundle's ``Parameters`` may set
them). Every refusal names the file and the element, row or field.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import ValidationError

from optimizer.batch.scenario_files import load_recommendation, read_toml, validation_error
from optimizer.core.warnings import AnswerWarning
from optimizer.errors import InputError, ScenarioError
from optimizer.fhir.bundle_in import locate
from optimizer.schemas.recommendation import RecommendationPublic, RecommendationRequest
from optimizer.settings import Settings, get_settings

__all__ = ["Loaded", "load_request_from", "recommend_loaded"]


class Loaded(NamedTuple):
    """A request, the notes its reading left (warnings for the answer), where its fields came
    from (request field -> bundle element) and the data file read (None: a scenario alone)."""

    request: RecommendationRequest
    notes: list[AnswerWarning]
    origins: dict[str, str]
    source: Path | None


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(str(path), "(file)", str(path),
                            f"a readable file ({exc.strerror})") from exc


def _from_fhir(path: Path, score_code: str
               ) -> tuple[dict[str, Any], dict[str, str], list[AnswerWarning]]:
    from optimizer.fhir.bundle_in import read_bundle
    from optimizer.fhir.codes import parse_code

    try:
        body = json.loads(_read_text(path))
    except json.JSONDecodeError as exc:
        raise ScenarioError(str(path), "(syntax)", str(exc), "valid JSON") from None
    try:
        imported = read_bundle(body, score_code=parse_code(score_code))
    except InputError as exc:
        raise ScenarioError(str(path), exc.field, exc.value, exc.allowed) from None
    except ValueError as exc:
        raise ScenarioError(str(path), "DOSEOPT_FHIR_SCORE_CODE", score_code, str(exc)) from None
    return (imported.request.model_dump(mode="json", exclude_unset=True), imported.origins,
            imported.notes)


def _from_nonmem(path: Path, subject_id: int, first_date: dt.date | None,
                 origins: dict[str, str]) -> dict[str, Any]:
    from optimizer.interchange.nonmem import read_nonmem

    try:
        return read_nonmem(_read_text(path), subject_id, first_date=first_date,
                           origins=origins)
    except InputError as exc:
        raise ScenarioError(str(path), exc.field, exc.value, exc.allowed) from None


def load_request_from(scenario: Path | None = None, *, fhir: Path | None = None,
                      nonmem: Path | None = None, subject_id: int | None = None,
                      first_date: dt.date | None = None,
                      score_code: str | None = None) -> Loaded:
    """The request: the scenario's question with the bundle's or dataset's patient data.

    Raises :class:`~optimizer.errors.ScenarioError` naming the file and the element, row or
    field; ``subject_id`` is required with ``nonmem``. ``score_code`` (``system|code``) is
    the FHIR code of the symptom score; default: the setting ``DOSEOPT_FHIR_SCORE_CODE``."""
    if fhir is not None and nonmem is not None:
        raise InputError("--fhir", str(fhir), "either --fhir or --nonmem, not both")
    if fhir is None and nonmem is None:
        if scenario is None:
            raise InputError("FILE", None, "a scenario file, --fhir or --nonmem")
        return Loaded(load_recommendation(scenario), [], {}, None)
    data: dict[str, Any] = {}
    if scenario is not None:
        data = read_toml(scenario)
        data.pop("kind", None)
        data.pop("description", None)
    origins: dict[str, str] = {}
    notes: list[AnswerWarning] = []
    if fhir is not None:
        found, origins, notes = _from_fhir(fhir, score_code or get_settings().fhir_score_code)
        source = fhir
    else:
        if subject_id is None:
            raise InputError("--id", None, "the ID of the subject to read from the dataset")
        assert nonmem is not None
        found, source = _from_nonmem(nonmem, subject_id, first_date, origins), nonmem
    patient = {**data.get("patient", {}), **found.pop("patient", {})}
    data.update(found, patient=patient)
    data.pop("kind", None)
    try:
        request = RecommendationRequest.model_validate(data)
        request.to_problem()
    except ValidationError as exc:
        err = validation_error(source, exc)
        raise ScenarioError(str(source), locate(origins, err.field), err.value,
                            err.allowed) from exc
    except InputError as exc:
        raise ScenarioError(str(source), locate(origins, exc.field), exc.value,
                            exc.allowed) from exc
    return Loaded(request, notes, origins, source)


def recommend_loaded(loaded: Loaded, settings: Settings | None = None) -> RecommendationPublic:
    """The answer to a loaded request, with the reading's notes as warnings; an error on a
    request field names the file and the element or field it came from."""
    from optimizer.services.fhir import recommend_with_notes

    try:
        return recommend_with_notes(loaded.request, loaded.notes, settings)
    except ScenarioError:
        raise
    except InputError as exc:
        if loaded.source is None:
            raise
        raise ScenarioError(str(loaded.source), locate(loaded.origins, exc.field), exc.value,
                            exc.allowed) from None
