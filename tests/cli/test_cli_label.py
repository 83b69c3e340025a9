"""Story: a clinician checks the label's dose in a terminal."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from optimizer.cli.main import app

runner = CliRunner()


def test_label_dose_prints_the_cell_and_its_source() -> None:
    r = runner.invoke(app, ["label-dose", "--weight-kg", "30", "--ige", "400"])
    assert r.exit_code == 0 and "225 mg every 4 weeks" in r.output and "SmPC" in r.output


def test_label_dose_json_and_errors() -> None:
    r = runner.invoke(app, ["label-dose", "--weight-kg", "71", "--ige", "450", "--label", "us",
                            "--json"])
    assert r.exit_code == 0
    assert json.loads(r.output)["dose_mg"] == 375
    r = runner.invoke(app, ["label-dose", "--weight-kg", "70", "--ige", "450", "--label", "jp"])
    assert r.exit_code == 2 and "--label" in r.output
