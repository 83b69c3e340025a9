"""The one date range of the service: every date a request, a history or a plan carries.

Modelling choice: wide enough for every living patient's history and a century of planning,
and far enough from Python's year-9999 limit that no date arithmetic over a horizon overflows.
"""

from __future__ import annotations

from datetime import date

__all__ = ["EARLIEST_DATE", "LATEST_DATE"]

#: First date any input may carry.
EARLIEST_DATE = date(1900, 1, 1)
#: Last date any input may carry.
LATEST_DATE = date(2199, 12, 31)
