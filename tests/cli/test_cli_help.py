"""Story: a new user reads ``doseopt --help``, types what it shows and reads every figure whole,
in a narrow terminal or redirected to a file."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from optimizer.cli import output
from optimizer.cli.main import app
from optimizer.errors import ScenarioError
from tests.conftest import REPO

runner = CliRunner()
COMMANDS = sorted(get_command(app).commands)  # type: ignore[attr-defined]


def help_of(*args: str) -> str:
    result = runner.invoke(app, [*args, "--help"])
    assert result.exit_code == 0, result.output
    return result.output


def test_every_command_is_listed_with_exit_codes_and_a_version() -> None:
    text = help_of()
    for name in COMMANDS:
        assert name in text
    assert "Exit status: 0 done; 1 " in text and "2 input to" in text
    version = runner.invoke(app, ["--version"])
    assert version.exit_code == 0 and re.fullmatch(r"doseopt \d+\.\d+\.\d+\S*\n", version.output)


@pytest.mark.parametrize("command", COMMANDS)
def test_help_shows_flags_as_typed_and_every_option_has_help(command: str) -> None:
    text = help_of(command)
    assert "<bool>" not in text and "{" not in text, text
    options = text.split("Options:")[1].splitlines()
    for line in options:
        stripped = line.strip()
        if stripped.startswith("-"):
            # "--flag METAVAR  Help text": two spaces separate the flag from its help
            assert "  " in stripped, f"{command}: option without help: {stripped!r}"


def test_usage_names_the_file_argument_the_usual_way() -> None:
    assert "recommend [OPTIONS] [FILE]\n" in help_of("recommend")  # or --fhir / --nonmem
    assert "batch [OPTIONS] FILE...\n" in help_of("batch")
    assert "[grid]" in help_of("batch")  # bracketed help text is printed as written


def test_a_flag_is_a_flag() -> None:
    result = runner.invoke(app, ["recommend", str(REPO / "scenarios" / "reference-case.toml"),
                                 "--json", "true"])
    assert result.exit_code == 2  # "true" is a second argument, refused by the usual rules
    assert "--json" in help_of("recommend").split("Options:")[1]


def test_bracketed_text_survives_in_error_messages(capsys: pytest.CaptureFixture[str]) -> None:
    exc = ScenarioError("s[1].toml", "grid", "[patient]", "a table: [grid] or [patient]")
    with pytest.raises(Exception):  # noqa: B017 - typer.Exit
        raise output.fail(exc)
    err = capsys.readouterr().err
    assert "s[1].toml: grid: got '[patient]'; allowed: a table: [grid] or [patient]" in err
    output.print_lines(["[dim]not markup[/]"])
    assert "- [dim]not markup[/]" in capsys.readouterr().out


def test_a_broken_file_in_brackets_is_named_whole(tmp_path: Path) -> None:
    bad = tmp_path / "[draft] patient.toml"
    bad.write_text("[patient]\nweight_kg = -3\n", encoding="utf-8")
    for command in (["recommend"], ["validate"], ["batch", "--no-progress"]):
        result = runner.invoke(app, [*command, str(bad)])
        assert result.exit_code == 2, result.output
        assert "[draft] patient.toml" in " ".join(result.output.split())


def test_tables_keep_every_figure_at_80_columns(capsys: pytest.CaptureFixture[str]) -> None:
    rows = [["300 mg every 4 weeks, the controlled reference", "13", "-1,024.60", "100.0%",
             "12,345.67", "-98,765.43", "1.95"]]
    table = output.data_table("t", ["schedule"], ["inj.", "vs ref", "controlled",
                                                  "per controlled yr", "incremental", "worst"],
                              rows)
    width = output.console.width
    try:
        output.set_width(80)
        output.print_table(table)
    finally:
        output.console.width = width
    text = capsys.readouterr().out
    for figure in rows[0][1:]:
        assert figure in text
    assert "…" not in text


def test_compare_keeps_figures_in_a_narrow_terminal_and_in_a_file(tmp_path: Path) -> None:
    scenario = REPO / "scenarios" / "urticaria-adult-compare.toml"
    narrow = runner.invoke(app, ["--width", "60", "compare", str(scenario)])
    assert narrow.exit_code == 0, narrow.output
    assert "…" not in narrow.output
    proc = subprocess.run([sys.executable, "-m", "optimizer.cli.main", "compare", str(scenario)],
                          capture_output=True, text=True, check=True, cwd=REPO)
    assert "…" not in proc.stdout
    costs = re.findall(r"\d{1,3}(?:,\d{3})*\.\d{2}", proc.stdout)
    assert costs and all(c in narrow.output for c in costs)
