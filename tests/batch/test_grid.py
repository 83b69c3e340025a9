"""Story: an analyst writes one scenario file with a [grid] and gets every combination, each
checked before any work starts, each with an id that stays the same from run to run."""

from __future__ import annotations

import itertools
import math
import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from optimizer.batch.grid import expand_document, expand_file, expand_files, scenario_id
from optimizer.cli.main import app
from optimizer.errors import ScenarioError
from optimizer.schemas.recommendation import RecommendationRequest
from tests.conftest import REPO

EXAMPLE = REPO / "scenarios" / "grid-weights-thresholds.toml"
runner = CliRunner()


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_example_grid_expands_to_the_product_of_its_lists() -> None:
    grid = tomllib.loads(EXAMPLE.read_text())["grid"]
    expected = math.prod(len(v) for v in grid.values())
    scenarios = expand_file(EXAMPLE)
    assert len(scenarios) == expected == 24
    combos = {(s.request["patient"]["weight_kg"], s.request["threshold_score"],
               tuple(s.request["dose_options_mg"])) for s in scenarios}
    assert combos == {(float(w), float(t), tuple(float(d) for d in doses))
                      for w, t, doses in itertools.product(*grid.values())}
    assert len({s.id for s in scenarios}) == 24
    # fields outside the grid come from the file's top level, the rest from the schema defaults
    assert all(s.request["interval_options_days"]["step"] == 7 for s in scenarios)
    assert all(s.request["pk"]["half_life_days"] == 26 for s in scenarios)


def test_the_same_question_written_two_ways_has_one_stable_id(tmp_path: Path) -> None:
    short = write(tmp_path, 'kind = "recommendation"\n[patient]\nweight_kg = 30\n', "a.toml")
    long = write(tmp_path, 'kind = "recommendation"\nthreshold_score = 2.0\n'
                 'dose_options_mg = [300]\n[patient]\nweight_kg = 30.0\n', "b.toml")
    (a,), (b,) = expand_file(short), expand_file(long)
    assert a.id == b.id and len(a.id) == 16
    assert a.id == scenario_id("recommendation",
                               RecommendationRequest(patient={"weight_kg": 30})
                               .with_defaults().model_dump(mode="json"))
    assert len(expand_files([short, long])) == 1  # a repeated question runs once


@given(st.lists(st.integers(1, 4), min_size=1, max_size=3))
def test_any_grid_expands_to_the_product_of_its_list_lengths(sizes: list[int]) -> None:
    axes = ["patient.weight_kg", "threshold_score", "response.hill"][:len(sizes)]
    values = {"patient.weight_kg": [10.0 + i for i in range(sizes[0])],
              "threshold_score": [1.0 + 0.5 * i for i in range(sizes[1] if len(sizes) > 1 else 0)],
              "response.hill": [2.0 + i for i in range(sizes[2] if len(sizes) > 2 else 0)]}
    grid = {k: values[k] for k in axes}
    scenarios = expand_document({"kind": "recommendation", "grid": grid}, "inline")
    assert len(scenarios) == math.prod(sizes)
    assert len({s.id for s in scenarios}) == math.prod(sizes)


@pytest.mark.parametrize(("text", "field", "allowed"), [
    ('[grid]\n"patient.weigth_kg" = [20]\n', 'grid."patient.weigth_kg"', "weight_kg"),
    ('[grid]\n"patient.weight_kg" = [20, -5]\n', 'grid."patient.weight_kg"', "at least 1"),
    ('[grid]\n"patient.weight_kg" = 20\n', 'grid."patient.weight_kg"', "non-empty list"),
    ('[grid]\n"patient.weight_kg" = []\n', 'grid."patient.weight_kg"', "non-empty list"),
    ('threshold_score = 9\n[grid]\n"patient.weight_kg" = [20]\n', "threshold_score",
     "baseline_score"),
    ('kind = "forecast"\n[patient]\nweight_kg = 30\n', "kind", "recommendation"),
    ('[grid]\n"patient.weight_kg" = [20]\n"response.hill" = [1, 2]\n'
     '"response.ec50_mg_per_l" = [50]\nthreshold_score = ' + str(list(range(1, 9))) + "\n"
     '"pk.half_life_days" = ' + str(list(range(10, 1010))) + "\n"
     '"pk.tmax_days" = ' + str([1 + i / 100 for i in range(200)]) + "\n", "grid", "at most"),
])
def test_a_broken_file_names_the_file_the_key_and_what_is_allowed(
        tmp_path: Path, text: str, field: str, allowed: str) -> None:
    path = write(tmp_path, 'kind = "recommendation"\n' * ("kind" not in text) + text)
    with pytest.raises(ScenarioError) as info:
        expand_file(path)
    assert info.value.path == str(path)
    assert info.value.field == field
    assert allowed in info.value.allowed


