"""The ``doseopt`` command line. Commands call the same domain functions as the API.

Errors the user can fix print one line naming the file, field and what is allowed, and exit
with status 2; nothing prints a traceback for bad input.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from optimizer.errors import DoseOptError, InputError

if TYPE_CHECKING:
    from optimizer.schemas.recommendation import RecommendationPublic

app = typer.Typer(no_args_is_help=True, add_completion=False,
                  help="Longest safe omalizumab injection interval: model-based decision "
                       "support that does not replace clinical judgement.")
console = Console()
err_console = Console(stderr=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print the API's JSON response body.")]


def fail(exc: DoseOptError) -> typer.Exit:
    err_console.print(f"[bold red]error:[/] {exc}", highlight=False)
    return typer.Exit(code=2)


def print_recommendation(out: RecommendationPublic) -> None:
    table = Table(title="Recommendation", show_header=False, title_justify="left")
    table.add_column("item", style="bold")
    table.add_column("value")
    if out.status == "optimal":
        table.add_row("Interval", f"{out.interval_days} days")
        table.add_row("Dose", f"{out.dose_mg:g} mg")
    else:
        table.add_row("Status", "[red]infeasible[/]: no option keeps the score down")
    fi = out.free_ige
    if fi is not None:
        table.add_row("Highest free IgE", f"{fi.max_free_ige_ng_per_ml:.1f} ng/mL (target "
                                          f"{fi.target_ng_per_ml:g} ng/mL, {fi.parameter_set})")
        table.add_row("Margin", f"{fi.margin_ng_per_ml:.1f} ng/mL")
    if out.max_score is not None and out.margin_score is not None:
        table.add_row("Worst-case score",
                      f"{out.max_score:.2f} (threshold {out.threshold_score:g})")
        table.add_row("Margin", f"{out.margin_score:.2f}")
    if fi is not None and fi.next_longer is not None:
        fn = fi.next_longer
        table.add_row("Next longer", f"{fn.interval_days} days at {fn.dose_mg:g} mg: "
                                     f"free IgE {fn.max_free_ige_ng_per_ml:.1f} ng/mL")
    elif out.next_longer is not None and out.next_longer.max_score is not None:
        nl = out.next_longer
        table.add_row("Next longer", f"{nl.interval_days} days at {nl.dose_mg:g} mg: "
                                     f"score {nl.max_score:.2f}")
    if out.late_dose_tolerance_days is not None:
        table.add_row("Late-dose tolerance", f"{out.late_dose_tolerance_days:g} days")
    if out.closest_option is not None:
        c = out.closest_option
        worst = "" if c.max_score is None else f": score {c.max_score:.2f}"
        table.add_row("Closest option", f"{c.dose_mg:g} mg every {c.interval_days} days{worst}")
    table.add_row("Solver", f"{out.solver.name} {out.solver.version}, {out.solver.status}, "
                            f"{out.solver.time_ms:.1f} ms")
    console.print(table)
    for line in out.explanation:
        console.print(f"- {line}", highlight=False)
    for w in out.warnings:
        console.print(f"[yellow]! {escape(w.message)}[/]", highlight=False)
    console.print("[dim]Assumptions:[/]")
    for line in out.assumptions:
        console.print(f"[dim]  - {line}[/]", highlight=False)


@app.command()
def recommend(
    path: Annotated[Path | None, typer.Argument(
        help="Scenario file (TOML) of kind recommendation; with --fhir or --nonmem it gives "
             "the question and the data file the patient.")] = None,
    as_json: JsonFlag = False,
    store: Annotated[bool, typer.Option(
        "--store", help="Store the answer in the audit trail (DOSEOPT_DATABASE_URL) and "
                        "print its id.")] = False,
    fhir: Annotated[Path | None, typer.Option(
        help="FHIR R4 Bundle (JSON) with the patient's weight, doses and scores.")] = None,
    nonmem: Annotated[Path | None, typer.Option(
        help="NONMEM-style dataset (CSV) with the patient's doses and scores.")] = None,
    subject_id: Annotated[int | None, typer.Option(
        "--id", help="Subject ID to read from the --nonmem dataset.")] = None,
    first_date: Annotated[str | None, typer.Option(
        help="Calendar date of TIME 0 when the dataset has no DATE column (ISO).")] = None,
) -> None:
    """Recommend the longest controlled interval for the patient in a scenario file, a FHIR
    bundle or a NONMEM-style dataset (docs/fhir.md)."""
    from optimizer.interchange.sources import load_request_from, recommend_loaded

    try:
        loaded = load_request_from(path, fhir=fhir, nonmem=nonmem, subject_id=subject_id,
                                   first_date=_iso_date("--first-date", first_date))
        request = loaded.request
        out = recommend_loaded(loaded)
    except DoseOptError as exc:
        raise fail(exc) from None
    if store:
        from optimizer.storage.audit import store_recommendation

        out = out.model_copy(update={"id": store_recommendation(request, out)})
    if as_json:
        sys.stdout.write(out.model_dump_json(indent=2) + "\n")
    else:
        print_recommendation(out)
        if out.id is not None:
            console.print(f"Stored as recommendation {out.id}", highlight=False)


def _iso_date(option: str, text: str | None) -> date | None:
    try:
        return None if text is None else date.fromisoformat(text)
    except ValueError:
        raise InputError(option, text, "an ISO date (YYYY-MM-DD)") from None


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (DOSEOPT_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (DOSEOPT_PORT).")] = None,
    allow_remote: Annotated[bool, typer.Option(
        "--allow-remote", help="Allow a non-loopback address without an API key.")] = False,
) -> None:
    """Start the HTTP service (uvicorn) on the configured address.

    Without an API key (DOSEOPT_API_KEY) it binds to a loopback address only, unless
    --allow-remote is given."""
    import logging

    import uvicorn

    from optimizer.settings import check_bind, get_settings

    s = get_settings()
    bind = host or s.host
    try:
        message = check_bind(bind, s.api_key, allow_remote)
    except DoseOptError as exc:
        raise fail(exc) from None
    logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(message)s")
    level = logging.INFO if s.api_key else logging.WARNING
    logging.getLogger("doseopt.security").log(level, message)
    uvicorn.run("api.main:app", host=bind, port=port or s.port, log_level=s.log_level)


# Commands defined in other modules register themselves here, one line each.
# (Each module exposes ``register(app: typer.Typer) -> None``.)
_COMMAND_MODULES: tuple[str, ...] = ("optimizer.cli.batch", "optimizer.cli.plan",
                                     "optimizer.cli.compare", "optimizer.cli.free_ige",
                                     "optimizer.cli.label", "optimizer.cli.history")


def _register_commands() -> None:
    import importlib

    for name in _COMMAND_MODULES:
        importlib.import_module(name).register(app)


_register_commands()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
