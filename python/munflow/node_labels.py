"""Readable names for nodes that have none: what an analyst would call a
node built by arithmetic, such as ``cumulative containers at 2024-01`` for
the running total a timeline's ``series.at(date)`` reads (its own label is
the whole sum). Observations name and describe their quantities with them.

Kept beside the node, not as its name: naming a node in place would change
the random stream of an unnamed draw, and a name must be unique in a model.
"""

from __future__ import annotations

from typing import Any

#: Node identity (an expression's hash) -> its readable name.
_READABLE: dict[int, str] = {}


def remember(node: Any, text: str) -> None:
    """Call ``node`` (an unnamed expression) ``text`` in observations."""
    _READABLE[hash(node)] = text


def readable_label(node: Any) -> str:
    """The node's name, the readable name remembered for it, or its label."""
    if node.name is None and hash(node) in _READABLE:
        return _READABLE[hash(node)]
    return str(node.label)
