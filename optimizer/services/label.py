"""The label look-up, schema in -> schema out: answers ``POST /v1/label-dose`` and
``doseopt label-dose``. The guardrails on every answer live in
:mod:`optimizer.services.warnings`.
"""

from __future__ import annotations

from optimizer.label.limits import label_limits, limits_version, syringe_combination
from optimizer.label.tables import label_dose
from optimizer.schemas.label import LabelDosePublic, LabelDoseRequest, SyringePublic

__all__ = ["label_dose_public"]


def label_dose_public(request: LabelDoseRequest) -> LabelDosePublic:
    """The label's dose for one patient (raises InputError on a bad question)."""
    got = label_dose(request.weight_kg, request.baseline_ige_iu_per_ml, request.label,
                     request.indication)
    combo = None if got.dose_mg is None else syringe_combination(
        got.dose_mg, label_limits(request.label).syringe_sizes_mg)
    return LabelDosePublic(
        status=got.status, dose_mg=got.dose_mg, interval_weeks=got.interval_weeks,
        source=got.source, reason=got.reason, dose_options_mg=list(got.dose_options_mg),
        syringes=[SyringePublic(size_mg=s, count=n) for s, n in sorted((combo or {}).items(),
                                                                        reverse=True)],
        label=request.label, indication=request.indication, data_version=limits_version())
