"""The type stub (python/munflow/_core.pyi) says what the extension does.

Every function and method the stub declares exists at run time with the same
parameters, in the same order and kinds; a default the extension shows must be
the stub's; and the families' optional parameters (PERT's ``lamb``,
``lognormal_ci``'s ``level``, which the extension takes as None) show the
defaults of the one table of families (``_core.families()``).
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from munflow import _core

STUB = Path(_core.__file__).with_name("_core.pyi")
if not STUB.exists():  # an editable install keeps the stub in the source tree
    STUB = Path(__file__).resolve().parents[2] / "python" / "munflow" / "_core.pyi"


def stub_functions() -> dict[str, list[ast.FunctionDef]]:
    """'name' or 'Class.method' -> its stub definitions (several for overloads)."""
    tree = ast.parse(STUB.read_text())
    found: dict[str, list[ast.FunctionDef]] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            found.setdefault(node.name, []).append(node)
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and not item.name.startswith("__"):
                    is_property = any(
                        isinstance(d, ast.Name) and d.id == "property" for d in item.decorator_list
                    )
                    if not is_property:
                        found.setdefault(f"{node.name}.{item.name}", []).append(item)
    return found


def stub_parameters(fn: ast.FunctionDef) -> list[tuple[str, str, object]]:
    """(name, kind, default) of each parameter, `self` left out."""
    args = fn.args
    positional = args.posonlyargs + args.args
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    params = [(a.arg, "positional", d) for a, d in zip(positional, defaults, strict=True)]
    params += [
        (a.arg, "keyword", d) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True)
    ]
    return [
        (name, kind, None if d is None else ast.literal_eval(d))
        for name, kind, d in params
        if name != "self"
    ]


def runtime(name: str) -> object:
    obj: object = _core
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


FUNCTIONS = sorted(stub_functions())


def test_the_stub_declares_the_extensions_public_functions():
    names = {n for n in dir(_core) if not n.startswith("_") and callable(getattr(_core, n))}
    classes = {n for n in names if isinstance(getattr(_core, n), type)}
    tree = ast.parse(STUB.read_text())
    declared = {n.split(".")[0] for n in FUNCTIONS}
    declared |= {node.name for node in tree.body if isinstance(node, ast.ClassDef)}
    missing = sorted((names - classes) - declared)
    assert missing == [], f"functions of _core not in the stub: {missing}"


@pytest.mark.parametrize("name", FUNCTIONS)
def test_the_stub_matches_the_runtime_signature(name):
    for fn in stub_functions()[name]:  # every overload
        check_signature(name, fn)


def check_signature(name: str, fn: ast.FunctionDef) -> None:
    signature = inspect.signature(runtime(name))
    actual = [
        (p.name, "keyword" if p.kind is p.KEYWORD_ONLY else "positional", p.default)
        for p in signature.parameters.values()
        if p.name not in ("self", "slf", "py")
    ]
    declared = stub_parameters(fn)
    assert [(n, k) for n, k, _ in declared] == [(n, k) for n, k, _ in actual], name
    table = dict(_core.families())
    for (pname, _k, stub_default), (_n, _kk, run_default) in zip(declared, actual, strict=True):
        if run_default is inspect.Parameter.empty or run_default is Ellipsis:
            continue
        family_default = dict(table.get(name, [])).get(pname)
        if run_default is None and family_default is not None:
            assert stub_default == family_default, (name, pname)
        else:
            assert stub_default == run_default, (name, pname, stub_default, run_default)


def test_every_family_constructor_takes_the_tables_parameters():
    for family, params in _core.families():
        signature = inspect.signature(getattr(_core, family))
        names = [p for p in signature.parameters if p != "name"]
        assert names == [p for p, _ in params], family
