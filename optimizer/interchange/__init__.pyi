"""The public names of ``optimizer.interchange``: read by type checkers, and at run time by
``lazy_loader``, which imports each name's module when the name is first used."""

from .nonmem import (
    CMT_DOSE,
    CMT_SCORE,
    CMT_SYMPTOMATIC,
    COLUMNS,
    read_nonmem,
    write_nonmem,
)
from .sources import (
    Loaded,
    load_request_from,
    recommend_loaded,
)

__all__ = [
    "CMT_DOSE",
    "CMT_SCORE",
    "CMT_SYMPTOMATIC",
    "COLUMNS",
    "Loaded",
    "load_request_from",
    "read_nonmem",
    "recommend_loaded",
    "write_nonmem",
]
