"""The body of a summary-only run: ranges and event probabilities, no samples.

``model.run(1e9, seed=1, store="summary", events={"over 12M": shells > 12e6})``
keeps no sample column, so its memory does not grow with n; the summary
(mean, sd, the quantiles asked for) and the probabilities of the events named
up front are computed as the samples are drawn, and are bit-identical to
those of the same run kept in memory.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from munflow._core import Expr
from munflow.results.base import summary_table

#: Prefix of the internal outputs that carry events (0/1 columns).
_EVENT = "\x01event:"


class Summary:
    """What a summary-only run keeps in place of the draws: per output the
    mean, sd, min, max and the quantiles asked for up front (``rows``), and
    the probability of each event named up front (``events``: name ->
    (expression, probability))."""

    #: Whether the body holds the draws.
    keeps_samples = False

    def __init__(
        self,
        *,
        n: int,
        seed: int,
        outputs: list[str],
        rows: Sequence[Any],
        quantiles: Sequence[float],
        events: Mapping[str, tuple[Expr, float]],
    ) -> None:
        self.n = int(n)
        self.seed = int(seed)
        self.outputs = list(outputs)
        self.rows = dict(zip(outputs, rows, strict=True))
        self.quantiles = [float(q) for q in quantiles]
        self.events = dict(events)

    def table(
        self, quantiles: Sequence[float] | None, columns: Sequence[str] | None
    ) -> pd.DataFrame:
        """The table of ranges at the levels computed during the run (or a
        subset of them), for every output or the ``columns`` named."""
        names = self.outputs if columns is None else [str(c) for c in columns]
        for name in names:
            if name not in self.rows:
                raise KeyError(f"no output named {name!r}; outputs are: {', '.join(self.outputs)}")
        qs = self.quantiles if quantiles is None else [float(q) for q in quantiles]
        missing = [q for q in qs if q not in self.quantiles]
        if missing:
            raise ValueError(
                f"quantile(s) {missing} were not computed by this summary-only run; "
                f"ask for them up front: run(..., store='summary', quantiles={sorted(set(qs))})"
            )
        return summary_table(
            {name: self.rows[name] for name in names},
            qs,
            levels=self.quantiles,
            seed=self.seed,
            n=self.n,
        )

    def prob(self, event: Any) -> float:
        """The probability of an event named up front, by its name or by the
        expression given (the same expression after ``save`` and ``load``)."""
        if isinstance(event, str) and event in self.events:
            return self.events[event][1]
        if isinstance(event, Expr):
            # An expression hashes by its node's identity, which a saved
            # file's graph keeps.
            for expr, p in self.events.values():
                if hash(expr) == hash(event):
                    return p
        named = ", ".join(repr(e) for e in self.events) or "none"
        raise ValueError(
            "a summary-only run keeps no samples, so it can only give the probabilities of "
            f"events named up front (here: {named}); ask for this one with "
            "run(..., store='summary', events={'name': shells > 3e6})"
        )


def _checked_events(events: Mapping[str, Expr] | None) -> dict[str, Expr]:
    if events is None:
        return {}
    if not isinstance(events, Mapping):
        raise TypeError(
            "events must be a dict of name -> true/false expression, such as "
            f"{{'over 12M': shells > 12e6}}, got {type(events).__name__}"
        )
    for name, expr in events.items():
        if not isinstance(name, str):
            raise TypeError(f"event names must be strings, got {name!r}")
        if not isinstance(expr, Expr):
            raise TypeError(
                f"event {name!r} must be an expression such as shells > 12e6, "
                f"got {type(expr).__name__}"
            )
    return dict(events)


def from_rows(
    n: int,
    seed: int,
    outputs: list[tuple[str, Expr]],
    events: dict[str, Expr],
    rows: Sequence[Any],
    quantiles: Sequence[float],
) -> Summary:
    """The summary part from the rows of outputs then events."""
    names = [name for name, _ in outputs]
    probabilities: dict[str, tuple[Expr, float]] = {}
    for (name, expr), row in zip(events.items(), rows[len(names) :], strict=True):
        mean, lo, hi = row.mean, row.min, row.max
        if lo < 0 or hi > 1:
            raise ValueError(
                f"event {name!r} must be true/false (0 or 1), but it took values from "
                f"{lo:g} to {hi:g}; write it as a comparison such as shells > 12e6"
            )
        probabilities[name] = (expr, mean)
    return Summary(
        n=n,
        seed=seed,
        outputs=names,
        rows=rows[: len(names)],
        quantiles=quantiles,
        events=probabilities,
    )