def test_unreadable_toml_is_refused_with_the_file_name(tmp_path: Path) -> None:
    path = write(tmp_path, "kind = \n")
    with pytest.raises(ScenarioError, match="valid TOML") as info:
        expand_file(path)
    assert info.value.path == str(path)


def test_validate_command_prints_counts_or_the_error_and_exits_2(tmp_path: Path) -> None:
    good = runner.invoke(app, ["validate", str(EXAMPLE)])
    assert good.exit_code == 0
    assert f"{EXAMPLE}: 24 scenarios (recommendation)" in good.output
    bad = write(tmp_path, '[grid]\n"patient.weight_kg" = [20, "heavy"]\n')
    result = runner.invoke(app, ["validate", str(EXAMPLE), str(bad)])
    assert result.exit_code == 2
    assert "24 scenarios" in result.output
    assert f"{bad}" in result.output and "patient.weight_kg" in result.output


def test_a_grid_key_overrides_the_same_field_of_its_base(tmp_path: Path) -> None:
    """Story: a clinician writes the reference patient, then sweeps its weight."""
    path = write(tmp_path, 'kind = "recommendation"\nthreshold_score = 2\n'
                           '[patient]\nweight_kg = 30\n[grid]\n"patient.weight_kg" = [20, 40]\n'
                           'threshold_score = [1.5]\n')
    scenarios = expand_file(path)
    assert [s.request["patient"]["weight_kg"] for s in scenarios] == [20.0, 40.0]
    assert {s.request["threshold_score"] for s in scenarios} == {1.5}
    plain = write(tmp_path, '[grid]\n"patient.weight_kg" = [20, 40]\nthreshold_score = [1.5]\n',
                  name="plain.toml")
    assert [s.id for s in expand_file(plain)] == [s.id for s in scenarios]


def test_an_overriding_grid_still_names_an_unknown_path(tmp_path: Path) -> None:
    path = write(tmp_path, '[patient]\nweight_kg = 30\n[grid]\n"patient.weigth_kg" = [20]\n')
    with pytest.raises(ScenarioError) as info:
        expand_file(path)
    assert info.value.field == 'grid."patient.weigth_kg"'
    assert "weight_kg" in info.value.allowed


def test_a_base_with_a_sweep_over_its_own_field_runs_as_a_batch(tmp_path: Path) -> None:
    path = write(tmp_path, '[patient]\nweight_kg = 30\n[grid]\n"patient.weight_kg" = [20, 30]\n')
    result = runner.invoke(app, ["batch", str(path), "--database",
                                 f"sqlite:///{tmp_path / 'b.db'}", "--workers", "1",
                                 "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "2 scenarios, 2 done, 0 failed" in result.output


def test_a_bad_schedule_or_a_dose_beyond_the_label_is_refused_when_the_file_is_checked() -> None:
    """Story: `doseopt validate` says what `doseopt compare` and `recommend` would refuse,
    instead of a batch computing failed scenarios."""
    from optimizer.batch.grid import expand_document
    from optimizer.errors import ScenarioError

    with pytest.raises(ScenarioError, match=r"schedules\[1\]"):
        expand_document({"kind": "comparison", "patient": {"weight_kg": 30},
                         "schedules": ["300 mg q4w", "bogus"]}, "f.toml")
    with pytest.raises(ScenarioError, match=r"dose_options_mg\[0\]"):
        expand_document({"kind": "recommendation", "patient": {"weight_kg": 30},
                         "dose_options_mg": [100]}, "f.toml")
