"""A statement whose figure is not known yet, for ``res.predict`` (see
:mod:`munflow.evidence.forecast`): ``mf.evidence.measured(quantity, rel_error=0.15)``
without a value."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from munflow._core import Observation


@dataclass(frozen=True)
class StatementToCome:
    """A statement to come: its kind, the quantity it will report and its
    error model (``figures``); ``stated(figure)`` makes the observation
    once the figure is known (through the constructor of
    :mod:`munflow.evidence` that made it)."""

    kind: str
    quantity: Any
    figures: dict[str, Any]
    name: str | None = None
    make: Callable[[float], Observation] | None = field(default=None, repr=False, compare=False)

    def stated(self, value: float) -> Observation:
        """The observation of this statement saying ``value``."""
        if self.make is None:
            raise ValueError(f"a statement to come of kind {self.kind!r} cannot be stated")
        return self.make(value)

    def __repr__(self) -> str:
        return f"<munflow statement to come {self.name or ''}: {self.kind}>".replace(" :", ":")
