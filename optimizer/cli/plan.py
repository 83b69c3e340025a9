"""``doseopt plan FILE.toml``: the dated transition plan for a patient with a history."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["register"]


def _print(out: object) -> None:
    from optimizer.cli.output import data_table, print_lines, print_table, say
    from optimizer.schemas.recommendation import RecommendationPublic

    if not isinstance(out, RecommendationPublic) or out.plan is None:
        say("No plan: the request needs a history and a controlled interval.")
        return
    plan = out.plan
    rows = [[d.date, str(d.interval_days), f"{d.dose_mg:g} mg"] for d in plan.doses]
    print_table(data_table(f"Transition plan from {plan.start_date} (target every "
                           f"{plan.target_interval_days} days)", ["date"],
                           ["days since previous", "dose"], rows))
    say(f"Highest predicted score over the plan: {plan.max_score:.2f} "
        f"(threshold {out.threshold_score:g}); {plan.injections} injections "
        f"(greedy plan: {plan.greedy_injections}); solver {plan.solver_status}.")
    print_lines(f"Checkpoint {c.date}: predicted score {c.predicted_score:.2f}. {c.reason}"
                for c in plan.checkpoints)
    print_lines([*plan.notes, *out.explanation])
    say("Model-based decision support: it does not replace the clinician's judgement.",
        style="dim")


def register(app: typer.Typer) -> None:
    @app.command()
    def plan(
        path: Annotated[Path, typer.Argument(
            metavar="FILE", help="Scenario file (TOML) with a history.")],
        as_json: Annotated[bool, typer.Option(
            "--json", help="Print the API's JSON response body.")] = False,
    ) -> None:
        """Plan the dated move from today's schedule to the longest safe interval."""
        from optimizer.batch.scenario_files import load_recommendation
        from optimizer.cli.output import fail
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
