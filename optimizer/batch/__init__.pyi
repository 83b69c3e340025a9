"""The public names of ``optimizer.batch``: read by type checkers, and at run time by
``lazy_loader``, which imports each name's module when the name is first used."""

from .grid import (
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
from .runner import (
    BatchSummary,
    Progress,
    default_workers,
    run_batch,
    run_stored_batch,
)
from .scenario_files import (
    KINDS,
    load_recommendation,
    load_request,
    read_toml,
    validation_error,
)

__all__ = [
    "BatchSummary",
    "ID_HEX_DIGITS",
    "KINDS",
    "MAX_SCENARIOS_PER_FILE",
    "Progress",
    "Scenario",
    "batch_id_of",
    "default_workers",
    "expand_document",
    "expand_file",
    "expand_files",
    "load_recommendation",
    "load_request",
    "read_toml",
    "request_model",
    "run_batch",
    "run_stored_batch",
    "scenario_id",
    "service_function",
    "validation_error",
]
