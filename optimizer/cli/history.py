"""``doseopt history export FILE --format nonmem``: a patient's history for pharmacometric
tools (NONMEM, nlmixr2, mrgsolve; columns in :mod:`optimizer.interchange.nonmem`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Literal

import typer

__all__ = ["register"]

history_app = typer.Typer(no_args_is_help=True, help="Export a patient's dose and score "
                                                     "history to other tools.")


@history_app.command("export")
def export(
    path: Annotated[Path, typer.Argument(
        help="Scenario file (TOML) with a history, or a FHIR R4 Bundle (.json).")],
    fmt: Annotated[Literal["nonmem"], typer.Option(
        "--format", help="Output format: nonmem (CSV: ID, TIME, AMT, DV, EVID, MDV, CMT, "
                         "WT, DATE).")] = "nonmem",
    subject_id: Annotated[int, typer.Option("--id", help="ID written on every row.")] = 1,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write to this file instead of standard output.")] = None,
) -> None:
    """Write the history (doses, scores, weight) as a NONMEM-style dataset."""
    assert fmt == "nonmem"  # the only format; typer refuses any other value
    from optimizer.cli.output import fail, say
    from optimizer.errors import DoseOptError
    from optimizer.interchange.nonmem import write_nonmem
    from optimizer.interchange.sources import load_request_from

    try:
        is_fhir = path.suffix.lower() == ".json"
        request = load_request_from(None if is_fhir else path,
                                    fhir=path if is_fhir else None).request
        text = write_nonmem(request, subject_id=subject_id)
    except DoseOptError as exc:
        raise fail(exc) from None
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        say(f"Wrote {text.count(chr(10)) - 1} rows to {output}")


def register(app: typer.Typer) -> None:
    app.add_typer(history_app, name="history")
