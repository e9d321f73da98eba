"""The package's structure: no import cycles, in Python or in the bindings.

Every import counts, the ones inside functions too: a cycle hidden in a
function is still two modules that cannot be understood one without the other.
Imports for type annotations only (under ``if TYPE_CHECKING:``) do not run.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "python" / "munflow"
BINDINGS = ROOT / "src" / "python"


def _module_name(path: Path) -> str:
    """``results/posterior.py`` -> ``results.posterior``; a package's
    ``__init__.py`` is the package."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def python_imports() -> dict[str, set[str]]:
    """munflow module -> the munflow modules it imports (anywhere in it),
    subpackages' modules by dotted name (``results.posterior``)."""
    paths = sorted(PACKAGE.rglob("*.py"))
    modules = {_module_name(path) for path in paths}
    graph: dict[str, set[str]] = {}
    for path in paths:
        module = _module_name(path)
        deps: set[str] = set()
        tree = ast.parse(path.read_text())
        typing_only = {
            id(inner)
            for node in ast.walk(tree)
            if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
            for inner in ast.walk(node)
        }
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            if isinstance(node, ast.ImportFrom) and node.module:
                if node.module.startswith("munflow.") or node.module == "munflow":
                    base = node.module.removeprefix("munflow").removeprefix(".")
                    for alias in node.names:
                        # `from munflow.results import weighted` imports a module.
                        inner = f"{base}.{alias.name}" if base else alias.name
                        deps.add(inner if inner in modules else base)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("munflow."):
                        deps.add(alias.name.removeprefix("munflow."))
        graph[module] = {d for d in deps if d and d in modules} - {module}
    return graph


def binding_imports() -> dict[str, set[str]]:
    """src/python module -> the sibling modules it uses (`super::x`)."""
    graph = {}
    for path in BINDINGS.glob("*.rs"):
        text = path.read_text()
        deps = set(re.findall(r"super::(\w+)", text))
        graph[path.stem] = {d for d in deps if (BINDINGS / f"{d}.rs").exists()} - {path.stem}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every elementary cycle reachable by depth-first search, one per start."""
    found = []
    for start in sorted(graph):
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in sorted(graph.get(node, ())):
                if nxt == start:
                    found.append(path)
                elif nxt not in path and nxt > start:
                    stack.append((nxt, [*path, nxt]))
    return found


def test_the_python_package_has_no_import_cycle():
    graph = python_imports()
    assert {"sensitivity", "model", "results", "results.posterior"} <= set(graph)
    assert cycles(graph) == [], cycles(graph)


def test_the_bindings_have_no_module_cycle():
    # __init__-like mod.rs registers everything; it is the root, not a cycle.
    graph = {k: v - {"mod"} for k, v in binding_imports().items() if k != "mod"}
    assert cycles(graph) == [], cycles(graph)
