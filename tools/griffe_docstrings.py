"""A griffe extension for munflow's docstrings (mkdocs.yml loads it for the docs site).

The docstrings are written for ``help()`` and doctest: examples are ``>>>``
sessions and a paragraph ending in ``::`` introduces an indented code block
(reStructuredText's convention). In Markdown a ``>>>`` line would be a nested
quote and ``['25 of 50']`` a link, so each session becomes a fenced ``pycon``
block (an indented one is already code in Markdown), ``::`` a plain colon (the
indented block after it is code in Markdown too), and a Sphinx role such as
``:meth:`Model.run` `` plain code.

The stub of the compiled module (``munflow/_core.pyi``) gives signatures with
types but no docstrings: those are the extension's own (its Rust doc
comments), read from the built module, which must therefore be importable
(``make docs`` builds it first).
"""

from __future__ import annotations

import importlib
import inspect
import re
from typing import Any

import griffe

PROMPT = re.compile(r"^(\s*)>>> ")
ROLE = re.compile(r":(?:meth|mod|func|class|attr|data|obj|exc):`~?([^`]+)`")


def markdown(text: str) -> str:
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        prompt = PROMPT.match(line)
        if prompt and len(prompt.group(1)) < 4:  # a session: up to the next blank line
            indent = prompt.group(1)
            if out and out[-1].strip():
                out.append("")
            out.append(f"{indent}```pycon")
            while i < len(lines) and lines[i].strip():
                out.append(lines[i])
                i += 1
            out.append(f"{indent}```")
            continue
        if line.rstrip().endswith("::") and not line.strip().startswith(".."):
            head = line.rstrip()[:-2].rstrip()
            line = head + ":" if head else ""
        out.append(ROLE.sub(r"`\1`", line))
        i += 1
    return "\n".join(out)


def runtime_docstring(path: str) -> str | None:
    """The docstring of munflow._core's object at ``path``, from the built module."""
    module, _, rest = path.partition("munflow._core")
    if module or not rest.startswith("."):
        return None
    obj: Any = importlib.import_module("munflow._core")
    for part in rest[1:].split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    doc = inspect.getdoc(obj)
    return doc if doc and not doc.startswith(("Initialize self", "Create and return")) else None


class MunflowDocstrings(griffe.Extension):
    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is None:
            doc = runtime_docstring(obj.path)
            if doc is not None:
                obj.docstring = griffe.Docstring(doc, parent=obj)
        if obj.docstring is not None:
            obj.docstring.value = markdown(obj.docstring.value)
