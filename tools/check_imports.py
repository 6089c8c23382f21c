"""The import contract: dependencies point one way and no module imports itself in a circle.

Layers, top to bottom: the workbench (``redipy.repl``, with the magics), migration
(``redipy.migrate``), the library (everything else in ``redipy``). Inside the library the
two backends (``redipy.memory``, ``redipy.redis``) never import each other, the typed API
(``redipy.api``) imports neither backend, and neither backend imports the API. Imports
inside functions count; imports under ``if TYPE_CHECKING:`` do not (they never run).

Run as ``python tools/check_imports.py`` from the repository (``.ci/run`` does); exit 1
with one line per broken rule. The graph comes from grimp (import-linter's engine), over
the package as it installs: ``repl/`` and ``migrate/`` mounted as ``redipy.repl`` and
``redipy.migrate`` through a temporary symlink tree, as ``tools/typecheck`` does.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent

#: (importer, imported) pairs allowed to cross a layer, each with its reason
ALLOWED = {
    ("redipy", "redipy.repl.magics"):
        "the lazy %load_ext hook: runs only inside IPython, never on import",
    ("redipy.pytest_plugin", "redipy.migrate"):
        "snapshot seeding: imported only by a test marked redipy_snapshot",
    ("redipy.__main__", "redipy.migrate.cli"):
        "python -m redipy runs the command line",
}


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def broken_rules(graph: grimp.ImportGraph) -> Iterator[str]:
    """One line per import that breaks a rule, then one per import cycle."""
    modules = sorted(graph.modules)
    edges: dict[str, set[str]] = {}
    for mod in modules:
        edges[mod] = set()
        for dep in graph.find_modules_directly_imported_by(mod):
            if (mod, dep) in ALLOWED:
                continue
            edges[mod].add(dep)
            why = _why_not(_layer(mod), _layer(dep))
            if why:
                yield f"{mod} imports {dep}: {why}"
    for cycle in _cycles(edges):
        yield "import cycle among: " + ", ".join(cycle)


def _why_not(src: str, dst: str) -> str | None:
    workbench = ("repl",)
    if src not in ("repl", "migrate") and dst in ("repl", "migrate"):
        return "the library must not import the workbench or migration"
    if src == "migrate" and dst in workbench:
        return "migration must not import the workbench"
    if {src, dst} == {"memory", "redis"}:
        return "the two backends must not import each other"
    if src == "api" and dst in ("memory", "redis"):
        return "the typed API must not import a backend (redipy.main composes them)"
    if src in ("memory", "redis") and dst == "api":
        return "a backend must not import the typed API"
    return None


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in edges:
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    comp = []
                    while True:
                        top = stack.pop()
                        on_stack.discard(top)
                        comp.append(top)
                        if top == node:
                            break
                    if len(comp) > 1:
                        found.append(sorted(comp))
                continue
            if child not in edges:
                continue
            if child not in index:
                index[child] = low[child] = counter
                counter += 1
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(edges[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return found


def build_graph() -> grimp.ImportGraph:
    tree = Path(tempfile.mkdtemp(prefix="redipy-imports-"))
    package = tree / "redipy"
    package.mkdir()
    for entry in (ROOT / "redipy").iterdir():
        (package / entry.name).symlink_to(entry)
    (package / "repl").symlink_to(ROOT / "repl")
    (package / "migrate").symlink_to(ROOT / "migrate")
    sys.path.insert(0, str(tree))
    try:
        return grimp.build_graph("redipy", exclude_type_checking_imports=True, cache_dir=None)
    finally:
        sys.path.remove(str(tree))


def main() -> int:
    problems = list(broken_rules(build_graph()))
    for line in problems:
        print(line)
    if problems:
        print(f"{len(problems)} import rule(s) broken (see tools/check_imports.py)")
        return 1
    print("imports: layers and cycles ok")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
