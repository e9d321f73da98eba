"""The declaration of families (``with_families!`` in src/dist/mod.rs) is the one
place a family is written down: every other site is derived from it or checked
against it here.

Derived when the extension is built: the Python constructors (names, parameters,
defaults, docstrings), the scenario reader, saved models, compound draws.
Written from it by ``tools/families.py`` and checked here: the type stub's
constructors, ``munflow._families`` (the package's re-export), the README's list,
the docs' reference page and table of scenario syntax.
"""

from __future__ import annotations

import importlib.util
import inspect
from pathlib import Path

import pytest

import munflow as mf
from munflow import _core

ROOT = Path(__file__).resolve().parents[2]
DECLARED = {name: params for name, params in _core.families()}
DOCS = {
    name: (doc, example, expressions) for name, doc, example, expressions in _core._family_docs()
}


def load_tool():
    spec = importlib.util.spec_from_file_location("families_tool", ROOT / "tools" / "families.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


def test_the_generated_files_say_what_the_declaration_says():
    assert load_tool().stale() == [], "run: python tools/families.py"


@pytest.mark.parametrize("family", sorted(DECLARED))
def test_every_family_is_a_package_constructor_with_the_declared_parameters(family):
    constructor = getattr(mf, family)
    assert constructor is getattr(_core, family) and family in mf.__all__
    parameters = inspect.signature(constructor).parameters
    assert list(parameters) == [p for p, _ in DECLARED[family]] + ["name"]
    assert parameters["name"].kind is inspect.Parameter.KEYWORD_ONLY
    assert inspect.getdoc(constructor) == DOCS[family][0]


@pytest.mark.parametrize("family", sorted(DECLARED))
def test_every_familys_example_is_a_law_and_expressions_go_where_declared(family):
    _doc, example, expressions = DOCS[family]
    law = getattr(mf, family)(*example)
    assert isinstance(law, mf.Distribution) and law.family
    # A parameter drawn from another law: a compound draw, or a TypeError
    # for the families that take numbers only.
    drawn = mf.constant(example[0]) + 0 * mf.uniform(0, 1)
    if expressions:
        draw = getattr(mf, family)(drawn, *example[1:])
        assert isinstance(draw, mf.Expr) and not isinstance(draw, mf.Distribution)
        assert len(mf.run({"x": draw}, n=100, seed=1)["x"]) == 100
    else:
        with pytest.raises(TypeError, match=f"{family}: "):
            getattr(mf, family)(drawn, *example[1:])


def test_a_family_missing_from_a_generated_file_is_named(tmp_path, monkeypatch):
    tool = load_tool()
    stub = tool.ROOT / "python" / "munflow" / "_core.pyi"
    copy = tmp_path / "python" / "munflow" / "_core.pyi"
    copy.parent.mkdir(parents=True)
    copy.write_text(stub.read_text().replace("def loguniform(", "def log_uniform(", 1))
    for rel in ["README.md", "docs/reference/core.md", "docs/scenario-format.md"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text((tool.ROOT / rel).read_text())
    (tmp_path / "python" / "munflow" / "_families.py").write_text(
        (tool.ROOT / "python" / "munflow" / "_families.py").read_text()
    )
    for so in (tool.ROOT / "python" / "munflow").glob("_core*.so"):
        (tmp_path / "python" / "munflow" / so.name).symlink_to(so)
    monkeypatch.setattr(tool, "ROOT", tmp_path)
    assert tool.stale() == ["python/munflow/_core.pyi"]
