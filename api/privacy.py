"""Patient references never reach the logs.

A request may carry ``patient.patient_reference`` (free text stored with the audit record).
:func:`note_references` records the references of the request being served (a context
variable, copied into the worker thread that runs the route); :class:`PrivacyFilter`, applied
to every log record as it is created, replaces them — and anything written as
``patient_reference=...`` or ``"patient_reference": "..."`` — with ``[reference withheld]`` in
the message, its arguments and any traceback, before the record is written anywhere.
"""

from __future__ import annotations

import json
import logging
import re
from contextvars import ContextVar
from typing import Any

__all__ = ["WITHHELD", "PrivacyFilter", "install_privacy_filter", "note_references", "scrub"]

WITHHELD = "[reference withheld]"
_KEY = "patient_reference"
_CURRENT: ContextVar[tuple[str, ...]] = ContextVar("doseopt_references", default=())
# "patient_reference": "…" in JSON, patient_reference='…' in reprs, patient_reference=… in text
_LABELLED = re.compile(
    r"""(['"]?patient_reference['"]?\s*[:=]\s*)(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s,})\]]+)""")
_IN_BODY = re.compile(rb'"patient_reference"\s*:\s*("(?:[^"\\]|\\.)*")')


def note_references(body: bytes) -> None:
    """Remember the patient references in a request body for this request's log records."""
    if _KEY.encode() not in body:
        return
    found: list[str] = []
    for match in _IN_BODY.finditer(body):
        try:
            text = json.loads(match.group(1))
        except ValueError:
            continue
        if isinstance(text, str) and text.strip():
            found.append(text)
            found.append(text.encode("utf-8", "backslashreplace").decode("utf-8"))
            found.append(json.dumps(text)[1:-1])  # as it appears inside escaped JSON
    _CURRENT.set(tuple(sorted(set(found), key=len, reverse=True)))


def _whole(reference: str) -> re.Pattern[str]:
    """``reference`` as a whole token: a short one ("i", "B12") must not eat ordinary words."""
    return re.compile(rf"(?<![0-9A-Za-z]){re.escape(reference)}(?![0-9A-Za-z])")


def scrub(text: str) -> str:
    """``text`` without the references noted for this request nor labelled ones."""
    for reference in _CURRENT.get():
        if reference in text:
            text = _whole(reference).sub(WITHHELD, text)
    if _KEY in text:
        text = _LABELLED.sub(lambda m: m.group(1) + WITHHELD, text)
    return text


def _scrub_arg(value: Any) -> Any:
    return scrub(value) if isinstance(value, str) else value


def _message(record: logging.LogRecord) -> str | None:
    try:
        return record.getMessage()
    except (TypeError, ValueError):  # a malformed logging call: left to the formatter
        return None


class PrivacyFilter(logging.Filter):
    """Rewrites each record so that no patient reference is written (never drops records).

    Text arguments are scrubbed in place, so formatters that read ``record.args`` (uvicorn's
    access log) still work; when a reference would only appear once other arguments are
    formatted, the message is formatted and scrubbed here instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = _message(record)
        if message is not None and scrub(message) != message:
            original = record.args
            if isinstance(original, tuple):
                record.args = tuple(_scrub_arg(a) for a in original)
            elif isinstance(original, dict):
                record.args = {k: _scrub_arg(v) for k, v in original.items()}
            again = _message(record)
            # not in the text arguments alone: merge and scrub, unless the formatter reads
            # the arguments one by one
            if record.name not in _KEEP_ARGS and (again is None or scrub(again) != again):
                record.msg, record.args = scrub(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
            record.exc_info = None  # only the scrubbed text is written
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        return True


#: Loggers whose formatter unpacks ``record.args`` (uvicorn's access log: client, method, path,
#: version, status); their arguments are scrubbed in place and never merged into the message.
_KEEP_ARGS = frozenset({"uvicorn.access"})
_FILTER = PrivacyFilter()
_LOGGERS = ("", "uvicorn", "uvicorn.error", "uvicorn.access", "fastapi", "doseopt")


def install_privacy_filter() -> None:
    """Scrub every log record when it is created (whatever logger or handler writes it), and
    attach the filter to the handlers configured so far; safe to call more than once."""
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "doseopt_private", False):
        def private_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = factory(*args, **kwargs)
            _FILTER.filter(record)
            return record

        private_record.doseopt_private = True  # type: ignore[attr-defined]
        logging.setLogRecordFactory(private_record)
    for name in _LOGGERS:
        for handler in logging.getLogger(name).handlers:
            if _FILTER not in handler.filters:
                handler.addFilter(_FILTER)
