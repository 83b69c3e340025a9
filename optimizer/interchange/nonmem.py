"""A patient's history as a NONMEM-style dataset (CSV), and back.

One row per event, sorted by time; on one date the observations come before the dose (the
scores of the reference case are taken before each injection). Columns:

======  =====================================================================================
ID      subject number
TIME    days since the subject's first row
AMT     dose, mg (0 on observation rows)
DV      observation: the symptom score 0-10 (CMT 3) or symptomatic 1/0 (CMT 4); 0 on doses
EVID    1 dose, 0 observation (2, other event: read and skipped)
MDV     1 on dose rows, 0 on observation rows
CMT     1 depot (subcutaneous dose), 3 symptom score, 4 symptomatic flag (2 is left to the
        central compartment of a PK model, for drug levels)
WT      body weight, kg (covariate; the latest row's value is read)
IGE     baseline total IgE, ng/mL (covariate; written only when the request gives it,
        1 IU/mL = 2.42 ng/mL)
DATE    the calendar date, ISO (not a NONMEM item: drop it in $INPUT with DATE=DROP)
======  =====================================================================================

Reading needs ID, TIME, AMT, EVID and, for observations, DV and CMT; DATE (or a first date
given by the caller) places the rows on the calendar, and must agree with TIME. Every refusal
is an :class:`~optimizer.errors.InputError` naming the row and column as
``row 7 (TIME)``; rows are counted from 1 after the header.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from typing import Any

from optimizer.core.dates import EARLIEST_DATE, LATEST_DATE
from optimizer.errors import InputError
from optimizer.free_ige.params import NG_PER_ML_PER_IU
from optimizer.schemas.recommendation import RecommendationRequest

__all__ = ["COLUMNS", "CMT_DOSE", "CMT_SCORE", "CMT_SYMPTOMATIC", "read_nonmem", "write_nonmem"]

COLUMNS = ("ID", "TIME", "AMT", "DV", "EVID", "MDV", "CMT", "WT", "IGE", "DATE")
CMT_DOSE, CMT_SCORE, CMT_SYMPTOMATIC = 1, 3, 4
_REQUIRED = ("ID", "TIME", "AMT", "EVID")


def _rows(request: RecommendationRequest, subject_id: int) -> list[dict[str, Any]]:
    history = request.history
    if history is None or not (history.doses or history.observations):
        raise InputError("history", None, "a history with doses or observations to export")
    events: list[tuple[dt.date, int, dict[str, Any]]] = []
    for o in history.observations:
        for cmt, value in ((CMT_SCORE, o.score), (CMT_SYMPTOMATIC, o.symptomatic)):
            if value is not None:
                events.append((o.date, 0, {"AMT": 0, "DV": float(value), "EVID": 0, "MDV": 0,
                                           "CMT": cmt}))
    for d in history.doses:
        events.append((d.date, 1, {"AMT": d.dose_mg, "DV": 0, "EVID": 1, "MDV": 1,
                                   "CMT": CMT_DOSE}))
    events.sort(key=lambda e: (e[0], e[1]))
    first = events[0][0]
    patient = request.patient
    ige = ({} if patient.baseline_ige_iu_per_ml is None and patient.baseline_ige_ng_per_ml
           is None else {"IGE": request.baseline_ige_iu_per_ml() * NG_PER_ML_PER_IU})
    return [{"ID": subject_id, "TIME": (day - first).days, **row,
             "WT": patient.weight_kg, **ige, "DATE": day.isoformat()}
            for day, _, row in events]


def write_nonmem(request: RecommendationRequest, *, subject_id: int = 1) -> str:
    """The request's history and weight as CSV text (header: :data:`COLUMNS`, IGE only when
    the request gives a baseline IgE)."""
    rows = _rows(request, subject_id)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[c for c in COLUMNS if c in rows[0]],
                            lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: f"{v:g}" if isinstance(v, float) else v for k, v in row.items()})
    return out.getvalue()


def _number(row: dict[str, str], col: str, n: int) -> float:
    text = (row.get(col) or "").strip()
    try:
        value = float(text) if text not in ("", ".") else math.nan
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise InputError(f"row {n} ({col})", text, "a number")
    return value


def _integer(row: dict[str, str], col: str, n: int) -> int:
    """A whole-number code (EVID, CMT): 3.5 is refused, never truncated to 3."""
    value = _number(row, col, n)
    if not value.is_integer():
        raise InputError(f"row {n} ({col})", (row.get(col) or "").strip(), "a whole number")
    return int(value)


def _date(row: dict[str, str], n: int, first: dt.date | None,
          first_time: float) -> dt.date:
    time = _number(row, "TIME", n)
    text = (row.get("DATE") or "").strip()
    if text:
        try:
            day = dt.date.fromisoformat(text[:10])
        except ValueError:
            raise InputError(f"row {n} (DATE)", text, "an ISO date (YYYY-MM-DD)") from None
        if first is not None and (day - first).days != math.floor(time - first_time):
            raise InputError(f"row {n} (TIME)", time,
                             f"{(day - first).days} days after the first row, as DATE says "
                             f"({text})")
        return day
    if first is None:
        raise InputError(f"row {n} (DATE)", None,
                         "a DATE column, or a first date for TIME 0 (--first-date)")
    days = math.floor(time - first_time)
    if not (EARLIEST_DATE - first).days <= days <= (LATEST_DATE - first).days:
        raise InputError(f"row {n} (TIME)", time,
                         f"days since the first row that fall within "
                         f"{EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()}")
    return first + dt.timedelta(days=days)


def _subject_rows(text: str, subject_id: int) -> list[tuple[int, dict[str, str]]]:
    """The subject's rows, numbered from 1 after the header, keyed by upper-case column."""
    reader = csv.DictReader(io.StringIO(text))
    header = {h.strip().upper(): h for h in reader.fieldnames or []}
    missing = [c for c in _REQUIRED if c not in header]
    if missing:
        raise InputError("header", ",".join(header) or None,
                         f"columns {', '.join(_REQUIRED)} (missing: {', '.join(missing)})")
    rows = [(n, {c: (raw.get(h) or "") for c, h in header.items()})
            for n, raw in enumerate(reader, start=1)]
    mine = [(n, r) for n, r in rows if _same_id(r["ID"], subject_id)]
    if not mine:
        ids = sorted({r["ID"].strip() for _, r in rows})
        raise InputError("ID", subject_id, f"an ID present in the file: {', '.join(ids[:20])}")
    return mine


