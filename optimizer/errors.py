"""Errors raised by the optimizer.

Every error a user can cause has a class and a message that says what to change::

    DoseOptError                 base of everything raised on purpose here
    ├── InputError               a value the user supplied is not allowed
    │                            (carries ``field``, ``value`` and ``allowed``)
    │   └── ScenarioError        a scenario file is unreadable or has a bad key
    │                            (adds ``path``)
    ├── SolverError              the solver ended in a state we do not accept
    │                            (not the user's fault; carries the raw status)
    └── StoreError               the database cannot be read or written
                                 (carries the database URL, password hidden, and the cause)

An *infeasible* question (no allowed dose and interval keeps the score down) is
not an error: it is answered with ``Status.INFEASIBLE`` and the closest option.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["DoseOptError", "InputError", "ScenarioError", "SolverError", "StoreError"]


class DoseOptError(Exception):
    """Base class of every error this package raises on purpose."""


class InputError(DoseOptError, ValueError):
    """A user-supplied value is not allowed.

    ``field`` is the dotted path of the offending field as the user wrote it
    (``patient.weight_kg``), ``value`` the value received and ``allowed`` a short
    statement of what would be accepted.
    """

    def __init__(self, field: str, value: Any, allowed: str) -> None:
        self.field = field
        self.value = value
        self.allowed = allowed
        super().__init__(f"{field}: got {value!r}; allowed: {allowed}")

    def as_dict(self) -> dict[str, Any]:
        value = self.value
        if not isinstance(value, (int, float, str, bool, type(None), list, dict)) or (
                isinstance(value, float) and not math.isfinite(value)):
            value = repr(value)  # NaN and infinities are not JSON either
        return {"field": self.field, "value": value, "allowed": self.allowed,
                "message": str(self)}


class ScenarioError(InputError):
    """A scenario file cannot be used: names the file, the key and what is allowed."""

    def __init__(self, path: str, field: str, value: Any, allowed: str) -> None:
        self.path = path
        super().__init__(field, value, allowed)
        self.args = (f"{path}: {field}: got {value!r}; allowed: {allowed}",)

    def __str__(self) -> str:
        return str(self.args[0])

    def as_dict(self) -> dict[str, Any]:
        out = super().as_dict()
        out["path"] = self.path
        return out


class SolverError(DoseOptError, RuntimeError):
    """The solver ended with a status that is not accepted as an answer."""

    def __init__(self, message: str, raw_status: str = "") -> None:
        self.raw_status = raw_status
        super().__init__(message)


class StoreError(DoseOptError, RuntimeError):
    """The database cannot be read or written (read-only file, lock held too long, server
    gone). Carries ``database`` (the URL, password hidden) and ``cause`` (the driver's words)."""

    def __init__(self, database: str, cause: str) -> None:
        self.database = database
        self.cause = cause
        super().__init__(f"database {database}: {cause}")
