"""Data interchange with pharmacometric tools: NONMEM-style datasets in and out, and the
loading of a request from a scenario file plus a FHIR bundle or a dataset (edge package:
it maps files to and from request schemas; docs/fhir.md)."""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
