"""A batch submitted over HTTP: cheap checks while the request waits, the full expansion and
validation later, in the job.

While the request waits (:func:`check_submission`): the file names (a pattern that admits no
absolute path, no ``..``, no NUL and nothing longer than a file system allows; then the file
must exist under ``scenarios/``), and the inline scenario count estimated from the grids'
sizes. In the job (:func:`expand_submission`): every scenario expanded and validated, with the
limit checked as it grows; the first problem becomes the batch's error.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from optimizer.batch.grid import Scenario, expand_document, expand_file
from optimizer.errors import InputError, ScenarioError
from optimizer.schemas.batch import MAX_FILES, MAX_SCENARIOS_PER_BATCH

__all__ = ["MAX_FILES", "MAX_SCENARIOS_PER_BATCH", "SCENARIOS_DIR", "check_submission",
           "estimated_scenarios", "expand_submission", "scenario_file"]

#: The only folder whose files a request may name.
SCENARIOS_DIR = Path(__file__).resolve().parents[2] / "scenarios"
#: Names a request may give: folders and a file name of letters, digits, ``.``, ``_``, ``-``,
#: each part starting with a letter or digit, ending in ``.toml``; 200 characters at most.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}(/[A-Za-z0-9][A-Za-z0-9._-]{0,99})*\.toml")
_NAME_ALLOWED = ("a .toml file name under scenarios/ (e.g. grid-weights-thresholds.toml): "
                 "letters, digits, '.', '_', '-' and '/', at most 200 characters; no absolute "
                 "paths or '..'")


def scenario_file(index: int, name: str, base: Path = SCENARIOS_DIR) -> Path:
    """The path of ``files[index]`` under ``base``; raises :class:`InputError` when the name is
    not allowed or no such file exists."""
    if not isinstance(name, str) or len(name) > 200 or not _NAME.fullmatch(name):
        raise InputError(f"files[{index}]", name, _NAME_ALLOWED)
    root = base.resolve()
    try:
        candidate = (root / name).resolve()
        found = candidate.is_relative_to(root) and candidate.is_file()
    except OSError:
        found = False
    if not found:
        raise InputError(f"files[{index}]", name, _NAME_ALLOWED + "; the file must exist")
    return candidate


def _grid_size(item: Any) -> int:
    grid = item.get("grid") if isinstance(item, dict) else None
    if isinstance(grid, dict):
        return math.prod(len(v) if isinstance(v, list) else 1 for v in grid.values())
    return 1


def estimated_scenarios(scenarios: Sequence[Any]) -> int:
    """Scenarios the inline items expand to (before removing repeated questions)."""
    return sum(_grid_size(item) for item in scenarios)


def _too_many(count: int) -> InputError:
    return InputError("scenarios", f"{count} scenarios",
                      f"at most {MAX_SCENARIOS_PER_BATCH:,} scenarios per batch "
                      "(split the batch, or run it with doseopt batch)")


def check_submission(files: Sequence[str], scenarios: Sequence[Any]) -> list[Path]:
    """The cheap checks, done while the request waits; returns the files' paths.

    Raises :class:`InputError` for a file name that is not allowed, an empty submission or
    too many inline scenarios."""
    paths = [scenario_file(i, name) for i, name in enumerate(files)]
    if not files and not scenarios:
        raise InputError("scenarios", [], "at least one scenario, inline or in files")
    count = estimated_scenarios(scenarios)
    if count > MAX_SCENARIOS_PER_BATCH:
        raise _too_many(count)
    return paths


def expand_submission(files: Sequence[str], scenarios: Sequence[Any],
                      stopped: Callable[[], bool] = lambda: False) -> list[Scenario] | None:
    """Every scenario of a submission, validated, each distinct question once; None when
    ``stopped()`` turned true on the way (checked between items).

    Raises :class:`InputError` (field paths as the request wrote them) on the first problem."""
    paths = check_submission(files, scenarios)
    found: list[Scenario] = []
    for i, item in enumerate(scenarios):
        if i % 1_000 == 0 and stopped():
            return None
        try:
            found.extend(expand_document(item, f"scenarios[{i}]"))
        except ScenarioError as exc:
            raise InputError(f"scenarios[{i}].{exc.field}", exc.value, exc.allowed) from exc
        if len(found) > MAX_SCENARIOS_PER_BATCH:
            raise _too_many(len(found))
    for i, path in enumerate(paths):
        try:
            found.extend(expand_file(path))
        except ScenarioError as exc:
            raise InputError(f"files[{i}]: {exc.field}", exc.value, exc.allowed) from exc
        if len(found) > MAX_SCENARIOS_PER_BATCH:
            raise _too_many(len(found))
    unique = list({s.id: s for s in found}.values())
    if not unique:
        raise InputError("scenarios", [], "at least one scenario, inline or in files")
    return unique
