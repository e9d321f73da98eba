"""Back-testing a timeline model against what was said later.

For each cut-off date, :func:`backtest` conditions the model on the
statements made up to it and scores every later statement against its
prediction (:meth:`munflow.Results.predict`): where its figure fell (the
probability integral transform, PIT), whether it fell in the central 50%
and 90% intervals, and its CRPS. A model whose forecasts are calibrated
has PIT values spread evenly over 0-1 and intervals that hold their figures
as often as they say (Dawid 1984; Gneiting and Raftery 2007).

    >>> import munflow as mf
    >>> def model():
    ...     tl = mf.Timeline("2023-08", "2024-06")
    ...     rate = tl.input("rate", mf.lognormal_ci(300, 1500), sharing="walk", step_sd=0.3)
    ...     return tl.model({"cumulative.containers": (rate * 1.0).cumulative()})
    >>> said = [
    ...     mf.Statement("cumulative.containers", "2023-11", 2000, rel_error=0.15),
    ...     mf.Statement("cumulative.containers", "2023-12", 5000, rel_error=0.15),
    ...     mf.Statement("cumulative.containers", "2024-02", 6700, rel_error=0.15),
    ... ]
    >>> bt = mf.backtest(model, said, cutoffs=["2023-11"], n=2_000, seed=1)
    >>> list(bt.table.columns[:4])
    ['cutoff', 'statement', 'date', 'figure']
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from munflow.formatting import ReadableTable
from munflow.timeline.series import TimelineModel, _parse
from munflow.timeline.statements import Statement

if TYPE_CHECKING:
    from matplotlib.axes import Axes

#: The columns of a back-test's table, in order.
COLUMNS = (
    "cutoff",
    "statement",
    "date",
    "figure",
    "median",
    "p5",
    "p95",
    "pit",
    "in_50",
    "in_90",
    "crps",
    "p_holds",
)


class Backtest:
    """A back-test's scores: ``table`` (one row per cut-off and later
    statement), ``summary()`` (per cut-off: mean CRPS, coverage of the 50%
    and 90% intervals), ``plot()`` (PIT histogram and interval coverage)."""

    def __init__(self, table: pd.DataFrame, *, n: int, seed: int | None) -> None:
        self.table = ReadableTable(table)
        self.table.attrs.update(n=n, seed=seed)
        self.n, self.seed = n, seed

    @property
    def pit(self) -> np.ndarray:
        """The PIT values of the stated figures (bounds left out)."""
        return self.table["pit"].dropna().to_numpy(dtype=float)

    def summary(self) -> pd.DataFrame:
        """Per cut-off: statements scored, the share inside the 50% and 90%
        intervals, the mean PIT and the mean CRPS."""
        figures = self.table.dropna(subset=["pit"]).astype({"in_50": float, "in_90": float})
        grouped = figures.groupby("cutoff", sort=False)
        table = pd.DataFrame(
            {
                "scored": grouped.size(),
                "in_50": grouped["in_50"].mean(),
                "in_90": grouped["in_90"].mean(),
                "mean_pit": grouped["pit"].mean(),
                "mean_crps": grouped["crps"].mean(),
            }
        )
        return ReadableTable(table)

    def plot(self, *, ax: Any = None, bins: int = 5, label: str | None = None) -> Axes:
        """PIT histogram: the share of stated figures in each band of the
        prediction (even bars for a calibrated model; a bar at the right:
        figures above the forecasts), with the interval coverage in the
        title."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(5, 3.2))
        pit = self.pit
        edges = np.linspace(0.0, 1.0, bins + 1)
        counts, _ = np.histogram(pit, bins=edges)
        share = counts / max(len(pit), 1)
        ax.bar(edges[:-1], share, width=1.0 / bins, align="edge", edgecolor="white", label=label)
        ax.axhline(1.0 / bins, color="0.3", linestyle="--", linewidth=1, label="calibrated")
        ax.set_xlim(0, 1)
        ax.set_xlabel("where the stated figure fell in the forecast (PIT)")
        ax.set_ylabel("share of statements")
        figures = self.table.dropna(subset=["pit"])
        in50, in90 = figures["in_50"].astype(float).mean(), figures["in_90"].astype(float).mean()
        ax.set_title(
            f"{len(pit)} forecasts: {in50:.0%} inside their 50% interval,\n"
            f"{in90:.0%} inside their 90% interval",
            fontsize="medium",
        )
        ax.legend(frameon=False, fontsize="small")
        return ax

    def __repr__(self) -> str:
        return f"munflow back-test (n={self.n:,}, seed={self.seed})\n{self.table!r}"

    def _repr_html_(self) -> str:
        return self.table._repr_html_()


