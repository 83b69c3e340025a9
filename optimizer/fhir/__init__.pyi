"""The public names of ``optimizer.fhir``: read by type checkers, and at run time by
``lazy_loader``, which imports each name's module when the name is first used."""

from .bundle_in import (
    ACCEPTED_RESOURCES,
    FhirImport,
    locate,
    read_bundle,
)
from .bundle_out import (
    DECISION_SUPPORT_NOTE,
    recommendation_bundle,
)
from .codes import (
    ATC,
    BODY_WEIGHT_CODES,
    DOSEOPT_OBSERVATION,
    DOSEOPT_RECOMMENDATION,
    DOSEOPT_WARNING,
    LOINC,
    OMALIZUMAB_CODES,
    OMALIZUMAB_NAMES,
    RXNORM,
    SCORE_CODE,
    SNOMED,
    SUBCUTANEOUS_ROUTE,
    SYMPTOMATIC_CODE,
    TOTAL_IGE_CODES,
    UCUM,
    Code,
    parse_code,
)
from .observations_in import (
    ObservationReader,
)
from .resources_in import (
    administered_dose_mg,
    codings,
    effective_date,
    has_code,
    is_omalizumab,
    mass_mg,
    number,
    weight_kg,
)

__all__ = [
    "ACCEPTED_RESOURCES",
    "ATC",
    "BODY_WEIGHT_CODES",
    "Code",
    "DECISION_SUPPORT_NOTE",
    "DOSEOPT_OBSERVATION",
    "DOSEOPT_RECOMMENDATION",
    "DOSEOPT_WARNING",
    "FhirImport",
    "LOINC",
    "OMALIZUMAB_CODES",
    "OMALIZUMAB_NAMES",
    "ObservationReader",
    "RXNORM",
    "SCORE_CODE",
    "SNOMED",
    "SUBCUTANEOUS_ROUTE",
    "SYMPTOMATIC_CODE",
    "TOTAL_IGE_CODES",
    "UCUM",
    "administered_dose_mg",
    "codings",
    "effective_date",
    "has_code",
    "is_omalizumab",
    "locate",
    "mass_mg",
    "number",
    "parse_code",
    "read_bundle",
    "recommendation_bundle",
    "weight_kg",
]
