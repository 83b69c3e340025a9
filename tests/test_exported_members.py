"""The public API is exactly what ``optimizer.__all__`` lists, sorted, and all of it exists;
every package says what it is for and lists its public members in a sorted ``__all__``."""

from __future__ import annotations

import ast
import importlib
import json
import pkgutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import optimizer

ROOT = Path(__file__).resolve().parent.parent


def _packages() -> list[str]:
    """Every package of the project, found on disk (a folder with an ``__init__.py``)."""
    found = []
    for top in ("optimizer", "api"):
        for init in sorted((ROOT / top).rglob("__init__.py")):
            found.append(".".join(init.parent.relative_to(ROOT).parts))
    return found


PACKAGES = _packages()


def test_all_is_sorted_and_unique() -> None:
    assert list(optimizer.__all__) == sorted(set(optimizer.__all__))


def test_every_listed_name_exists_and_every_public_import_is_listed() -> None:
    assert all(hasattr(optimizer, name) for name in optimizer.__all__)
    public = {name for name in vars(optimizer)
              if not name.startswith("_") and not isinstance(getattr(optimizer, name),
                                                             type(optimizer))}
    assert public == set(optimizer.__all__)


def test_every_package_of_the_layout_is_found() -> None:
    assert {"optimizer.core", "optimizer.solve", "optimizer.services", "optimizer.cli", "api",
            "api.routes"} <= set(PACKAGES)


@pytest.mark.parametrize("name", PACKAGES)
def test_package_has_a_docstring_and_a_sorted_unique_all(name: str) -> None:
    package = importlib.import_module(name)
    assert (package.__doc__ or "").strip(), f"{name} has no docstring"
    listed = getattr(package, "__all__", None)
    assert isinstance(listed, list) and listed, f"{name} has no __all__"
    assert listed == sorted(set(listed)), f"{name}.__all__ is not sorted and unique"


def _member(package: ModuleType, name: str) -> object:
    """The listed member: an attribute of the package, or else one of its modules."""
    if hasattr(package, name):
        return getattr(package, name)
    return importlib.import_module(f"{package.__name__}.{name}")


@pytest.mark.parametrize("name", PACKAGES)
def test_every_name_a_package_lists_exists(name: str) -> None:
    package = importlib.import_module(name)
    for member in package.__all__:
        assert _member(package, member) is not None, f"{name}.{member}"


@pytest.mark.parametrize("name", PACKAGES)
def test_no_re_exported_name_hides_a_module_of_the_package(name: str) -> None:
    """``optimizer.free_ige.dosing_grid`` stays the module, not the function of that name."""
    package = importlib.import_module(name)
    for info in pkgutil.iter_modules(package.__path__):
        value = vars(package).get(info.name)
        assert value is None or isinstance(value, ModuleType), f"{name}.{info.name}"


def _stub_names(name: str) -> list[str] | None:
    """The names a package's ``__init__.pyi`` imports, or None without a stub."""
    stub = ROOT.joinpath(*name.split("."), "__init__.pyi")
    if not stub.exists():
        return None
    tree = ast.parse(stub.read_text(encoding="utf-8"))
    return sorted(a.name for node in tree.body if isinstance(node, ast.ImportFrom)
                  for a in node.names)


@pytest.mark.parametrize("name", PACKAGES)
def test_a_stub_lists_what_it_imports_and_the_package_exports_the_same(name: str) -> None:
    names = _stub_names(name)
    if names is None:
        return
    stub = ROOT.joinpath(*name.split("."), "__init__.pyi").read_text(encoding="utf-8")
    declared = next(ast.literal_eval(node.value) for node in ast.parse(stub).body
                    if isinstance(node, ast.Assign)
                    and getattr(node.targets[0], "id", "") == "__all__")
    assert declared == names
    assert importlib.import_module(name).__all__ == names


def test_importing_an_edge_package_imports_none_of_its_modules() -> None:
    """Re-exports are lazy: ``import optimizer.plots`` does not load matplotlib's figures,
    nor ``optimizer.storage`` its tables, until a name is used."""
    code = ("import json, sys; import optimizer.plots, optimizer.storage, optimizer.batch; "
            "print(json.dumps(sorted(m for m in sys.modules if m.startswith(("
            "'optimizer.plots.', 'optimizer.storage.', 'optimizer.batch.')))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=120, cwd=ROOT)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
