"""Story: an analyst runs the reference scenario from a terminal."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from optimizer.cli.main import app
from tests.conftest import REPO

runner = CliRunner()
REFERENCE = str(REPO / "scenarios" / "reference-case.toml")


def test_recommend_prints_a_readable_table() -> None:
    result = runner.invoke(app, ["recommend", REFERENCE])
    assert result.exit_code == 0, result.output
    assert "36 days" in result.output and "300 mg" in result.output
    assert "judgement" in result.output


def test_recommend_json_is_the_api_body_and_nothing_else() -> None:
    # a real process: the solver's banner must not reach stdout
    proc = subprocess.run([sys.executable, "-m", "optimizer.cli.main", "recommend", REFERENCE,
                           "--json"], capture_output=True, text=True, check=True, cwd=REPO)
    body = json.loads(proc.stdout)
    assert (body["status"], body["interval_days"], body["dose_mg"]) == ("optimal", 36, 300)
    codes = {w["code"] for w in body["warnings"]}
    assert {"off_label_indication", "interval_longer_than_label", "knife_edge"} <= codes
    weekly = runner.invoke(app, ["recommend", str(REPO / "scenarios" /
                                                  "reference-case-weekly.toml"), "--json"])
    assert json.loads(weekly.stdout)["interval_days"] == 35


def test_broken_file_names_file_and_key_and_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('kind = "recommendation"\nthreshold_score = 2\n[patient]\nweight_kg = -3\n')
    result = runner.invoke(app, ["recommend", str(bad)])
    assert result.exit_code == 2
    assert "bad.toml" in result.output and "patient.weight_kg" in result.output
    assert "Traceback" not in result.output


def test_unknown_key_and_bad_toml_are_refused(tmp_path: Path) -> None:
    typo = tmp_path / "typo.toml"
    typo.write_text('[patient]\nweight_kg = 30\n[pk]\nhalf_life = 26\n')
    result = runner.invoke(app, ["recommend", str(typo)])
    assert result.exit_code == 2 and "pk.half_life" in result.output
    broken = tmp_path / "broken.toml"
    broken.write_text("[patient\nweight_kg = 30\n")
    result = runner.invoke(app, ["recommend", str(broken)])
    assert result.exit_code == 2 and "TOML" in result.output
    result = runner.invoke(app, ["recommend", str(tmp_path / "missing.toml")])
    assert result.exit_code == 2 and "missing.toml" in result.output
