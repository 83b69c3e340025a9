"""The ``doseopt`` command line. Commands call the same domain functions as the API.

Help is plain text in the usual style (``doseopt COMMAND --help``); messages are printed
as plain text, never as markup. Exit statuses: 0 done, 1 a batch finished with failed
scenarios, 2 input the user can fix (one line names the file, field and what is allowed; no
traceback), 130 interrupted.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from typer import _click as click
from typer.core import TyperArgument, TyperCommand, TyperGroup

from optimizer.cli import batch as batch_commands
from optimizer.cli import compare as compare_commands
from optimizer.cli import free_ige as free_ige_commands
from optimizer.cli import history as history_commands
from optimizer.cli import label as label_commands
from optimizer.cli import plan as plan_commands
from optimizer.cli.output import (
    console,
    data_table,
    fail,
    print_lines,
    print_table,
    say,
    set_width,
)
from optimizer.errors import DoseOptError, InputError

if TYPE_CHECKING:
    from optimizer.schemas.recommendation import RecommendationPublic

__all__ = ["app", "console", "fail", "main"]

EXIT_CODES = ("Exit status: 0 done; 1 a batch finished with failed scenarios; 2 input to fix "
              "(file, field or option; the message says what is allowed); 130 interrupted.")


class Command(TyperCommand):
    """A command whose usage line names arguments the usual way: ``FILE``, ``[FILE]...``."""

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name != "argument":
                continue
            name = param.metavar or (param.name or "").upper()
            name = name if param.required else f"[{name}]"
            pieces.append(name + ("..." if param.nargs != 1 else ""))
        return pieces


class Argument(TyperArgument):
    """An argument listed by its name alone (``FILE``), not with a type such as ``<path>``."""

    def display_type_rich(self, ctx: click.Context) -> str | None:
        return None


class Group(TyperGroup):
    """The ``doseopt`` group: every command gets :class:`Command`'s usage line and
    :class:`Argument`'s listing, including commands that other modules register."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for command in self.commands.values():
            # Same state and behaviour; only the help text's rendering differs.
            if type(command) is TyperCommand:
                command.__class__ = Command
            for param in command.params:
                if type(param) is TyperArgument:
                    param.__class__ = Argument


app = typer.Typer(
    cls=Group, no_args_is_help=True, add_completion=False, rich_markup_mode=None,
    help="Longest safe omalizumab injection interval: model-based decision support that "
         "does not replace clinical judgement.",
    epilog=EXIT_CODES)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print the API's JSON response body.")]
ScenarioFile = Annotated[Path, typer.Argument(
    metavar="FILE", help="Scenario file (TOML) of kind recommendation.")]


def _version(value: bool) -> None:
    if value:
        from optimizer.versions import package_versions

        say(f"doseopt {package_versions()['doseopt']}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True,
        help="Print the version and exit.")] = False,
    width: Annotated[int | None, typer.Option(
        "--width", metavar="COLUMNS", min=40,
        help="Table width in columns (default: the terminal's; 200 when the output is "
             "not a terminal).")] = None,
) -> None:
    """Longest safe omalizumab injection interval: model-based decision support that does
    not replace clinical judgement."""
    set_width(width)


def print_recommendation(out: RecommendationPublic) -> None:
    from optimizer.services.format import answer_text, summary_pairs

    rows = [["Answer", answer_text(out)], *([k, v] for k, v in summary_pairs(out)),
            ["Solver", f"{out.solver.name} {out.solver.version}, {out.solver.status}, "
                       f"{out.solver.time_ms:.1f} ms"]]
    print_table(data_table("Recommendation", ["item", "value"], [], rows, show_header=False))
    print_lines(out.explanation)
    print_lines((w.message for w in out.warnings), prefix="! ", style="yellow")
    say("Assumptions:", style="dim")
    print_lines(out.assumptions, prefix="  - ", style="dim")


@app.command()
def recommend(
    path: Annotated[Path | None, typer.Argument(
        metavar="FILE",
        help="Scenario file (TOML) of kind recommendation; with --fhir or --nonmem it gives "
             "the question and the data file the patient.")] = None,
    as_json: JsonFlag = False,
    store: Annotated[bool, typer.Option(
        "--store", help="Store the answer in the audit trail (DOSEOPT_DATABASE_URL) and "
                        "print its id.")] = False,
    fhir: Annotated[Path | None, typer.Option(
        metavar="PATH",
        help="FHIR R4 Bundle (JSON) with the patient's weight, doses and scores.")] = None,
    nonmem: Annotated[Path | None, typer.Option(
        metavar="PATH",
        help="NONMEM-style dataset (CSV) with the patient's doses and scores.")] = None,
    subject_id: Annotated[int | None, typer.Option(
        "--id", metavar="N", help="Subject ID to read from the --nonmem dataset.")] = None,
    first_date: Annotated[str | None, typer.Option(
        metavar="DATE",
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
            say(f"Stored as recommendation {out.id}")


def _iso_date(option: str, text: str | None) -> date | None:
    try:
        return None if text is None else date.fromisoformat(text)
    except ValueError:
        raise InputError(option, text, "an ISO date (YYYY-MM-DD)") from None


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(
        metavar="ADDRESS", help="Bind address (default: DOSEOPT_HOST).")] = None,
    port: Annotated[int | None, typer.Option(
        metavar="PORT", help="Port (default: DOSEOPT_PORT).")] = None,
    allow_remote: Annotated[bool, typer.Option(
        "--allow-remote", help="Allow a non-loopback address without an API key.")] = False,
) -> None:
    """Start the HTTP service (uvicorn) on the configured address.

    Without an API key (DOSEOPT_API_KEY) it binds to a loopback address only, unless
    --allow-remote is given.
    """
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


# Commands defined in other modules add themselves here, one line each.
batch_commands.register(app)
plan_commands.register(app)
compare_commands.register(app)
free_ige_commands.register(app)
label_commands.register(app)
history_commands.register(app)


def main() -> None:
    app(prog_name="doseopt")


if __name__ == "__main__":
    main()
