"""The codes a FHIR bundle is read by, and written with (FHIR R4; docs/fhir.md lists them).

A code is a ``(system, code)`` pair. Omalizumab is recognised by any of :data:`OMALIZUMAB_CODES`
or, failing a code, by a name in :data:`OMALIZUMAB_NAMES` in the concept's text or a coding's
display. The symptom score has no LOINC code, so it sits under this service's own code
system; the code read can be changed with the setting ``DOSEOPT_FHIR_SCORE_CODE``
(``system|code``).
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = [
    "ATC",
    "BODY_WEIGHT_CODES",
    "DOSEOPT_OBSERVATION",
    "DOSEOPT_RECOMMENDATION",
    "DOSEOPT_WARNING",
    "LOINC",
    "OMALIZUMAB_CODES",
    "OMALIZUMAB_NAMES",
    "RXNORM",
    "SCORE_CODE",
    "SNOMED",
    "SUBCUTANEOUS_ROUTE",
    "SYMPTOMATIC_CODE",
    "TOTAL_IGE_CODES",
    "UCUM",
    "Code",
    "parse_code",
]

LOINC = "http://loinc.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ATC = "http://www.whocc.no/atc"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
#: This service's own code systems (URNs: nothing to resolve; they name, they do not point).
DOSEOPT_OBSERVATION = "urn:doseopt:observation"
DOSEOPT_WARNING = "urn:doseopt:warning"
DOSEOPT_RECOMMENDATION = "urn:doseopt:recommendation"


class Code(NamedTuple):
    system: str
    code: str
    display: str = ""


#: Omalizumab. RxNorm: the ingredient and the 150 mg clinical drugs of the NDC-RxNorm
#: crosswalk (RxNav, Xolair packages); ATC R03DX05 (WHO ATC index); SNOMED CT substance and
#: medicinal product (UMLS concept C0966225).
OMALIZUMAB_CODES: tuple[Code, ...] = (
    Code(RXNORM, "302379", "omalizumab"),
    Code(RXNORM, "1657209", "omalizumab 150 MG Injection"),
    Code(RXNORM, "1657212", "Xolair 150 MG Injection"),
    Code(RXNORM, "2058943", "omalizumab 150 MG/ML Prefilled Syringe"),
    Code(ATC, "R03DX05", "omalizumab"),
    Code(SNOMED, "406443008", "Omalizumab (substance)"),
    Code(SNOMED, "406442003", "Omalizumab (product)"),
)
#: Names that identify omalizumab in free text, lower case (INN, brand names).
OMALIZUMAB_NAMES: tuple[str, ...] = ("omalizumab", "xolair", "omlyclo")

#: Body weight: LOINC 29463-7 "Body weight" and 3141-9 "Body weight Measured".
BODY_WEIGHT_CODES: tuple[Code, ...] = (Code(LOINC, "29463-7", "Body weight"),
                                       Code(LOINC, "3141-9", "Body weight Measured"))
#: Total serum IgE: LOINC 19113-0 "IgE [Units/volume] in Serum or Plasma".
TOTAL_IGE_CODES: tuple[Code, ...] = (Code(LOINC, "19113-0",
                                          "IgE [Units/volume] in Serum or Plasma"),)
#: The symptom score (0-10, modified MSAF; valueQuantity or valueInteger): default code.
SCORE_CODE = Code(DOSEOPT_OBSERVATION, "symptom-score", "Symptom score 0-10 (modified MSAF)")
#: "Symptoms above the cut-off" where no score was taken (valueBoolean).
SYMPTOMATIC_CODE = Code(DOSEOPT_OBSERVATION, "symptomatic", "Symptomatic (yes/no)")
#: SNOMED CT 34206005 "Subcutaneous route", written on proposals.
SUBCUTANEOUS_ROUTE = Code(SNOMED, "34206005", "Subcutaneous route")


def parse_code(text: str) -> Code:
    """``"system|code"`` as a :class:`Code` (raises ValueError naming what is expected)."""
    system, sep, code = text.partition("|")
    if not sep or not system.strip() or not code.strip():
        raise ValueError(f"{text!r} is not 'system|code' (e.g. "
                         f"'{SCORE_CODE.system}|{SCORE_CODE.code}')")
    return Code(system.strip(), code.strip())
