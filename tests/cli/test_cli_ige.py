"""Story: a pharmacometrician prints a label-style dosing grid in a terminal, asks a free-IgE
question from a scenario file, and runs a grid of them as a batch."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from optimizer.batch.grid import expand_file
from optimizer.batch.runner import RunOptions, run_batch
from optimizer.cli.main import app
from optimizer.free_ige.dosing_grid import dosing_grid
from optimizer.schemas.recommendation import RecommendationRequest
from optimizer.services.recommendation import recommend
from optimizer.storage.batches import iter_results
from optimizer.storage.engine import get_engine
from tests.conftest import REPO

runner = CliRunner()


def test_ige_table_prints_the_grid_and_its_assumptions() -> None:
    result = runner.invoke(app, ["ige-table", "--weights", "20,70,150", "--ige", "30,300,1000"])
    assert result.exit_code == 0, result.output
    grid = dosing_grid([20, 70, 150], [30, 300, 1000])
    for cell in grid.cells:
        assert cell.label in result.output
    assert "judgement" in result.output and "9 cells" in result.output


def test_ige_table_csv_equals_the_domain_grid(tmp_path: Path) -> None:
    out = tmp_path / "grid.csv"
    result = runner.invoke(app, ["ige-table", "--weights", "40,90", "--ige", "100,700",
                                 "--target-ng-per-ml", "14", "--csv", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    grid = dosing_grid([40, 90], [100, 700], target_ng_per_ml=14)
    assert [(float(r["weight_kg"]), float(r["baseline_ige_iu_per_ml"]), r["dose_mg"],
             r["interval_days"]) for r in rows] == [
        (c.weight_kg, c.baseline_ige_iu_per_ml, f"{c.dose_mg:g}", str(c.interval_days))
        for c in grid.cells]


def test_ige_table_bad_options_name_the_option_and_exit_2() -> None:
    for args, words in ((["--weights", "20,heavy"], "--weights"),
                        (["--weights", "70,20"], "weights_kg"),
                        (["--ige", "3000"], "allow_extrapolation"),
                        (["--parameter-set", "smith"], "parameter_set")):
        result = runner.invoke(app, ["ige-table", *args])
        assert result.exit_code == 2, (args, result.output)
        assert words in result.output, (args, result.output)


def test_recommend_reads_a_free_ige_scenario() -> None:
    result = runner.invoke(app, ["recommend", str(REPO / "scenarios" / "free-ige-adult.toml"),
                                 "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["target_kind"] == "free_ige"
    assert (body["interval_days"], body["dose_mg"]) == (28, 375)
    table = runner.invoke(app, ["recommend", str(REPO / "scenarios" / "free-ige-adult.toml")])
    assert "Highest free IgE" in table.output and "375 mg" in table.output


def test_a_free_ige_grid_batch_equals_the_service(tmp_path: Path, temp_database: str) -> None:
    path = tmp_path / "grid.toml"
    path.write_text('kind = "recommendation"\n[patient]\n'
                    'baseline_ige_iu_per_ml = 300\n[target]\nkind = "free_ige"\n'
                    '[grid]\n"patient.weight_kg" = [40, 70, 120]\n'
                    '"target.max_ng_per_ml" = [14, 25]\n')
    scenarios = expand_file(path)
    assert len(scenarios) == 6
    summary = run_batch(scenarios, RunOptions(workers=1, chunk_size=3), database_url=temp_database)
    assert (summary.status, summary.done, summary.failed) == ("done", 6, 0)
    rows = {r["id"]: r for r in iter_results(get_engine(temp_database), summary.batch_id)}
    for s in scenarios:
        got = json.loads(rows[s.id]["output_json"])
        want = recommend(RecommendationRequest.model_validate(s.request))
        assert (got["interval_days"], got["dose_mg"]) == (want.interval_days, want.dose_mg)
        assert want.free_ige is not None
        assert got["free_ige"]["max_free_ige_ng_per_ml"] == want.free_ige.max_free_ige_ng_per_ml


def test_a_free_ige_file_without_baseline_ige_names_the_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[patient]\nweight_kg = 70\nbaseline_ige = 300\n[target]\nkind = "free_ige"\n')
    result = runner.invoke(app, ["recommend", str(bad)])
    assert result.exit_code == 2
    assert "patient.baseline_ige" in result.output and "baseline_ige_iu_per_ml" in result.output


def test_surrogate_check_prints_the_report_and_writes_csv(tmp_path: Path) -> None:
    from optimizer.free_ige.surrogate_check import surrogate_check

    out = tmp_path / "check.csv"
    result = runner.invoke(app, ["surrogate-check", "--patients", "30:300,90:700",
                                 "--csv", str(out)])
    assert result.exit_code == 0, result.output
    direct = surrogate_check([(30, 300), (90, 700)])
    assert f"{100 * direct.max_relative_difference:.1f} %" in result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [float(r["max_relative_difference"]) for r in rows] == [
        p.max_relative_difference for p in direct.patients]
    bad = runner.invoke(app, ["surrogate-check", "--patients", "30-300"])
    assert bad.exit_code == 2 and "--patients[0]" in bad.output


def test_free_ige_target_asks_almost_nothing_of_the_reference_child() -> None:
    """Her IgE was normal (11 IU/mL): 25 ng/mL free IgE allows the longest interval offered,
    twice the six weeks at which she relapsed — and the answer says why it is the wrong lens."""
    result = runner.invoke(app, ["recommend", str(REPO / "scenarios" /
                                                  "reference-case-free-ige.toml"), "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert (body["interval_days"], body["dose_mg"]) == (84, 300)
    assert any("little suppression" in w["message"] for w in body["warnings"])
