"""Outputs as the API accepts them: a dict of name -> expression, one
expression, or a list of named expressions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from munflow._core import Expr

#: Samples of a run when none is asked for.
DEFAULT_SAMPLES = 100_000
#: The quantile levels of a summary table by default.
DEFAULT_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def as_outputs(outputs: Any) -> list[tuple[str, Expr]]:
    """Normalise outputs given as a dict, a single expression or a list of named ones."""
    if isinstance(outputs, Mapping):
        pairs = list(outputs.items())
    elif isinstance(outputs, Expr):
        pairs = [(outputs.name or "value", outputs)]
    elif isinstance(outputs, Sequence) and not isinstance(outputs, str):
        pairs = []
        for expr in outputs:
            if not isinstance(expr, Expr) or expr.name is None:
                raise TypeError(
                    "a list of outputs must hold named expressions; "
                    "pass a dict {name: expr} to name them"
                )
            pairs.append((expr.name, expr))
    else:
        raise TypeError(
            f"outputs must be a dict of name -> expression, got {type(outputs).__name__}"
        )
    if not pairs:
        raise ValueError("a model needs at least one output")
    for name, expr in pairs:
        if not isinstance(name, str):
            raise TypeError(f"output names must be str, got {type(name).__name__}")
        if not isinstance(expr, Expr | int | float):
            raise TypeError(
                f"output '{name}' must be a munflow expression, got {type(expr).__name__}"
            )
    return [(name, expr) for name, expr in pairs]
