"""The package's structure: no import cycles, in Python or in the bindings.

Every import counts, the ones inside functions and the ones for type
annotations only (under ``if TYPE_CHECKING:``) too: a cycle hidden in a function
or behind a flag is still two modules that cannot be understood one without the
other, whether or not Python runs the import.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "python" / "munflow"
BINDINGS = ROOT / "src" / "python"


#: How the graph names the package itself (its ``__init__.py``), which
#: re-exports everything: a module importing it imports every other.
ROOT_MODULE = "munflow"


def _module_name(path: Path, package: Path) -> str:
    """``results/posterior.py`` -> ``results.posterior``; a package's
    ``__init__.py`` is the package, the top one ``munflow``."""
    parts = path.relative_to(package).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts) or ROOT_MODULE


def python_imports(package: Path = PACKAGE) -> dict[str, set[str]]:
    """munflow module -> the munflow modules it imports (anywhere in it),
    subpackages' modules by dotted name (``results.posterior``), the
    package itself as ``munflow``. The compiled ``_core`` imports nothing."""
    paths = sorted(package.rglob("*.py"))
    modules = {_module_name(path, package) for path in paths} | {"_core"}
    graph: dict[str, set[str]] = {}
    for path in paths:
        module = _module_name(path, package)
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                if node.module.startswith("munflow.") or node.module == "munflow":
                    base = node.module.removeprefix("munflow").removeprefix(".")
                    for alias in node.names:
                        # `from munflow.results import weighted` imports a module.
                        inner = f"{base}.{alias.name}" if base else alias.name
                        deps.add(inner if inner in modules else base or ROOT_MODULE)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name == "munflow":
                        deps.add(ROOT_MODULE)
                    elif alias.name.startswith("munflow."):
                        deps.add(alias.name.removeprefix("munflow."))
        graph[module] = {d for d in deps if d in modules} - {module}
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
    assert {"munflow", "sensitivity", "model", "results", "results.posterior"} <= set(graph)
    assert cycles(graph) == [], cycles(graph)


def test_imports_for_annotations_in_functions_and_of_the_package_count(tmp_path):
    package = tmp_path / "munflow"
    (package / "results").mkdir(parents=True)
    files = {
        "__init__.py": "from munflow.plot import plot\nfrom munflow import results\n",
        "results/__init__.py": "from munflow.results.base import Results\n",
        "results/base.py": "def plot(self):\n    from munflow import plot\n",
        "plot.py": (
            "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from munflow.results.base import Results\n"
        ),
        "report.py": "import munflow\nimport munflow._core as _core\n",
    }
    for name, text in files.items():
        (package / name).write_text(text)
    graph = python_imports(package)
    assert graph["plot"] == {"results.base"}
    assert graph["results.base"] == {"plot"}
    assert graph["report"] == {"munflow", "_core"}
    assert ["plot", "results.base"] in cycles(graph)


def test_the_bindings_have_no_module_cycle():
    # __init__-like mod.rs registers everything; it is the root, not a cycle.
    graph = {k: v - {"mod"} for k, v in binding_imports().items() if k != "mod"}
    assert cycles(graph) == [], cycles(graph)


def test_each_subpackage_says_its_one_job_first():
    for init in sorted(PACKAGE.rglob("__init__.py")):
        tree = ast.parse(init.read_text())
        doc = ast.get_docstring(tree)
        assert doc and doc.strip(), f"{init.relative_to(PACKAGE)} opens without a docstring"


def test_no_flat_module_is_named_as_a_part_of_another():
    # `timeline_cli.py` beside `timeline.py` (or `timeline/`) is a folder spelt
    # as a prefix: the concept's modules belong in its subpackage.
    flat = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__"}
    concepts = flat | {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    prefixed = sorted(m for m in flat for c in concepts if m.startswith(f"{c}_"))
    assert prefixed == [], prefixed
