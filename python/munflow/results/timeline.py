"""A timeline's model and results: series outputs as one column per period,
read back as samples x periods, tidy per-period tables, dates reached and
fan charts."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

import munflow._core as _core
from munflow._core import Expr
from munflow.formatting import ReadableTable
from munflow.results.base import Answers, no_samples, xarray_module
from munflow.results.summary import SummaryResults

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from munflow.evidence import Observation
    from munflow.results.protocols import TimelineModelLike

#: How a date-reached table labels the samples that never reach the level.
NOT_BY_THE_END = "not by the end"


def column(name: str, label: str) -> str:
    """The output column of a series' period: ``"containers[2024-03]"``."""
    return f"{name}[{label}]"


class TimelineResults(Answers):
    """Results of a timeline model: ``series(name)`` as samples x periods,
    ``period_summary()`` as a tidy table, ``to_xarray()``, dates by which a
    level is reached and fan charts.

    A time axis composed over the results of the flat model (``.results``:
    samples, a posterior or a summary): every question results answer
    (``summary``, ``prob``, ``percentile_of``, ``check_evidence``,
    ``shifts``, ``to_arviz``, a posterior's ``method``, ``ess``,
    ``observations``...) is answered by them, the same way; ``save`` keeps
    the time axis, so ``munflow.load`` gives a timeline's results again."""

    def __init__(self, model: TimelineModelLike, results: Any, scenario: Any = None) -> None:
        self.model = model
        self.timeline = model.timeline
        self.results = results
        #: The timeline scenario run, if the model came from a file.
        self.scenario = scenario

    def __getattr__(self, name: str) -> Any:
        # What the flat results know (a posterior's method, ess, prior...),
        # asked of them; private names are never forwarded (pickling asks).
        if name.startswith("_") or name in ("results", "model", "timeline", "scenario"):
            raise AttributeError(name)
        try:
            return getattr(self.results, name)
        except AttributeError:
            raise AttributeError(
                f"timeline results have no attribute {name!r}, nor do their flat results "
                f"({type(self.results).__name__})"
            ) from None

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write these results with their time axis (and the timeline file,
        if they came from one) to ``path``; ``munflow.load(path)`` gives
        timeline results again."""
        from munflow.results import saving

        return saving.save(self, path)

    # --- what every results object answers, through the flat results ---

    def summary(self, *args: Any, **kwargs: Any) -> pd.DataFrame:
        """The flat results' summary (one row per period and output)."""
        return self.results.summary(*args, **kwargs)

    def prob(self, event: Any, **options: Any) -> Any:
        """The probability of an event (see :meth:`munflow.Results.prob`)."""
        return self.results.prob(event, **options)

    def percentile_of(self, output: str, value: Any) -> Any:
        """Where a figure falls in an output's distribution (0-100)."""
        return self.results.percentile_of(output, value)

    def check_evidence(self, **options: Any) -> Any:
        """Whether the dated statements agree with each other and with the
        assumptions (see :meth:`munflow.PosteriorResults.check_evidence`)."""
        return self.results.check_evidence(**options)

    def shifts(self, output: str | None = None, **options: Any) -> Any:
        """How much each statement moved each output (see
        :meth:`munflow.PosteriorResults.shifts`)."""
        return self.results.shifts(output, **options)

    def predict(self, statement: Any) -> Any:
        """The distribution of the figure a statement to come would report
        (see :meth:`munflow.Results.predict`)."""
        return self.results.predict(statement)

    def surprise(self, statement: Any) -> Any:
        """Where a new statement falls in what was predicted for it (see
        :meth:`munflow.Results.surprise`)."""
        return self.results.surprise(statement)

    def to_arviz(self) -> Any:
        """The posterior in ArviZ's container (see
        :meth:`munflow.PosteriorResults.to_arviz`)."""
        return self.results.to_arviz()

    @property
    def keeps_samples(self) -> bool:  # type: ignore[override]
        return bool(self.results.keeps_samples)

    @property
    def n(self) -> int:
        return int(self.results.n)

    @property
    def seed(self) -> int:
        return int(self.results.seed)

    @property
    def weights(self) -> None:
        """None: every row of ``series()`` and ``to_xarray()`` counts
        equally, posteriors included (after weighting they are the
        equal-weight resample; the weighted draws are
        ``res.results.weighted_rows()``)."""
        return None

    def _columns(self, name: str) -> list[str]:
        if name not in self.model.series:
            raise KeyError(f"no series {name!r}; the series are: {', '.join(self.model.series)}")
        return [column(name, label) for label in self.timeline.labels]

    def series(self, name: str) -> np.ndarray:
        """The samples of a series: an array of n samples x periods."""
        return np.column_stack([self.results[c] for c in self._columns(name)])

    def period_summary(
        self, names: str | Sequence[str] | None = None, quantiles: Sequence[float] | None = None
    ) -> pd.DataFrame:
        """A tidy table: one row per series and period, with the period's
        label and first day, mean, sd and quantiles (the posterior's, with
        evidence)."""
        names = (
            self.model.series
            if names is None
            else [names]
            if isinstance(names, str)
            else list(names)
        )
        table = self.results.summary(quantiles) if quantiles is not None else self.results.summary()
        rows = []
        for name in names:
            for label, date, col in zip(
                self.timeline.labels, self.timeline.dates, self._columns(name), strict=True
            ):
                rows.append(
                    {
                        "quantity": name,
                        "period": label,
                        "date": pd.Timestamp(date),
                        **table.loc[col].to_dict(),
                    }
                )
        out = ReadableTable(pd.DataFrame(rows))
        out.attrs.update(seed=self.seed, n=self.n)
        return out

    def to_xarray(self) -> Any:
        """The samples as an xarray Dataset: each series a variable of dims
        (sample, period) with the periods' first days as coordinates, single
        outputs of dim sample; every sample counts equally, posteriors
        included (see :attr:`weights`)."""
        if isinstance(self.results, SummaryResults):
            raise ValueError(no_samples("to_xarray()"))
        xr = xarray_module()
        data: dict[str, Any] = {
            name: (("sample", "period"), self.series(name)) for name in self.model.series
        }
        for name in self.model.model.outputs:
            if name not in {c for s in self.model.series for c in self._columns(s)}:
                data[name] = (("sample",), np.asarray(self.results[name]))
        coords = {
            "sample": np.arange(self.n),
            "period": self.timeline.dates,
            "label": ("period", self.timeline.labels),
        }
        return xr.Dataset(data, coords=coords, attrs={"seed": self.seed, "n": self.n})

    def _mean_of(self, indicator: np.ndarray) -> np.ndarray:
        return indicator.mean(axis=0)

    def prob_by(self, name: str, level: float, when: Any) -> float:
        """P(the series is at least ``level`` in the period holding ``when``):
        with a cumulative series, the chance that ``level`` had arrived by
        then."""
        level = _level(level)
        t = self.timeline.period_of(when, "when")
        values = np.asarray(self.results[self._columns(name)[t]])
        return float(self._mean_of((values >= level)[:, None])[0])

    def reached(self, name: str, level: float) -> pd.Series:
        """When a series first reaches ``level``: the probability of each
        period, and of ``"not by the end"`` for the samples that never reach
        it (a share, never a NaN date). Index: the period labels, then
        ``"not by the end"``."""
        return _first_period(self, self.series(name) >= _level(level))

    def run_out(self, name: str) -> pd.Series:
        """When a stock series first runs out (is 0 after having held
        rounds): the probability of each period, and ``"not by the end"``
        for samples whose stock lasts (or never held anything)."""
        stock = self.series(name)
        held = np.maximum.accumulate(stock > 0, axis=1)
        empty = held & (stock <= 0)
        return _first_period(self, empty)

    def plot_fan(
        self,
        name: str,
        *,
        evidence: bool | Sequence[Observation] = True,
        ax: Axes | None = None,
        title: str | None = None,
    ) -> Axes:
        """A fan chart of a series: median line, 50% and 90% bands over a date
        axis, and the dated statements observing it drawn over it (a
        measurement as a point with its error bar, ``at_least`` and
        ``at_most`` as one-sided marks). A running total or a stock is drawn
        at each period's last day, when it is held; a flow at the period's
        first day.

        Only statements that state a figure of the series are drawn:
        ``measured``, ``between``, ``at_least``, ``at_most`` and ``paired``
        (its stated count, with that count's error). The other kinds
        (``count``, ``poisson``, ``serial_numbers``, ``image_count``,
        ``sightings``, ``log_likelihood``) are data the series is inferred
        from, not a figure of it, and are left off the chart."""
        from munflow import plot

        table = self.period_summary(name, [0.05, 0.25, 0.5, 0.75, 0.95])
        if self._held(name):
            table["date"] = pd.to_datetime(self.timeline.ends)
        statements = self._statements(name, evidence)
        return plot.fan(table, statements=statements, ax=ax, title=title or name)

    def _held(self, name: str) -> bool:
        """Whether a series holds amounts at each period's end."""
        return bool(getattr(self.model._outputs.get(name), "held", False))

    def _statements(
        self, name: str, evidence: bool | Sequence[Observation]
    ) -> list[dict[str, Any]]:
        """The observations of this series' periods, as points to draw."""
        if evidence is False:
            return []
        observations = self.model.evidence if evidence is True else list(evidence)
        # A statement about a period observes that period's node itself
        # (series.at(date) returns it; an Expr hashes by its node, so a node
        # named for the statement still matches).
        series = self.model._outputs[name].items
        items = {hash(x): t for t, x in enumerate(series) if isinstance(x, Expr)}
        dates = self.timeline.ends if self._held(name) else self.timeline.dates
        out = []
        for obs in observations:
            node = obs.nodes[0] if obs.nodes else None
            if not isinstance(node, Expr) or hash(node) not in items:
                continue
            t = items[hash(node)]
            point = _statement_point(obs)
            if point is not None:
                out.append({"date": pd.Timestamp(dates[t]), "name": obs.name, **point})
        return out

    def __repr__(self) -> str:
        return (
            f"munflow timeline results: n={self.n:,}, seed={self.seed}, {self.timeline!r}, "
            f"series: {', '.join(self.model.series)}"
        )


