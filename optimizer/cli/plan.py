"""``doseopt plan FILE.toml``: the dated transition plan for a patient with a history."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["register"]


def _print(out: object) -> None:
    from rich.table import Table

    from optimizer.cli.main import console
    from optimizer.schemas.recommendation import RecommendationPublic

    if not isinstance(out, RecommendationPublic) or out.plan is None:
        console.print("No plan: the request needs a history and a controlled interval.")
        return
    plan = out.plan
    table = Table(title=f"Transition plan from {plan.start_date} (target every "
                        f"{plan.target_interval_days} days)", title_justify="left")
    for col in ("date", "days since previous", "dose"):
        table.add_column(col)
    for d in plan.doses:
        table.add_row(d.date, str(d.interval_days), f"{d.dose_mg:g} mg")
    console.print(table)
    console.print(f"Highest predicted score over the plan: {plan.max_score:.2f} "
                  f"(threshold {out.threshold_score:g}); {plan.injections} injections "
                  f"(greedy plan: {plan.greedy_injections}); solver {plan.solver_status}.",
                  highlight=False)
    for c in plan.checkpoints:
        console.print(f"- Checkpoint {c.date}: predicted score {c.predicted_score:.2f}. "
                      f"{c.reason}", highlight=False)
    for line in [*plan.notes, *out.explanation]:
        console.print(f"- {line}", highlight=False)
    console.print("[dim]Model-based decision support: it does not replace the clinician's "
                  "judgement.[/]")


def register(app: typer.Typer) -> None:
    @app.command()
    def plan(
        path: Annotated[Path, typer.Argument(help="Scenario file (TOML) with a history.")],
        as_json: Annotated[bool, typer.Option("--json", help="Print the JSON body.")] = False,
    ) -> None:
        """Plan the dated move from today's schedule to the longest safe interval."""
        from optimizer.batch.scenario_files import load_recommendation
        from optimizer.cli.main import fail
        from optimizer.errors import DoseOptError
        from optimizer.schemas.recommendation import PlanOptionsIn
        from optimizer.services.recommendation import recommend

        try:
            request = load_recommendation(path)
            if request.plan is None:
                request = request.model_copy(update={"plan": PlanOptionsIn()})
            out = recommend(request)
        except DoseOptError as exc:
            raise fail(exc) from None
        if as_json:
            sys.stdout.write(out.model_dump_json(indent=2) + "\n")
        else:
            _print(out)
