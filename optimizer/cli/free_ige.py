"""``doseopt ige-table``: the dosing grid by weight and baseline IgE (free-IgE target)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.text import Text

from optimizer.core.csv_cells import safe_row

__all__ = ["parse_numbers", "parse_patients", "print_check", "print_grid", "register"]


def parse_numbers(option: str, text: str) -> list[float]:
    """``"20,25,30"`` -> [20.0, 25.0, 30.0]; a bad item names the option and the item."""
    from optimizer.errors import InputError

    out = []
    for item in (t.strip() for t in text.split(",")):
        if not item:
            continue
        try:
            out.append(float(item))
        except ValueError:
            raise InputError(option, item, "comma-separated numbers, e.g. 20,25,30") from None
    if not out:
        raise InputError(option, text, "one or more comma-separated numbers")
    return out


def print_grid(out: object) -> None:
    from rich.table import Table

    from optimizer.cli.output import console
    from optimizer.schemas.free_ige import DosingGridPublic

    assert isinstance(out, DosingGridPublic)
    cells = {(c.weight_kg, c.baseline_ige_iu_per_ml): c for c in out.cells}
    table = Table(title=f"Dose and interval keeping free IgE <= {out.target_ng_per_ml:g} ng/mL "
                        f"({out.parameter_set}); rows: baseline IgE band upper edge (IU/mL), "
                        "columns: weight band upper edge (kg)", title_justify="left")
    table.add_column("IgE \\ kg", justify="right", style="bold")
    for w in out.weights_kg:
        table.add_column(f"{w:g}", justify="right")
    for g in out.ige_iu_per_ml:
        row = []
        for w in out.weights_kg:
            c = cells[(w, g)]
            text = c.label + ("*" if c.extrapolated else "")
            row.append(f"[red]{text}[/]" if c.status != "optimal" else text)
        table.add_row(f"{g:g}", *row)
    console.print(table)
    console.print(f"{len(out.cells)} cells in {out.elapsed_ms / 1000:.2f} s. * outside the "
                  "weights or IgE of the patients behind the parameters (extrapolated); "
                  "none: no allowed dose reaches the target.", markup=False)
    for line in out.assumptions:
        console.print(Text(f"- {line}", style="dim"))


def register(app: typer.Typer) -> None:
    _register_grid(app)
    _register_check(app)


def _register_grid(app: typer.Typer) -> None:
    @app.command("ige-table")
    def ige_table(
        weights: Annotated[str, typer.Option(
            "--weights", help="Weight band upper edges, kg, comma-separated.")] =
            "20,25,30,40,50,60,70,80,90,125,150",
        ige: Annotated[str, typer.Option(
            "--ige", help="Baseline IgE band upper edges, IU/mL, comma-separated.")] =
            "30,100,200,300,400,500,600,700,800,900,1000,1100,1200,1300,1500",
        target_ng_per_ml: Annotated[float, typer.Option(
            "--target-ng-per-ml", help="Highest acceptable free IgE, ng/mL.")] = 25.0,
        intervals: Annotated[str, typer.Option(
            "--intervals-days", help="Allowed intervals, days, comma-separated.")] = "14,28",
        doses: Annotated[str | None, typer.Option(
            "--doses-mg", help="Allowed doses, mg (default: 75 to --max-dose-mg by 75).")
        ] = None,
        max_dose_mg: Annotated[float, typer.Option(
            "--max-dose-mg", metavar="MG", help="Largest dose per injection, mg.")] = 600.0,
        parameter_set: Annotated[str, typer.Option(
            "--parameter-set", help="hayashi2007 or lowe2009.")] = "hayashi2007",
        allow_extrapolation: Annotated[bool, typer.Option(
            "--allow-extrapolation", help="Answer outside 20-150 kg / 30-1500 IU/mL.")] = False,
        csv_path: Annotated[Path | None, typer.Option(
            "--csv", help="Write the cells as CSV to this path ('-' for standard output).")
        ] = None,
        as_json: Annotated[bool, typer.Option(
            "--json", help="Print the API's JSON response body.")] = False,
    ) -> None:
        """Dosing grid: the dose and interval keeping free IgE under the target.

        For each weight band x baseline-IgE band (binding model; decision support only).
        """
        from optimizer.cli.output import fail
        from optimizer.errors import DoseOptError
        from optimizer.schemas.free_ige import DosingGridRequest
        from optimizer.schemas.validation import validate
        from optimizer.services.free_ige import dosing_grid_public

        try:
            body = {"weights_kg": parse_numbers("--weights", weights),
                    "ige_iu_per_ml": parse_numbers("--ige", ige),
                    "interval_options_days": [round(v) for v in
                                              parse_numbers("--intervals-days", intervals)],
                    "dose_options_mg": parse_numbers("--doses-mg", doses) if doses else None,
                    "target": {"kind": "free_ige", "max_ng_per_ml": target_ng_per_ml,
                               "parameter_set": parameter_set, "max_dose_mg": max_dose_mg,
                               "allow_extrapolation": allow_extrapolation}}
            out = dosing_grid_public(validate(DosingGridRequest, body))
        except DoseOptError as exc:
            raise fail(exc) from None
        if csv_path is not None:
            text = out.to_csv()
            if str(csv_path) == "-":
                sys.stdout.write(text)
                return
            csv_path.write_text(text, encoding="utf-8")
        if as_json:
            sys.stdout.write(out.model_dump_json(indent=2) + "\n")
        elif csv_path is None or str(csv_path) != "-":
            print_grid(out)


def parse_patients(text: str) -> list[dict[str, float]]:
    """``"20:30,70:300"`` -> weight_kg / baseline_ige_iu_per_ml pairs."""
    from optimizer.errors import InputError

    out = []
    for k, item in enumerate(t.strip() for t in text.split(",") if t.strip()):
        parts = item.split(":")
        try:
            w, g = (float(p) for p in parts)
        except ValueError:
            raise InputError(f"--patients[{k}]", item,
                             "WEIGHT_KG:IGE_IU_PER_ML pairs, e.g. 20:30,70:300") from None
        out.append({"weight_kg": w, "baseline_ige_iu_per_ml": g})
    return out


def print_check(out: dict[str, Any]) -> None:
    from rich.table import Table

    from optimizer.cli.output import console

    reg = out["regimen"]
    table = Table(title=f"Surrogate vs binding model ({reg['parameter_set']}): total omalizumab, "
                        f"{reg['dose_mg']:g} mg every {reg['interval_days']:g} days for "
                        f"{reg['horizon_days']:g} days, from day {reg['from_day']:g}",
                  title_justify="left")
    for col in ("weight kg", "IgE IU/mL", "largest rel. diff", "on day", "trough rel. diff",
                "AUC ratio", "free-drug t½ (binding)"):
        table.add_column(col, justify="right")
    for p in out["patients"]:
        star = "*" if p["outside_studied_range"] else ""
        table.add_row(f"{p['weight_kg']:g}{star}", f"{p['baseline_ige_iu_per_ml']:g}",
                      f"{100 * p['max_relative_difference']:.1f} %",
                      f"{p['day_of_max_relative_difference']:g}",
                      f"{100 * p['max_trough_relative_difference']:.1f} %",
                      f"{p['auc_ratio']:.2f}", f"{p['binding_free_drug_half_life_days']:.1f} d")
    console.print(table)
    console.print(f"Largest relative difference: {100 * out['max_relative_difference']:.1f} % "
                  f"({out['worst_weight_kg']:g} kg, {out['worst_baseline_ige_iu_per_ml']:g} "
                  "IU/mL). * outside the data behind the parameters.", markup=False)
    fits = out.get("fits")
    if isinstance(fits, list):
        ft = Table(title="Surrogate fitted to each binding curve (tmax fixed)",
                   title_justify="left")
        for col in ("weight kg", "IgE IU/mL", "t½ days", "V/F L/kg", "rel. diff before",
                    "after", "converged"):
            ft.add_column(col, justify="right")
        for f in fits:
            c = f["fit"]
            ft.add_row(f"{f['weight_kg']:g}", f"{f['baseline_ige_iu_per_ml']:g}",
                       f"{c['half_life_days']:.1f}", f"{c['apparent_volume_l_per_kg']:.3f}",
                       f"{100 * c['max_relative_difference_before']:.1f} %",
                       f"{100 * c['max_relative_difference_after']:.1f} %",
                       "yes" if c["converged"] and not c["at_bound"] else "at a bound"
                       if c["at_bound"] else "no")
        console.print(ft)
    for line in out.get("assumptions", []):
        console.print(Text(f"- {line}", style="dim"))


def _register_check(app: typer.Typer) -> None:
    @app.command("surrogate-check")
    def surrogate_check(
        patients: Annotated[str | None, typer.Option(
            "--patients", help="WEIGHT_KG:IGE_IU_PER_ML pairs, comma-separated (default: 7 "
                               "points spanning 20-120 kg and 30-1000 IU/mL).")] = None,
        dose_mg: Annotated[float, typer.Option(
            "--dose-mg", metavar="MG", help="Dose per injection, mg.")] = 300.0,
        interval_days: Annotated[float, typer.Option(
            "--interval-days", metavar="DAYS", help="Days between injections.")] = 28.0,
        horizon_days: Annotated[float, typer.Option(
            "--horizon-days", metavar="DAYS", help="Days compared from the first dose.")]
            = 364.0,
        parameter_set: Annotated[str, typer.Option(
            "--parameter-set", help="hayashi2007 or lowe2009.")] = "hayashi2007",
        from_day: Annotated[float, typer.Option(
            "--from-day", help="Relative differences count from this day.")] = 7.0,
        fit: Annotated[bool, typer.Option(
            "--fit", help="Fit the surrogate's half-life and V/F to each patient.")] = False,
        csv_path: Annotated[Path | None, typer.Option(
            "--csv", help="Write one row per patient as CSV to this path.")] = None,
        as_json: Annotated[bool, typer.Option(
            "--json", help="Print the API's JSON response body.")] = False,
    ) -> None:
        """Compare the simple PK surrogate with the binding model (total omalizumab).

        Over a regimen; with --fit, the surrogate parameters closest to the binding model.
        """
        import csv
        import json

        from optimizer.cli.output import fail
        from optimizer.errors import DoseOptError
        from optimizer.schemas.free_ige import SurrogateCheckRequest
        from optimizer.schemas.validation import validate
        from optimizer.services.free_ige import surrogate_check_public

        try:
            body: dict[str, Any] = {
                "dose_mg": dose_mg, "interval_days": interval_days,
                "horizon_days": horizon_days, "parameter_set": parameter_set,
                "from_day": from_day, "fit": fit,
                "patients": parse_patients(patients) if patients else None}
            out = surrogate_check_public(validate(SurrogateCheckRequest, body))
        except DoseOptError as exc:
            raise fail(exc) from None
        if csv_path is not None:
            with csv_path.open("w", newline="", encoding="utf-8") as fh:
                writer = csv.DictWriter(fh, fieldnames=list(out["patients"][0]))
                writer.writeheader()
                writer.writerows(safe_row(r) for r in out["patients"])
        if as_json:
            sys.stdout.write(json.dumps(out, indent=2) + "\n")
        else:
            print_check(out)
