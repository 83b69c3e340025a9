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
from typing import Any

from pydantic import ValidationError

from optimizer.batch.scenario_files import load_recommendation, read_toml, validation_error
from optimizer.errors import InputError, ScenarioError
from optimizer.schemas.recommendation import RecommendationRequest
from optimizer.settings import get_settings

__all__ = ["load_request_from"]


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(str(path), "(file)", str(path),
                            f"a readable file ({exc.strerror})") from exc


def _from_fhir(path: Path, score_code: str) -> tuple[dict[str, Any], dict[str, str]]:
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
    return imported.request.model_dump(mode="json", exclude_unset=True), imported.origins


def _from_nonmem(path: Path, subject_id: int, first_date: dt.date | None) -> dict[str, Any]:
    from optimizer.interchange.nonmem import read_nonmem

    try:
        return read_nonmem(_read_text(path), subject_id, first_date=first_date)
    except InputError as exc:
        raise ScenarioError(str(path), exc.field, exc.value, exc.allowed) from None


def load_request_from(scenario: Path | None = None, *, fhir: Path | None = None,
                      nonmem: Path | None = None, subject_id: int | None = None,
                      first_date: dt.date | None = None,
                      score_code: str | None = None) -> RecommendationRequest:
    """The request: the scenario's question with the bundle's or dataset's patient data.

    Raises :class:`~optimizer.errors.ScenarioError` naming the file and the element, row or
    field; ``subject_id`` is required with ``nonmem``. ``score_code`` (``system|code``) is
    the FHIR code of the symptom score; default: the setting ``DOSEOPT_FHIR_SCORE_CODE``."""
    if fhir is not None and nonmem is not None:
        raise InputError("--fhir", str(fhir), "either --fhir or --nonmem, not both")
    if fhir is None and nonmem is None:
        if scenario is None:
            raise InputError("FILE", None, "a scenario file, --fhir or --nonmem")
        return load_recommendation(scenario)
    data: dict[str, Any] = {}
    if scenario is not None:
        data = read_toml(scenario)
        data.pop("kind", None)
        data.pop("description", None)
    origins: dict[str, str] = {}
    if fhir is not None:
        found, origins = _from_fhir(fhir, score_code or get_settings().fhir_score_code)
        source = fhir
    else:
        if subject_id is None:
            raise InputError("--id", None, "the ID of the subject to read from the dataset")
        assert nonmem is not None
        found, source = _from_nonmem(nonmem, subject_id, first_date), nonmem
    patient = {**data.get("patient", {}), **found.pop("patient", {})}
    data.update(found, patient=patient)
    data.pop("kind", None)
    try:
        request = RecommendationRequest.model_validate(data)
        request.to_problem()
    except ValidationError as exc:
        err = validation_error(source, exc)
        raise ScenarioError(str(source), origins.get(err.field, err.field), err.value,
                            err.allowed) from exc
    except InputError as exc:
        raise ScenarioError(str(source), origins.get(exc.field, exc.field), exc.value,
                            exc.allowed) from exc
    return request