def _level(level: Any) -> float:
    """A level to compare a series with: a finite number (a NaN is reached
    by no sample, so it would answer "never" with certainty)."""
    if isinstance(level, bool) or not isinstance(level, int | float | np.number):
        raise TypeError(f"level must be a number, got {type(level).__name__}")
    if not math.isfinite(level):
        raise ValueError(f"level must be a finite number, got {level}")
    return float(level)


def _first_period(res: TimelineResults, hit: np.ndarray) -> pd.Series:
    """P(first hit in each period) and P(no hit), from samples x periods."""
    ever = hit.any(axis=1)
    first = np.where(ever, hit.argmax(axis=1), len(res.timeline))
    indicator = first[:, None] == np.arange(len(res.timeline) + 1)[None, :]
    probs = res._mean_of(indicator.astype(float))
    return pd.Series(probs, index=[*res.timeline.labels, NOT_BY_THE_END], name="probability")


def _statement_point(obs: Observation) -> dict[str, Any] | None:
    """How a statement is drawn (None: not drawn, it states no figure of
    the series): a measurement's (or a paired statement's count) reported
    value with the range that holds the truth at its level (``side``
    "both"), or a bound:
    ``side`` "above" for at least ``value``, "below" for at most, "both"
    for a range ``low`` to ``high``."""
    f = obs.figures
    if obs.kind == "paired":
        # The stated count, with the error it shares with its conversions.
        f = {"value": f["value"], "sd": f["sd"], "error": "lognormal"}
    if obs.kind in ("measured", "paired"):
        value, level = float(f["value"]), float(f.get("level") or 0.9)
        z = float(_core.normal(0, 1).ppf(0.5 + level / 2))
        if f.get("error", "lognormal") == "lognormal":
            sd = f["sd"] if f.get("sd") is not None else math.log1p(float(f["rel_error"])) / z
            return {
                "value": value,
                "low": value * math.exp(-z * sd),
                "high": value * math.exp(z * sd),
                "side": "both",
            }
        sd = f["sd"] if f.get("sd") is not None else float(f["rel_error"]) * value / z
        return {"value": value, "low": value - z * sd, "high": value + z * sd, "side": "both"}
    if obs.kind == "between":
        low, high = float(f["lower"]), float(f["upper"])
        return {"value": (low + high) / 2, "low": low, "high": high, "side": "both"}
    if obs.kind in ("at_least", "at_most"):
        value = float(f["value"])
        side = "above" if obs.kind == "at_least" else "below"
        return {"value": value, "low": value, "high": value, "side": side}
    return None
