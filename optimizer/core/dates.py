"""The one date range of the service (every date a request, a history or a plan carries) and
the one form of a stored time: UTC, written with ``Z``.

Modelling choice: wide enough for every living patient's history and a century of planning,
and far enough from Python's year-9999 limit that no date arithmetic over a horizon overflows.
"""

from __future__ import annotations

import datetime as dt
from datetime import date

__all__ = ["EARLIEST_DATE", "LATEST_DATE", "as_utc", "utc_timestamp"]

#: First date any input may carry.
EARLIEST_DATE = date(1900, 1, 1)
#: Last date any input may carry.
LATEST_DATE = date(2199, 12, 31)


def as_utc(moment: dt.datetime) -> dt.datetime:
    """The same moment as an aware UTC time (pydantic writes it with ``Z``). A naive time is
    taken as UTC: SQLite keeps no offset, and every time this service stores is UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def utc_timestamp(moment: dt.datetime) -> str:
    """``2026-08-10T09:30:00.123456Z``: UTC with ``Z`` (see :func:`as_utc`)."""
    return as_utc(moment).isoformat().replace("+00:00", "Z")
