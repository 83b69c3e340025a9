"""``doseopt compare FILE.toml``: schedules side by side from a ``kind = "comparison"`` file.

Prints a table (or ``--json``, the API's body), writes ``--csv PATH`` (one line per schedule)
and ``--plot PATH`` (``.svg`` or ``.png``; ``--plot-kind cost`` or ``score``). A broken file
prints one line naming the file, the key and what is allowed, and exits with status 2.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from optimizer.errors import InputError, ScenarioError

if TYPE_CHECKING:
    from optimizer.schemas.comparison import ComparisonPublic, ComparisonRequest

__all__ = ["CSV_COLUMNS", "load_comparison", "register", "write_csv"]

CSV_COLUMNS: tuple[str, ...] = (
    "schedule", "source", "interval_days", "dose_mg", "injections", "syringes_75",
    "syringes_150", "syringes_300", "total_mg", "drug_cost", "visit_cost", "total_cost",
    "days_above_threshold", "fraction_controlled", "max_score", "delta_injections",
    "delta_total_cost", "delta_days_above_threshold", "delta_fraction_controlled",
    "share_controlled", "mean_controlled_days", "cost_per_patient_year",
    "cost_per_controlled_patient_year", "incremental_cost_per_controlled_patient_year",
    "currency")


def load_comparison(path: str | Path) -> ComparisonRequest:
    """Read a ``kind = "comparison"`` file into a checked request (same schema as the API)."""
    from optimizer.batch.scenario_files import load_request
    from optimizer.schemas.comparison import ComparisonRequest

    return load_request(path, "comparison", ComparisonRequest)


def write_csv(out: ComparisonPublic, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(CSV_COLUMNS))
        writer.writeheader()
        for row in out.rows:
            record: dict[str, Any] = row.model_dump()
            for size in ("75", "150", "300"):
                record[f"syringes_{size}"] = row.syringes.get(size, 0)
            record["currency"] = out.currency
            writer.writerow({k: ("" if record.get(k) is None else record[k])
                             for k in CSV_COLUMNS})


def _money(x: float | None) -> str:
    return "-" if x is None else f"{x:,.2f}"


def _per_patient_table(out: ComparisonPublic) -> Any:
    from rich.table import Table

    table = Table(title=f"Typical patient, {out.horizon_days} days "
                        f"({out.start.replace('_', ' ')}), {out.currency}",
                  title_justify="left")
    for col in ("schedule", "inj.", "syringes", "total cost", "vs ref", "days above",
                "controlled", "worst"):
        table.add_column(col, justify="left" if col == "schedule" else "right")
    for r in out.rows:
        syringes = " + ".join(f"{n}x{size}" for size, n in r.syringes.items())
        table.add_row(r.schedule + (" *" if r.source == "optimal" else ""), str(r.injections),
                      syringes, _money(r.total_cost), f"{r.delta_total_cost:+,.2f}",
                      str(r.days_above_threshold), f"{100 * r.fraction_controlled:.1f}%",
                      f"{r.max_score:.2f}")
    return table


def _population_table(out: ComparisonPublic) -> Any:
    from rich.table import Table

    n = out.population.n if out.population is not None else 0
    table = Table(title=f"{n:,} virtual patients, {out.currency} per patient-year "
                        f"({out.patient_year_days} days)", title_justify="left")
    for col in ("schedule", "controlled", "mean days", "cost", "per controlled yr",
                "incremental"):
        table.add_column(col, justify="left" if col == "schedule" else "right")
    for r in out.rows:
        share = "-" if r.share_controlled is None else f"{100 * r.share_controlled:.1f}%"
        days = "-" if r.mean_controlled_days is None else f"{r.mean_controlled_days:.1f}"
        table.add_row(r.schedule + (" *" if r.source == "optimal" else ""), share, days,
                      _money(r.cost_per_patient_year),
                      _money(r.cost_per_controlled_patient_year),
                      _money(r.incremental_cost_per_controlled_patient_year))
    return table


def print_comparison(out: ComparisonPublic) -> None:
    from optimizer.cli.main import console

    console.print(_per_patient_table(out))
    if out.population is not None:
        console.print(_population_table(out))
    if any(r.source == "optimal" for r in out.rows):
        console.print("* the optimizer's longest controlled interval", highlight=False)
    for line in out.notes:
        console.print(f"- {line}", highlight=False)
    console.print("[dim]Assumptions:[/]")
    for line in out.assumptions:
        console.print(f"[dim]  - {line}[/]", highlight=False)


def register(app: typer.Typer) -> None:
    @app.command()
    def compare(
        path: Annotated[Path, typer.Argument(help="Scenario file (TOML) of kind comparison.")],
        as_json: Annotated[bool, typer.Option("--json", help="Print the JSON body.")] = False,
        csv_path: Annotated[Path | None, typer.Option(
            "--csv", help="Write the rows as CSV to this path.")] = None,
        plot_path: Annotated[Path | None, typer.Option(
            "--plot", help="Write a plot to this path (.svg or .png).")] = None,
        plot_kind: Annotated[str, typer.Option(
            "--plot-kind", help="cost: cost against share controlled; score: score over "
                                "time per schedule.")] = "cost",
    ) -> None:
        """Compare schedules: doses, syringes, costs and symptom control, side by side."""
        from optimizer.cli.main import fail
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
