"""CSV cells that a spreadsheet reads as data, never as a formula.

A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a
formula by Excel, LibreOffice and Google Sheets ("CSV injection"); a schedule name or a patient
reference written by a user could reach a cell. Such text is written with a leading apostrophe,
which the spreadsheet hides and treats as "this is text" (the OWASP recommendation). Numbers are
written as they are: a negative number is a number, not a formula.
"""

from __future__ import annotations

from typing import Any

__all__ = ["safe_cell", "safe_row"]

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value`` unchanged, or with a leading ``'`` when it is text a spreadsheet would run."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(row: dict[str, Any]) -> dict[str, Any]:
    """Every cell of a CSV record through :func:`safe_cell`."""
    return {k: safe_cell(v) for k, v in row.items()}
