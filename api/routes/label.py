"""POST /v1/label-dose: the labelled dose for a weight and baseline IgE (EU SmPC or US PI)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from optimizer.schemas.label import LabelDosePublic, LabelDoseRequest
from optimizer.services.label import label_dose_public

router = APIRouter(tags=["label"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    422: {"description": "A field is not allowed: names the field, value and limits."}}


@router.post("/v1/label-dose", response_model=LabelDosePublic, responses=_ERRORS)
def create_label_dose(request: LabelDoseRequest) -> LabelDosePublic:
    """The dose and interval the approved dosing table gives this patient ("dose"), or
    "do_not_administer" (a blank cell) or "outside_table" (weight or IgE beyond the table),
    with the document and edition it comes from. CSU: the fixed labelled doses."""
    return label_dose_public(request)
