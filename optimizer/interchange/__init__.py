"""Data interchange for the command line: a request from a scenario file plus a FHIR bundle
or a NONMEM-style dataset, and a history written as such a dataset (docs/fhir.md).

* :mod:`~optimizer.interchange.nonmem` — :func:`read_nonmem`, :func:`write_nonmem`: one
  subject's history as CSV rows (ID, TIME, AMT, DV, EVID, MDV, CMT, WT, IGE, DATE) and back.
* :mod:`~optimizer.interchange.sources` — :func:`load_request_from`: the question from a
  scenario file, the patient from a bundle or a dataset; :func:`recommend_loaded` answers it.

It sits between the CLI and the batch layer: it reads scenario files as batches do and calls
the services, and no batch or service imports it.
"""

from optimizer.interchange.nonmem import read_nonmem, write_nonmem
from optimizer.interchange.sources import Loaded, load_request_from, recommend_loaded

__all__ = ["Loaded", "load_request_from", "read_nonmem", "recommend_loaded", "write_nonmem"]
