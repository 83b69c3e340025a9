"""``doseopt compare FILE.toml``: schedules side by side from a ``kind = "comparison"`` file.

Prints a table (or ``--json``, the API's body), writes ``--csv PATH`` (one line per schedule)
and ``--plot PATH`` (``.svg`` or ``.png``; ``--plot-kind cost`` or ``score``). A broken file
prints one line naming the file, the key and what is allowed, and exits with status 2.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from optimizer.batch.scenario_files import load_request
from optimizer.cli.output import data_table, print_lines, print_table, say
from optimizer.errors import InputError, ScenarioError
from optimizer.schemas.comparison import ComparisonPublic, ComparisonRequest
from optimizer.services.comparison_table import CSV_COLUMNS, comparison_csv
from optimizer.services.format import format_money

__all__ = ["CSV_COLUMNS", "load_comparison", "register", "write_csv"]

def load_comparison(path: str | Path) -> ComparisonRequest:
    """Read a ``kind = "comparison"`` file into a checked request (same schema as the API)."""
    return load_request(path, "comparison", ComparisonRequest)


def write_csv(out: ComparisonPublic, path: Path) -> None:
    """The rows as CSV (:func:`optimizer.services.comparison_table.comparison_csv`)."""
    path.write_text(comparison_csv(out), encoding="utf-8", newline="")


def _per_patient_table(out: ComparisonPublic) -> Any:
    rows = []
    for r in out.rows:
        syringes = " + ".join(f"{n}x{size}" for size, n in r.syringes.items())
        rows.append([r.schedule + (" *" if r.source == "optimal" else ""), str(r.injections),
                     syringes, format_money(r.total_cost), f"{r.delta_total_cost:+,.2f}",
                     str(r.days_above_threshold), f"{100 * r.fraction_controlled:.1f}%",
                     f"{r.max_score:.2f}"])
    return data_table(f"Typical patient, {out.horizon_days} days "
                      f"({out.start.replace('_', ' ')}), {out.currency}", ["schedule"],
                      ["inj.", "syringes", "total cost", "vs ref", "days above", "controlled",
                       "worst"], rows)


def _population_table(out: ComparisonPublic) -> Any:
    n = out.population.n if out.population is not None else 0
    rows = []
    for r in out.rows:
        share = "-" if r.share_controlled is None else f"{100 * r.share_controlled:.1f}%"
        days = "-" if r.mean_controlled_days is None else f"{r.mean_controlled_days:.1f}"
        rows.append([r.schedule + (" *" if r.source == "optimal" else ""), share, days,
                     format_money(r.cost_per_patient_year),
                     format_money(r.cost_per_controlled_patient_year),
                     format_money(r.incremental_cost_per_controlled_patient_year)])
    return data_table(f"{n:,} virtual patients, {out.currency} per patient-year "
                      f"({out.patient_year_days} days)", ["schedule"],
                      ["controlled", "mean days", "cost", "per controlled yr", "incremental"],
                      rows)


def print_comparison(out: ComparisonPublic) -> None:
    print_table(_per_patient_table(out))
    if out.population is not None:
        print_table(_population_table(out))
    if any(r.source == "optimal" for r in out.rows):
        say("* the optimizer's longest controlled interval")
    print_lines(out.notes)
    say("Assumptions:", style="dim")
    print_lines(out.assumptions, prefix="  - ", style="dim")


def register(app: typer.Typer) -> None:
    @app.command()
    def compare(
        path: Annotated[Path, typer.Argument(
            metavar="FILE", help="Scenario file (TOML) of kind comparison.")],
        as_json: Annotated[bool, typer.Option(
            "--json", help="Print the API's JSON response body.")] = False,
        csv_path: Annotated[Path | None, typer.Option(
            "--csv", metavar="PATH", help="Write the rows as CSV to this path.")] = None,
        plot_path: Annotated[Path | None, typer.Option(
            "--plot", metavar="PATH", help="Write a plot to this path (.svg or .png).")] = None,
        plot_kind: Annotated[str, typer.Option(
            "--plot-kind", metavar="cost|score",
            help="cost: cost against share controlled; score: score over time per "
                 "schedule.")] = "cost",
    ) -> None:
        """Compare schedules: doses, syringes, costs and symptom control, side by side."""
        from optimizer.cli.output import fail
        from optimizer.errors import DoseOptError
        from optimizer.plots.comparison import comparison_plot
        from optimizer.services.comparison import run_comparison

        try:
            fmt = _plot_format(plot_path, plot_kind)
            request = load_comparison(path)
            try:
                run = run_comparison(request)
            except InputError as exc:  # a schedule, dose or size the file asks for
                raise ScenarioError(str(path), exc.field, exc.value, exc.allowed) from None
            image = comparison_plot(run, plot_kind, fmt) if plot_path is not None else None
        except DoseOptError as exc:
            raise fail(exc) from None
        out = run.public
        if csv_path is not None:
            write_csv(out, csv_path)
        if plot_path is not None and image is not None:
            plot_path.write_bytes(image)
        if as_json:
            sys.stdout.write(out.model_dump_json(indent=2) + "\n")
        else:
            print_comparison(out)


def _plot_format(plot_path: Path | None, plot_kind: str) -> str:
    if plot_kind not in ("cost", "score"):
        raise InputError("--plot-kind", plot_kind, '"cost" or "score"')
    if plot_path is None:
        return "svg"
    suffix = plot_path.suffix.lower()
    if suffix not in (".svg", ".png"):
        raise InputError("--plot", str(plot_path), "a file name ending in .svg or .png")
    return suffix[1:]
