"""The import contract of tools/check_imports.py: it holds for the tree, and it would
catch an upward import or a cycle if one crept in."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import grimp

_PATH = Path(__file__).resolve().parent.parent / "tools" / "check_imports.py"


def _checker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_imports", _PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_imports"] = module
    spec.loader.exec_module(module)
    return module


def _graph(*edges: tuple[str, str]) -> grimp.ImportGraph:
    graph = grimp.ImportGraph()
    for src, dst in edges:
        graph.add_import(importer=src, imported=dst)
    return graph


def test_the_tree_keeps_the_rules() -> None:
    # a fresh interpreter: grimp must find the package through the tool's symlink tree,
    # not through the already imported redipy (which has no repl/ or migrate/ inside)
    done = subprocess.run([sys.executable, str(_PATH)], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "layers and cycles ok" in done.stdout


def test_an_upward_import_is_caught() -> None:
    checker = _checker()
    found = list(checker.broken_rules(_graph(
        ("redipy.memory.backend", "redipy.repl.shell"),
        ("redipy.migrate.cli", "redipy.repl.app"),
        ("redipy.redis.backend", "redipy.memory.glob"),
        ("redipy.api.generic", "redipy.memory.db"),
        ("redipy.repl.app", "redipy.migrate.engine"),  # allowed: downward
    )))
    assert len(found) == 4
    assert any("redipy.memory.backend imports redipy.repl.shell" in line for line in found)


def test_a_cycle_is_caught_even_through_three_modules() -> None:
    checker = _checker()
    found = list(checker.broken_rules(_graph(
        ("redipy.script.a", "redipy.script.b"), ("redipy.script.b", "redipy.script.c"),
        ("redipy.script.c", "redipy.script.a"), ("redipy.script.c", "redipy.errors"))))
    assert found == ["import cycle among: redipy.script.a, redipy.script.b, redipy.script.c"]
