"""The public names of ``optimizer.fhir``: read by type checkers, and at run time by
``lazy_loader``, which imports each name's module when the name is first used."""

from .bundle_in import (
    ACCEPTED_RESOURCES,
    MAX_AGE_YEARS,
    FhirImport,
    locate,
    read_bundle,
    relocated,
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
from .parameters_in import (
    read_options,
)
from .resources_in import (
    Administered,
    administered_dose_mg,
    codings,
    effective_date,
    effective_element,
    has_code,
    is_omalizumab,
    mass_mg,
    number,
    plain_value,
    weight_kg,
)

__all__ = [
    "ACCEPTED_RESOURCES",
    "ATC",
    "Administered",
    "BODY_WEIGHT_CODES",
    "Code",
    "DECISION_SUPPORT_NOTE",
    "DOSEOPT_OBSERVATION",
    "DOSEOPT_RECOMMENDATION",
    "DOSEOPT_WARNING",
    "FhirImport",
    "LOINC",
    "MAX_AGE_YEARS",
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
    "effective_element",
    "has_code",
    "is_omalizumab",
    "locate",
    "mass_mg",
    "number",
    "parse_code",
    "plain_value",
    "read_bundle",
    "read_options",
    "recommendation_bundle",
    "relocated",
    "weight_kg",
]
