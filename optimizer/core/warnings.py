"""Warnings attached to an answer: where it leaves the label, its data or a safe margin.

A warning is a value: a stable machine-readable ``code`` (scripts filter on it), a ``message``
for the clinician, and the request ``field`` it concerns when there is one (dotted path, e.g.
``patient.weight_kg``). Codes are listed in ``docs/warnings.md``; never rename one.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["AnswerWarning"]


@dataclass(frozen=True, slots=True)
class AnswerWarning:
    """One warning on an answer.

    Attributes:
        code: stable identifier, lower snake case (``"outside_studied_weight"``).
        message: one or two sentences a clinician can act on.
        field: the request field concerned (dotted path), or ``None``.
    """

    code: str
    message: str
    field: str | None = None
