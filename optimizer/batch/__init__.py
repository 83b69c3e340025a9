"""Many questions at once: scenario files in, stored results out.

* :mod:`~optimizer.batch.scenario_files` — scenario files (TOML): ``kind`` plus the request's
  fields, validated by the request schema of that kind.
* :mod:`~optimizer.batch.grid` — ``[grid]`` tables expanded into checked scenarios, each with
  a stable id (SHA-256 of its canonical JSON).
* :mod:`~optimizer.batch.runner` — runs the scenarios through the services (local worker
  processes or Dask) and writes the results to :mod:`optimizer.storage`. It is imported by its
  own path: it uses the store, and the store uses this package's scenario record.
* :mod:`~optimizer.batch.export` — result files with a fixed shape: Parquet typed from the
  schemas per kind of batch, UTC timestamps with ``Z``. Imported by its own path.
"""

from optimizer.batch.grid import (
    ID_HEX_DIGITS,
    MAX_SCENARIOS_PER_FILE,
    Scenario,
    batch_id_of,
    expand_document,
    expand_file,
    expand_files,
    request_model,
    scenario_id,
    service_function,
)
from optimizer.batch.scenario_files import (
    KINDS,
    load_recommendation,
    load_request,
    read_toml,
    validation_error,
)

__all__ = [
    "ID_HEX_DIGITS",
    "KINDS",
    "MAX_SCENARIOS_PER_FILE",
    "Scenario",
    "batch_id_of",
    "expand_document",
    "expand_file",
    "expand_files",
    "load_recommendation",
    "load_request",
    "read_toml",
    "request_model",
    "scenario_id",
    "service_function",
    "validation_error",
]
