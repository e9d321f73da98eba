"""The body of a run that kept its draws: one column per output and stored
input, with the seed and size that made them and the model to draw more
from (an event's values on the same draws)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from munflow import _core
from munflow._core import Expr

if TYPE_CHECKING:
    from munflow.results.protocols import RunnableModel


class Samples:
    """A run's draws as read-only numpy columns (no copy of the core's)."""

    #: Whether the body holds the draws (a :class:`~munflow.results.summary.Summary` does not).
    keeps_samples = True

    def __init__(
        self, raw: Any, model: RunnableModel, *, threads: int | None, allow_nan: bool
    ) -> None:
        self.raw = raw
        self.model = model
        self.threads = threads
        self.allow_nan = allow_nan
        self.columns: dict[str, np.ndarray] = dict(raw.columns)
        for values in self.columns.values():
            values.flags.writeable = False

    def __reduce__(self) -> tuple[Any, ...]:
        # Through __init__ again, so the columns are read-only after unpickling.
        return (_samples, (self.raw, self.model, self.threads, self.allow_nan))

    @property
    def n(self) -> int:
        return int(self.raw.n)

    @property
    def seed(self) -> int:
        return int(self.raw.seed)

    @property
    def outputs(self) -> list[str]:
        return list(self.raw.outputs)

    @property
    def inputs(self) -> list[str]:
        return list(self.raw.inputs)

    def column(self, name: str) -> np.ndarray:
        """The draws of ``name``, or a KeyError naming the columns."""
        try:
            return self.columns[name]
        except KeyError:
            known = ", ".join(self.columns)
            raise KeyError(f"no column named {name!r}; columns are: {known}") from None

    def describe(
        self, names: list[str], qs: list[float], weights: np.ndarray | None = None
    ) -> list[Any]:
        """The summary of each column (mean, sd, min, max, quantiles), with
        the draws' ``weights`` if they have them."""
        columns = [self.columns[name] for name in names]
        if weights is None:
            return _core._describe(columns, qs)
        return _core._describe_weighted(columns, weights, qs)

    def evaluate(self, expr: Expr, *, draws: int | None = None, **conditions: Any) -> np.ndarray:
        """An expression's values on these draws (the same seed and streams;
        ``draws`` rows, a posterior's ``latent`` scores and ``conditioned``
        counts in ``conditions``)."""
        raw = _core._run(
            [("event", expr)],
            self.n if draws is None else draws,
            self.seed,
            threads=self.threads,
            store_inputs=False,
            allow_nan=self.allow_nan,
            keys_from=self.raw,
            **conditions,
        )
        return raw.columns["event"]


def _samples(raw: Any, model: Any, threads: int | None, allow_nan: bool) -> Samples:
    return Samples(raw, model, threads=threads, allow_nan=allow_nan)
