"""FHIR R4 in and out (``fhir.resources``, pydantic models; an edge package beside
``schemas``): a request Bundle read into a recommendation request, an answer written as a
Bundle of proposals. Codes and the element-to-field mapping: ``docs/fhir.md``.

* :mod:`~optimizer.fhir.codes` — the code lists (omalizumab, LOINC, the score's own code).
* :mod:`~optimizer.fhir.bundle_in` — :func:`read_bundle`: a Bundle as a request, with the
  element behind every field; :mod:`~optimizer.fhir.observations_in` and
  :mod:`~optimizer.fhir.resources_in` read single resources.
* :mod:`~optimizer.fhir.bundle_out` — :func:`recommendation_bundle`: an answer as a Bundle.
"""

from optimizer.fhir.bundle_in import ACCEPTED_RESOURCES, FhirImport, locate, read_bundle
from optimizer.fhir.bundle_out import recommendation_bundle
from optimizer.fhir.codes import Code, parse_code

__all__ = ["ACCEPTED_RESOURCES", "Code", "FhirImport", "locate", "parse_code", "read_bundle",
           "recommendation_bundle"]
