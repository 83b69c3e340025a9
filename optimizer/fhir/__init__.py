"""FHIR R4 in and out: a request Bundle read into a recommendation request, an answer written
as a Bundle of proposals (``fhir.resources``, pydantic models; an edge package like
``schemas``). Codes and the element-to-field mapping: ``docs/fhir.md``."""
