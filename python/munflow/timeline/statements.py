"""Dated statements of a running total, and what each one counts to.

A statement made in month M counts to the end of M unless it says
otherwise: ``about="2024-02"`` for a figure published in March about
February (a reporting lag: it counts to the end of ``about``), or
``as_of="2024-03-15"`` for a figure as of a day (the total at the end of
the period before plus the share of the period's flow that the days up to
it make). ``since="2023-10"`` makes it a figure for a window: what
arrived from the start of October to where it counts to (a production
lot's deliveries, "2,000 containers since October"). ``date`` stays when
the statement was made: a back-test
(:func:`munflow.backtest`) uses a statement only after that date.

The same fields, with the same checks, are a timeline file's
``[evidence.NAME]`` table (``date``, ``about``, ``as_of``, ``since``)::

    >>> import munflow as mf
    >>> tl = mf.Timeline("2023-08", "2024-06")
    >>> rate = tl.input("rate", mf.lognormal_ci(500, 1500), sharing="walk", step_sd=0.2)
    >>> model = tl.model({"cumulative.containers": (rate * 1.0).cumulative()})
    >>> minister = mf.Statement("cumulative.containers", "2024-03", 7000, rel_error=0.15,
    ...                         about="2024-02", name="minister")
    >>> minister.counts_to(model.timeline)
    '2024-02'
    >>> res = model.observe(minister.observation(model)).run(2_000, seed=1)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from munflow import evidence as ev
from munflow._core import Expr
from munflow.timeline.series import Series, Timeline, TimelineModel, _parse

#: The kinds a dated statement of a running total can be.
KINDS = ("measured", "at_least", "at_most")


def counted_to(
    series: Series,
    date: Any,
    about: Any = None,
    as_of: Any = None,
    since: Any = None,
    *,
    where: str = "",
) -> Expr:
    """What a statement made at ``date`` observes of ``series``: its value
    at the end of ``about`` (or of ``date``), or at the end of the day
    ``as_of``; with ``since``, what arrived from the start of that period
    to there (a running total's growth, or a flow's sum over the window).
    Errors name the field (``where`` says whose).

    >>> import munflow as mf
    >>> tl = mf.Timeline("2024-01", "2024-04")
    >>> made = tl.values([10.0, 20.0, 30.0, 40.0])
    >>> lot = counted_to(made.cumulative(), "2024-03", since="2024-02")
    >>> float(mf.run({"lot": lot}, n=1, seed=1)["lot"][0])
    50.0
    """
    if since is not None:
        return _window(series, date, about, as_of, since, where)
    tl = series.timeline
    said = tl.period_of(date, f"{where}date")
    if about is not None:
        spoken = tl.period_of(about, f"{where}about")
        if spoken > said:
            raise ValueError(
                f"{where}about {about} is after the statement's date {date}: a statement "
                "speaks of the past"
            )
    else:
        spoken = said
    if as_of is None:
        return series.at(tl.labels[spoken])
    day = _parse(as_of, f"{where}as_of")
    if tl.period_of(day, f"{where}as_of") != spoken:
        field = "about" if about is not None else "date"
        raise ValueError(
            f"{where}as_of {as_of} is not in the period of the statement's {field} "
            f"({tl.labels[spoken]}): as_of is the day of that period the figure counts to"
        )
    return series.as_of(day)


def _window(series: Series, date: Any, about: Any, as_of: Any, since: Any, where: str) -> Expr:
    """What ``series`` (a running total, or the flow it adds up) gained
    from the start of ``since`` to where the statement counts to."""
    if series.held and series._flow is None:
        raise ValueError(
            f"{where}since counts what arrived in a window, and this series holds a stock "
            "(what was held at each period's end), not a running total of arrivals"
        )
    running = series if series.held else series.cumulative()
    end = counted_to(running, date, about, as_of, where=where)
    tl = series.timeline
    first = tl.period_of(since, f"{where}since")
    last = tl.period_of(as_of or about or date, f"{where}since")
    if first > last:
        raise ValueError(
            f"{where}since {since} is after {tl.labels[last]}, the period the statement "
            "counts to: a window starts before it ends"
        )
    if first == 0:
        return end
    return end - running.at(tl.labels[first - 1])


@dataclass(frozen=True)
class Statement:
    """A dated statement of a series of a timeline model (a running total
    such as ``"cumulative.containers"``): made at ``date``, saying
    ``value``, of ``kind`` "measured" (with ``rel_error`` or ``sd`` at
    ``level``, ``error`` "lognormal" or "normal"), "at_least" or "at_most";
    counting to the end of ``about`` or of the day ``as_of`` if given;
    with ``since``, what arrived from the start of that period to there (a
    figure for a window: "2,000 containers from October to March").

    ``observation(model)`` is the evidence; ``to_come(model)`` the same
    statement without its figure, for ``res.predict``.
    """

    series: str
    date: str
    value: float
    kind: str = "measured"
    rel_error: float | None = None
    sd: float | None = None
    level: float = 0.9
    error: str = "lognormal"
    about: str | None = None
    as_of: str | None = None
    name: str | None = None
    since: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        _parse(self.date, "date")
        if self.kind == "measured" and self.rel_error is None and self.sd is None:
            raise ValueError(f"statement {self.label!r}: a measured figure needs rel_error or sd")

    @property
    def label(self) -> str:
        return self.name or f"{self.series} stated {self.date}"

    @property
    def stated(self) -> dt.date:
        """The day the statement was made (a month's first day for "2024-03")."""
        return _parse(self.date, "date")

    def counts_to(self, timeline: Timeline) -> str:
        """The period (or day) whose end the figure counts to."""
        if self.as_of is not None:
            return str(self.as_of)
        return timeline.labels[timeline.period_of(self.about or self.date, "about")]

    def quantity(self, model: TimelineModel) -> Expr:
        series = model._outputs.get(self.series)
        if not isinstance(series, Series):
            raise ValueError(
                f"statement {self.label!r}: series {self.series!r} is not a series of the model; "
                f"its series are: {', '.join(model.series)}"
            )
        return counted_to(
            series, self.date, self.about, self.as_of, self.since, where=f"{self.label}: "
        )

    def observation(self, model: TimelineModel) -> Any:
        """The statement as evidence on ``model``."""
        return self._made(model, self.value)

    def to_come(self, model: TimelineModel) -> Any:
        """The statement without its figure (for ``res.predict``)."""
        return self._made(model, None)

    def _made(self, model: TimelineModel, value: float | None) -> Any:
        quantity = self.quantity(model)
        if self.kind == "measured":
            return ev.measured(
                quantity,
                value,
                rel_error=self.rel_error,
                sd=self.sd,
                level=self.level,
                error=self.error,
                name=self.label,
            )
        if value is None:
            raise ValueError(f"statement {self.label!r}: a bound has no figure to predict")
        bound = ev.at_least if self.kind == "at_least" else ev.at_most
        return bound(quantity, float(value), name=self.label)