def read_nonmem(text: str, subject_id: int, *, first_date: dt.date | None = None,
                origins: dict[str, str] | None = None) -> dict[str, Any]:
    """One subject's rows as request fields: ``{"history": ..., "patient": {...}}``, with
    ``patient.weight_kg`` from WT (latest row) and ``baseline_ige_ng_per_ml`` from IGE (first
    row) when those columns are there. ``origins``, when given, receives the row behind each
    request field (``history.doses[2].dose_mg`` -> ``row 5 (AMT)``)."""
    where = origins if origins is not None else {}
    mine = _subject_rows(text, subject_id)
    first_time = min(_number(r, "TIME", n) for n, r in mine)
    anchor = next((n, r) for n, r in mine if _number(r, "TIME", n) == first_time)
    first = first_date if not anchor[1].get("DATE", "").strip() else \
        _date(anchor[1], anchor[0], None, first_time)
    date_col = "DATE" if anchor[1].get("DATE", "").strip() else "TIME"
    doses: list[tuple[dt.date, float, int]] = []
    days: dict[dt.date, dict[str, Any]] = {}
    patient: dict[str, Any] = {}
    for n, r in mine:
        day = _date(r, n, first, first_time)
        evid = _integer(r, "EVID", n)
        for col, name in (("WT", "weight_kg"), ("IGE", "baseline_ige_ng_per_ml")):
            if r.get(col, "").strip() not in ("", ".") and (col == "WT" or name not in patient):
                patient[name] = _number(r, col, n)
                where[f"patient.{name}"] = f"row {n} ({col})"
        if evid == 1:
            doses.append((day, _number(r, "AMT", n), n))
        elif evid == 0 and r.get("MDV", "0").strip() in ("0", "", "."):
            _observation(days, day, r, n)
        elif evid not in (0, 2):
            raise InputError(f"row {n} (EVID)", evid, "0 (observation), 1 (dose) or 2 (other "
                                                      "event, skipped)")
    doses.sort(key=lambda d: d[0])
    for k, (_, _, n) in enumerate(doses):
        where.update({f"history.doses[{k}]": f"row {n}",
                      f"history.doses[{k}].date": f"row {n} ({date_col})",
                      f"history.doses[{k}].dose_mg": f"row {n} (AMT)"})
    observations = []
    for k, day in enumerate(sorted(days)):
        entry = dict(days[day])
        for name, n in entry.pop("_rows").items():
            where.update({f"history.observations[{k}]": f"row {n}",
                          f"history.observations[{k}].date": f"row {n} ({date_col})",
                          f"history.observations[{k}].{name}": f"row {n} (DV)"})
        observations.append(entry)
    history = {"doses": [{"date": d.isoformat(), "dose_mg": mg} for d, mg, _ in doses],
               "observations": observations}
    return {"history": history, **({"patient": patient} if patient else {})}


def _same_id(text: str, subject_id: int) -> bool:
    try:
        return float(text) == subject_id
    except ValueError:
        return False


def _observation(days: dict[dt.date, dict[str, Any]], day: dt.date, r: dict[str, str],
                 n: int) -> None:
    cmt, dv = _integer(r, "CMT", n), _number(r, "DV", n)
    entry = days.setdefault(day, {"date": day.isoformat(), "_rows": {}})
    name = {CMT_SCORE: "score", CMT_SYMPTOMATIC: "symptomatic"}.get(cmt)
    if name is None:
        raise InputError(f"row {n} (CMT)", cmt, f"{CMT_SCORE} (symptom score) or "
                                                f"{CMT_SYMPTOMATIC} (symptomatic 1/0)")
    if name in entry:
        raise InputError(f"row {n} ({'DATE' if (r.get('DATE') or '').strip() else 'TIME'})",
                         day.isoformat(),
                         f"one {name} per date (row {entry['_rows'][name]} has one)")
    if name == "symptomatic" and dv not in (0.0, 1.0):
        raise InputError(f"row {n} (DV)", dv, "1 (symptomatic) or 0 (not) for CMT 4")
    entry[name] = dv if name == "score" else bool(dv)
    entry["_rows"][name] = n

