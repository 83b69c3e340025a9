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

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
