"""The time axis of a timeline's results: series outputs as one column per
period, read back as samples x periods, tidy per-period tables, dates
reached and fan charts (the questions are :class:`munflow.Results`'; this
part knows the periods and series they read)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

import munflow._core as _core
from munflow._core import Expr

if TYPE_CHECKING:
    from munflow.evidence import Observation
    from munflow.results.protocols import TimelineModelLike

#: How a date-reached table labels the samples that never reach the level.
NOT_BY_THE_END = "not by the end"


def column(name: str, label: str) -> str:
    """The output column of a series' period: ``"containers[2024-03]"``."""
    return f"{name}[{label}]"


class TimeAxis:
    """A timeline's periods over the outputs of its flat model: which
    columns make each series, whether a series holds amounts at each
    period's end, and the dated statements to draw over its fan chart."""

    def __init__(self, model: TimelineModelLike, scenario: Any = None) -> None:
        self.model = model
        self.timeline = model.timeline
        #: The timeline scenario run, if the model came from a file.
        self.scenario = scenario

    def columns(self, name: str) -> list[str]:
        """The output columns of a series, one per period."""
        if name not in self.model.series:
            raise KeyError(f"no series {name!r}; the series are: {', '.join(self.model.series)}")
        return [column(name, label) for label in self.timeline.labels]

    def series_names(self, names: str | Sequence[str] | None) -> list[str]:
        """Every series (None), one, or those named."""
        if names is None:
            return list(self.model.series)
        return [names] if isinstance(names, str) else list(names)

    def held(self, name: str) -> bool:
        """Whether a series holds amounts at each period's end."""
        return bool(getattr(self.model._outputs.get(name), "held", False))

    def statements(self, name: str, evidence: bool | Sequence[Observation]) -> list[dict[str, Any]]:
        """The observations of this series' periods, as points to draw."""
        if evidence is False:
            return []
        observations = self.model.evidence if evidence is True else list(evidence)
        # A statement about a period observes that period's node itself
        # (series.at(date) returns it; an Expr hashes by its node, so a node
        # named for the statement still matches).
        series = self.model._outputs[name].items
        items = {hash(x): t for t, x in enumerate(series) if isinstance(x, Expr)}
        dates = self.timeline.ends if self.held(name) else self.timeline.dates
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

    def first_period(self, hit: np.ndarray) -> pd.Series:
        """P(first hit in each period) and P(no hit), from samples x periods
        of equally weighted rows."""
        periods = len(self.timeline)
        ever = hit.any(axis=1)
        first = np.where(ever, hit.argmax(axis=1), periods)
        indicator = first[:, None] == np.arange(periods + 1)[None, :]
        probs = indicator.astype(float).mean(axis=0)
        return pd.Series(probs, index=[*self.timeline.labels, NOT_BY_THE_END], name="probability")


def as_level(level: Any) -> float:
    """A level to compare a series with: a finite number (a NaN is reached
    by no sample, so it would answer "never" with certainty)."""
    if isinstance(level, bool) or not isinstance(level, int | float | np.number):
        raise TypeError(f"level must be a number, got {type(level).__name__}")
    if not math.isfinite(level):
        raise ValueError(f"level must be a finite number, got {level}")
    return float(level)


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
