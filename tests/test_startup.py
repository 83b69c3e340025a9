"""Story: the CLI answers ``--help`` and a script imports the package without paying for the
solver stack, plotting, storage, Dask or the web framework (each is imported where used)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("pyomo", "scipy.stats", "matplotlib", "sqlalchemy", "dask", "fastapi")

_PROBE = """
import json, runpy, sys
if sys.argv[1] == "import":
    import optimizer
else:
    sys.argv = ["doseopt", "--help"]
    try:
        runpy.run_module("optimizer.cli.main", run_name="__main__")
    except SystemExit as exc:
        assert exc.code in (0, None), exc.code
print(json.dumps(sorted({m.split(".")[0] if m.split(".")[0] != "scipy" else m
                         for m in sys.modules})))
"""


@pytest.mark.parametrize("what", ["import", "help"])
def test_start_up_imports_none_of_the_heavy_stacks(what: str) -> None:
    done = subprocess.run([sys.executable, "-c", _PROBE, what], capture_output=True, text=True,
                          timeout=120, check=True)
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_a_recommendation_needs_neither_pyomo_nor_scipy() -> None:
    code = ("import sys; from optimizer import recommend, RecommendationRequest;"
            "recommend(RecommendationRequest.model_validate({'patient': {'weight_kg': 70}}));"
            "print(sorted(m for m in ('pyomo', 'scipy') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_a_batch_worker_answers_a_chunk_without_the_database_layer() -> None:
    code = ("import json, sys; from optimizer.batch.chunks import Task, run_chunk;"
            "body = json.dumps({'patient': {'weight_kg': 30}});"
            "out = run_chunk([Task('s1', 'recommendation', body)]);"
            "assert out.rows[0].status == 'done', out.rows[0];"
            "print(sorted(m for m in ('sqlalchemy', 'pyomo', 'fastapi', 'matplotlib')"
            " if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"
