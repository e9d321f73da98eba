"""Writes what the declaration of distribution families says into the files
that repeat it, or checks that they still say it (``--check``).

The declaration is ``with_families!`` in ``src/dist/mod.rs``; the built
extension reports it (``_core.families()``, ``_core._family_docs()``), so
build it first. From it come:

- the constructors' signatures in the type stub (``python/munflow/_core.pyi``),
- the package's re-export of them (``python/munflow/_families.py``),
- the README's list of distributions,
- the members of the docs' reference page (``docs/reference/core.md``),
- the table of scenario syntax (``docs/scenario-format.md``).

Each generated part sits between ``families: begin`` and ``families: end``
markers (the reference page's ``members`` line is found by its first entry).
``tests/python/test_families.py`` runs the check, so a family added to the
declaration and not written out here fails the tests.

    python tools/families.py           # rewrite the generated parts
    python tools/families.py --check   # exit 1 and name the stale files
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = "the declaration in src/dist/mod.rs"
BEGIN, END = "families: begin", "families: end"
LINE_LENGTH = 100

# Laws built from other things, listed after the families.
OTHERS = ["categorical", "empirical", "truncated", "mixture"]


def declaration() -> list[dict]:
    """Each family: name, params [(name, default)], doc, example, expressions."""
    import importlib.util

    # The extension alone: the package imports what this script writes.
    built = sorted((ROOT / "python" / "munflow").glob("_core*.so"))
    if not built:
        raise SystemExit("build the extension first (python/munflow/_core*.so)")
    spec = importlib.util.spec_from_file_location("munflow._core", built[0])
    _core = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(_core)

    docs = {name: rest for name, *rest in _core._family_docs()}
    return [
        dict(zip(["doc", "example", "expressions"], docs[name], strict=True), name=name, params=p)
        for name, p in _core.families()
    ]


def number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(x)


def first_sentence(doc: str) -> str:
    text = " ".join(doc.split())
    return re.split(r"(?<=\.)\s+(?=[A-Z])", text)[0]


# ---------------------------------------------------------------------------
# The type stub.


def stub_def(name: str, params: list[str], returns: str, overload: bool) -> str:
    """One stub definition, wrapped as ruff format wraps it."""
    params = [*params, "*", "name: str | None = None"]
    joined = ", ".join(params)
    line = f"def {name}({joined}) -> {returns}: ..."
    if len(line) <= LINE_LENGTH:
        text = line
    elif len(f"    {joined}") <= LINE_LENGTH:
        text = f"def {name}(\n    {joined}\n) -> {returns}: ..."
    else:
        inner = "".join(f"    {p},\n" for p in params)
        text = f"def {name}(\n{inner}) -> {returns}: ..."
    return ("@overload\n" if overload else "") + text


def stub_family(f: dict) -> str:
    def params(kind: str) -> list[str]:
        return [
            f"{p}: {kind}" if default is None else f"{p}: {kind} | None = {number(default)}"
            for p, default in f["params"]
        ]

    if not f["expressions"]:
        return stub_def(f["name"], params("Number"), "Distribution", overload=False)
    return "\n".join(
        [
            stub_def(f["name"], params("Number"), "Distribution", overload=True),
            stub_def(f["name"], params("Param"), "Expr", overload=True),
        ]
    )


def stub(families: list[dict]) -> str:
    # The blank line before the closing marker is ruff format's.
    return "\n".join(stub_family(f) for f in families) + "\n\n"


# ---------------------------------------------------------------------------
# The package's re-export.


def package_module(families: list[dict]) -> str:
    names = [f["name"] for f in families]
    imports = "".join(f"    {n},\n" for n in sorted(names))
    listed = "".join(f'    "{n}",\n' for n in sorted(names))
    return (
        f'"""The distribution families\' constructors, from {SOURCE}.\n\n'
        "Written by tools/families.py: edit the declaration, not this file.\n"
        '"""\n\n'
        f"from munflow._core import (\n{imports})\n\n"
        f"__all__ = [\n{listed}]\n"
    )