def backtest(
    model_builder: Callable[[], TimelineModel] | TimelineModel,
    statements: Sequence[Statement],
    cutoffs: Sequence[Any],
    *,
    n: int = 10_000,
    seed: int | None = 0,
    **options: Any,
) -> Backtest:
    """Back-tests a timeline model: for each cut-off, the model (what
    ``model_builder()`` returns, or the model itself, with its own evidence)
    conditioned on the ``statements`` made in or before the cut-off's
    period, and each later statement scored against its prediction.

    Each cut-off's run uses ``n`` and ``seed`` (``options`` go to
    ``run``), so a back-test is the same for a seed. A cut-off before any
    statement, or with no statement after it, raises ValueError.
    """
    if not statements:
        raise ValueError("statements: give at least one dated statement (mf.Statement)")
    for s in statements:
        if not isinstance(s, Statement):
            raise TypeError(f"statements must be mf.Statement objects, got {type(s).__name__}")
    if not cutoffs:
        raise ValueError("cutoffs: give at least one cut-off date")
    build = model_builder if callable(model_builder) else (lambda: model_builder)
    said = sorted(statements, key=lambda s: s.stated)
    rows = []
    for cutoff in cutoffs:
        day = _cutoff_end(cutoff)
        before = [s for s in said if s.stated <= day]
        after = [s for s in said if s.stated > day]
        if not before:
            raise ValueError(
                f"cutoffs: {cutoff} is before any statement (the first was made {said[0].date})"
            )
        if not after:
            raise ValueError(
                f"cutoffs: no statement was made after {cutoff} (the last was made "
                f"{said[-1].date}), so there is nothing to score"
            )
        model = build()
        if not isinstance(model, TimelineModel):
            raise TypeError(
                f"model_builder must return a timeline model, got {type(model).__name__}"
            )
        res = model.observe(*(s.observation(model) for s in before)).run(n, seed, **options)
        for s in after:
            rows.append({"cutoff": str(cutoff), **_score(res, model, s)})
    return Backtest(pd.DataFrame(rows, columns=list(COLUMNS)), n=int(n), seed=seed)


def _cutoff_end(cutoff: Any) -> Any:
    """The last day a cut-off covers: a month's last day for '2023-12'."""
    import calendar

    day = _parse(cutoff, "cutoffs")
    if isinstance(cutoff, str) and len(cutoff.strip()) == 7:
        return day.replace(day=calendar.monthrange(day.year, day.month)[1])
    return day


def _score(res: Any, model: TimelineModel, s: Statement) -> dict[str, Any]:
    """A later statement against the prediction of it."""
    row: dict[str, Any] = {"statement": s.label, "date": str(s.date), "figure": float(s.value)}
    if s.kind != "measured":
        bound = s.observation(model)
        row["p_holds"] = res.predict(bound).tail(bound)
        return row
    prediction = res.predict(s.to_come(model))
    pit = prediction.percentile_of(float(s.value)) / 100.0
    p5, median, p95 = prediction.quantiles((0.05, 0.5, 0.95))
    row.update(
        median=median,
        p5=p5,
        p95=p95,
        pit=pit,
        in_50=bool(0.25 <= pit <= 0.75),
        in_90=bool(0.05 <= pit <= 0.95),
        crps=prediction.crps(float(s.value)),
    )
    return row
