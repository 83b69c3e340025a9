"""FHIR R4 in and out: a request Bundle read into a recommendation request, an answer written
as a Bundle of proposals (``fhir.resources``, pydantic models; an edge package like
``schemas``). Codes and the element-to-field mapping: ``docs/fhir.md``."""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