# ---------------------------------------------------------------------------
# The README and the docs.


def readme_list(families: list[dict]) -> str:
    return ", ".join(f"`{n}`" for n in [f["name"] for f in families])


def reference_members(families: list[dict]) -> str:
    names = [f["name"] for f in families] + ["bernoulli", *OTHERS]
    return f"members: [{', '.join(names)}]"


def syntax(f: dict) -> str:
    names = [p for p, _ in f["params"]]
    required = [p for p, default in f["params"] if default is None]
    if len(names) == 1:
        return f"`{{ {f['name']} = {names[0]} }}`"
    text = f"`{{ {f['name']} = [{', '.join(required)}] }}`"
    if len(required) < len(names):
        text += f" or `[{', '.join(names)}]`"
    return text


def scenario_table(families: list[dict]) -> str:
    rows = [("`430`", "the constant 430")]
    rows += [(syntax(f), first_sentence(f["doc"])) for f in families]
    rows += [
        ("`{ empirical = [x1, x2, ...] }`", "resample observed values"),
        ("`{ categorical = { values = [...], weights = [...] } }`", "listed values with weights"),
        (
            "`{ truncated = { dist = {...}, lo = a, hi = b } }`",
            "a law restricted to [lo, hi] (either bound optional)",
        ),
        ("`{ mixture = { components = [{...}, ...], weights = [...] } }`", "one of several laws"),
    ]
    width = max(len(s) for s, _ in rows)
    lines = [f"| {'syntax':<{width}} | meaning |", f"|{'-' * (width + 2)}|---------|"]
    lines += [f"| {s:<{width}} | {m} |" for s, m in rows]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# Putting the parts in place.


def between(text: str, part: str, open_: str) -> str:
    """`text` with the lines between its marker lines (comments opened by
    `open_`) replaced by `part`."""
    pattern = re.compile(
        rf"({re.escape(open_)} {BEGIN}[^\n]*\n)(.*?)"
        rf"({re.escape(open_)} {END})",
        re.DOTALL,
    )
    if not pattern.search(text):
        raise SystemExit(f"no '{BEGIN}' ... '{END}' markers found")
    return pattern.sub(lambda m: m.group(1) + part + m.group(3), text, count=1)


def inline(text: str, part: str) -> str:
    """`text` with the part between its inline HTML markers replaced."""
    pattern = re.compile(r"(<!-- families -->)(.*?)(<!-- /families -->)", re.DOTALL)
    if not pattern.search(text):
        raise SystemExit("no '<!-- families -->' ... '<!-- /families -->' markers found")
    return pattern.sub(lambda m: m.group(1) + part + m.group(3), text, count=1)


def members(text: str, line: str) -> str:
    return re.sub(r"members: \[constant, [^\]]*\]", line, text, count=1)


def expected() -> dict[Path, str]:
    """Each generated file and the text it should have."""
    families = declaration()
    stub_path = ROOT / "python" / "munflow" / "_core.pyi"
    readme = ROOT / "README.md"
    reference = ROOT / "docs" / "reference" / "core.md"
    scenario = ROOT / "docs" / "scenario-format.md"
    return {
        stub_path: between(stub_path.read_text(), stub(families), "#"),
        ROOT / "python" / "munflow" / "_families.py": package_module(families),
        readme: inline(readme.read_text(), readme_list(families)),
        reference: members(reference.read_text(), reference_members(families)),
        scenario: between(scenario.read_text(), "\n" + scenario_table(families) + "\n", "<!--"),
    }


def stale() -> list[str]:
    """The generated files that no longer say what the declaration says."""
    return [
        str(path.relative_to(ROOT))
        for path, text in expected().items()
        if not path.exists() or path.read_text() != text
    ]


def main() -> int:
    if "--check" in sys.argv[1:]:
        out_of_date = stale()
        for path in out_of_date:
            print(f"{path} differs from {SOURCE}; run python tools/families.py")
        return 1 if out_of_date else 0
    for path, text in expected().items():
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
