"""Every list of the kinds of observation (docstrings, stubs, README, docs)
names each kind src/evidence/kinds.rs declares, as ``_core.OBSERVATION_KINDS``
gives them: a new kind that is not listed fails here."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import munflow as mf
from munflow import _core

ROOT = Path(__file__).resolve().parents[2]
KINDS = _core.OBSERVATION_KINDS
#: Scenario files state every kind but a term the model computes itself.
FILE_KINDS = tuple(k for k in KINDS if k != "log_likelihood")


def test_the_core_table_is_the_declaration_in_src_evidence_kinds():
    text = (ROOT / "src" / "evidence" / "kinds.rs").read_text()
    block = text[text.index("pub const KINDS") : text.index("];", text.index("pub const KINDS"))]
    assert tuple(re.findall(r'name: "(\w+)"', block)) == KINDS


def test_each_kind_has_its_function_in_munflow_evidence():
    for kind in KINDS:
        assert kind in mf.evidence.__all__ and callable(getattr(mf.evidence, kind)), kind


def mentioned(text: str, quote: str = "") -> list[str]:
    """The kinds `text` does not mention (each within `quote` marks)."""
    return [k for k in KINDS if f"{quote}{k}" not in text]


def stub_docstring(cls: str, attr: str) -> str:
    tree = ast.parse((ROOT / "python" / "munflow" / "_core.pyi").read_text())
    [node] = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == cls]
    [fn] = [f for f in node.body if isinstance(f, ast.FunctionDef) and f.name == attr]
    return ast.get_docstring(fn) or ""


@pytest.mark.parametrize(
    ("where", "text", "quote"),
    [
        ("munflow.evidence docstring", mf.evidence.__doc__ or "", ":func:`"),
        ("_core.pyi Observation.kind", stub_docstring("Observation", "kind"), '"'),
        ("_core.Observation docstring", _core.Observation.__doc__ or "", '"'),
        ("_core.Observation.kind", _core.Observation.kind.__doc__ or "", '"'),
    ],
)
def test_docstrings_and_stubs_list_every_kind(where: str, text: str, quote: str):
    assert mentioned(text, quote) == [], where


def test_the_readmes_sentence_lists_every_kind():
    readme = (ROOT / "README.md").read_text()
    start = readme.index("Kinds of observation:")
    sentence = readme[start : readme.index(". ", start)]
    assert mentioned(sentence, "`") == []


def test_the_scenario_formats_table_lists_every_kind_files_take():
    text = (ROOT / "docs" / "scenario-format.md").read_text()
    table = text[text.index("| kind        | fields | meaning |") :].split("\n\n")[0]
    rows = re.findall(r"^\| ([^|]+)\|", table, flags=re.M)[1:]  # less the header
    listed = {k for row in rows for k in re.findall(r"`(\w+)`", row)}
    assert listed == set(FILE_KINDS)
