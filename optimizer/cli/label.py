"""``doseopt label-dose``: the labelled dose for a weight and baseline IgE."""

from __future__ import annotations

import sys
from typing import Annotated, Literal

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    @app.command("label-dose")
    def label_dose(
        weight_kg: Annotated[float, typer.Option("--weight-kg", help="Body weight, kg.")],
        ige: Annotated[float | None, typer.Option(
            "--ige", help="Baseline total IgE, IU/mL (asthma).")] = None,
        label: Annotated[str, typer.Option(
            "--label", help="eu (EU SmPC) or us (US PI, editions before 2024).")] = "eu",
        indication: Annotated[str, typer.Option(
            "--indication", help="asthma (weight x IgE table) or csu (fixed doses).")
        ] = "asthma",
        as_json: Annotated[bool, typer.Option("--json", help="Print the JSON body.")] = False,
    ) -> None:
        """The dose and interval of the approved dosing table, or why there is none."""
        from pydantic import ValidationError

        from optimizer.cli.output import fail, say
        from optimizer.errors import DoseOptError, InputError
        from optimizer.schemas.label import LabelDoseRequest
        from optimizer.schemas.validation import house_wording
        from optimizer.services.label import label_dose_public

        try:
            if label not in ("eu", "us"):
                raise InputError("--label", label, "eu or us")
            if indication not in ("asthma", "csu"):
                raise InputError("--indication", indication, "asthma or csu")
            lab: Literal["eu", "us"] = "eu" if label == "eu" else "us"
            ind: Literal["asthma", "csu"] = "asthma" if indication == "asthma" else "csu"
            request = LabelDoseRequest(weight_kg=weight_kg, baseline_ige_iu_per_ml=ige,
                                       label=lab, indication=ind)
            out = label_dose_public(request)
        except ValidationError as exc:
            err = exc.errors()[0]
            raise fail(InputError("--" + str(err["loc"][0]).replace("_", "-"),
                                  err.get("input"), house_wording(err))) from None
        except DoseOptError as exc:
            raise fail(exc) from None
        if as_json:
            sys.stdout.write(out.model_dump_json(indent=2) + "\n")
            return
        if out.status == "dose":
            syringes = " + ".join(f"{s.count} x {s.size_mg:g} mg" for s in out.syringes)
            say(f"{out.dose_mg:g} mg every {out.interval_weeks} weeks ({syringes})")
        else:
            say(f"{out.status.replace('_', ' ')}: {out.reason}", style="bold")
        say(f"{out.reason}. Source: {out.source}", style="dim")
