"""Flows over time: a timeline of periods, inputs shared across periods or
drawn per period, cumulative flows, stocks against consumption.

A timeline is columns per period: each period's quantity is an expression of
the same graph every run evaluates, so everything munflow does to outputs
(summaries, summary-only runs, evidence, Dask) works on each period.

    >>> import munflow as mf
    >>> tl = mf.Timeline("2023-08", "2024-05")               # months
    >>> rate = tl.input("voyages_per_month", mf.lognormal_ci(2, 8), sharing="persistent", rho=0.6)
    >>> sailing = tl.active([("2023-08", "2023-12"), ("2024-03", "2024-05")])
    >>> voyages = tl.draw("voyages", lambda r: mf.poisson(r), rate * sailing)
    >>> containers = voyages * tl.input("containers_per_voyage", mf.pert(80, 150, 300))
    >>> model = tl.model({"containers": containers, "cumulative": containers.cumulative()})
    >>> res = model.run(2_000, seed=1)
    >>> res.series("cumulative").shape
    (2000, 10)

How uncertainty is shared across periods decides the width of every
cumulative range, so each input says it (``sharing=``):

* ``"shared"`` (the default): one draw for the whole timeline. An unknown
  constant (containers per voyage, a dud rate) is the same in every month; a
  sum over T periods then has variance T² var. The default because most
  inputs of an estimate are unknown constants, and treating them as fresh
  each month would shrink cumulative ranges by √T: false confidence.
* ``"independent"``: a fresh draw each period (variance T var for a sum).
  For quantities that really vary month to month with no memory.
* ``"persistent"``: a stationary AR(1) process with correlation ``rho``
  between consecutive periods, on the value of a normal input or on the log
  of a lognormal one (each period's marginal is exactly the input's law).
* ``"walk"``: a random walk (local level) on the log of a lognormal rate
  (the value of a normal one), with a step of sd ``step_sd`` (a number or
  an uncertain input) each period. The input's law is the law of the first
  period; later periods wander from it, their spread growing with time.
  For rates that drift with no pull back to a typical value.
* ``"trend"``: a local linear trend on the log: a level plus a slope that
  itself drifts (``level_sd``, ``slope_sd``), the slope starting at 0 in
  the first period. ``damping`` (in (0, 1], 0.9 when not given) is the
  share of the slope kept each period: below 1 it fades, the guard against
  growth that explodes over long horizons; 1 is an undamped trend.
* ``"changepoint"``: the rate jumps to a new independent draw from the
  input's law at uncertain dates: in each period after the first, a change
  with probability ``hazard``. A regime change (a new route opening). Each
  period's law is the input's law.

Per-period draws are named ``"name@2024-03"`` (``"name@2024-03:slope"``
for a trend's slope, ``"name@2024-03:change"`` for a changepoint's
switch), and a named node's random stream is keyed by its name, so
extending the timeline or moving its start leaves the draws of the other
periods unchanged. (A persistent process, a walk and a trend are
recursions from the first period, so moving the start changes their path:
the walk starts from the input's law at the new first period. Their
innovations are keyed by date all the same.) The processes are defined
once, in the Rust core (``src/timeline``), for inputs built here and for
timeline files alike.
"""

from __future__ import annotations

import calendar
import datetime as dt
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

import munflow._core as _core
from munflow._core import Distribution, Expr
from munflow.model import Model
from munflow.node_labels import remember
from munflow.results.core import Results
from munflow.results.make import with_time
from munflow.results.timeline import column

if TYPE_CHECKING:
    from munflow.evidence import Observation

#: The period units a timeline can have.
PERIODS = ("month", "week", "day")

#: How an input's uncertainty is shared across periods.
SHARING = ("shared", "independent", "persistent", "walk", "trend", "changepoint")

When = str | dt.date | np.datetime64


def _parse(when: When, what: str) -> dt.date:
    """A date from '2024-03', '2024-03-15', a date or a numpy datetime64."""
    if isinstance(when, dt.datetime):
        return when.date()
    if isinstance(when, dt.date):
        return when
    if isinstance(when, np.datetime64):
        return dt.date.fromisoformat(str(when.astype("datetime64[D]")))
    if isinstance(when, str):
        text = when.strip()
        try:
            if len(text) == 7:
                return dt.date.fromisoformat(text + "-01")
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    raise ValueError(f"{what} must be a date such as '2024-03' or '2024-03-15', got {when!r}")


class Timeline:
    """Periods from ``start`` to ``end`` (both included), of one ``period``:
    ``"month"`` (labels '2024-03'), ``"week"`` (weeks from Monday, labelled
    by their Monday) or ``"day"``."""

    def __init__(self, start: When, end: When, period: str = "month") -> None:
        if period not in PERIODS:
            raise ValueError(f"period must be one of {', '.join(PERIODS)}, got {period!r}")
        first, last = _parse(start, "start"), _parse(end, "end")
        if last < first:
            raise ValueError(f"timeline: end {end} is before start {start}")
        self._period = period
        self._starts = _period_starts(_period_start(first, period), last, period)
        self._labels = [_label(d, period) for d in self._starts]
        self._index = {label: i for i, label in enumerate(self._labels)}

    @property
    def period(self) -> str:
        return self._period

    @property
    def labels(self) -> list[str]:
        """The periods' labels: '2024-03' for months, the first day otherwise."""
        return list(self._labels)

    @property
    def dates(self) -> np.ndarray:
        """The first day of each period (numpy datetime64[D])."""
        return np.array(self._starts, dtype="datetime64[D]")

    @property
    def ends(self) -> np.ndarray:
        """The last day of each period (numpy datetime64[D]): where an amount
        held at a period's end (a running total, a stock) is drawn."""
        return self.dates + (np.asarray(self.days) - 1).astype("timedelta64[D]")

    @property
    def days(self) -> np.ndarray:
        """Days in each period."""
        return np.array([_days_in(d, self._period) for d in self._starts], dtype=float)

    def __len__(self) -> int:
        return len(self._starts)

    def __repr__(self) -> str:
        return f"Timeline({self._labels[0]!r} .. {self._labels[-1]!r}, {len(self)} {self._period}s)"

    def period_of(self, when: When, what: str = "date") -> int:
        """The index of the period holding ``when``; a ValueError naming
        ``what`` and the timeline's range if it falls outside."""
        day = _parse(when, what)
        label = _label(_period_start(day, self._period), self._period)
        if label not in self._index:
            raise ValueError(
                f"{what} {when} is outside the timeline {self._labels[0]} .. {self._labels[-1]}"
            )
        return self._index[label]

    def active(self, ranges: tuple[When, When] | Sequence[tuple[When, When]]) -> Series:
        """1 in the periods of the (start, end) ranges (both included), 0
        elsewhere: multiply a rate by it for channels that run only at some
        dates, and gaps between them."""
        if isinstance(ranges, tuple) and len(ranges) == 2 and not isinstance(ranges[0], tuple):
            ranges = [ranges]
        on = np.zeros(len(self), dtype=float)
        for pair in ranges:
            if not (isinstance(pair, Sequence) and len(pair) == 2):
                raise ValueError(f"an active range is a (start, end) pair, got {pair!r}")
            begin = self.period_of(pair[0], f"active range {pair[0]}..{pair[1]}: start")
            end = self.period_of(pair[1], f"active range {pair[0]}..{pair[1]}: end")
            if end < begin:
                raise ValueError(f"active range {pair[0]}..{pair[1]}: end is before start")
            on[begin : end + 1] = 1.0
        return self.values(on)

    def values(self, values: Sequence[float] | np.ndarray, name: str | None = None) -> Series:
        """A series of known numbers, one per period."""
        values = np.asarray(values, dtype=float)
        if values.shape != (len(self),):
            raise ValueError(
                f"values: expected {len(self)} numbers (one per period), got shape {values.shape}"
            )
        return Series(self, [float(v) for v in values], name)

    def input(
        self,
        name: str,
        law: Distribution | float,
        *,
        sharing: str = "shared",
        rho: float | None = None,
        step_sd: Expr | float | None = None,
        level_sd: Expr | float | None = None,
        slope_sd: Expr | float | None = None,
        damping: float | None = None,
        hazard: float | None = None,
    ) -> Series:
        """An uncertain input over the periods, with its uncertainty shared
        across them as ``sharing`` says (see the module's docs): one draw
        named ``name``, or draws per period named ``name@<period>``.

        The parameters of each process: ``rho`` (persistent), ``step_sd``
        (walk), ``level_sd``, ``slope_sd`` and ``damping`` (trend, damping
        0.9 when not given), ``hazard`` (changepoint). The sds are on the
        log scale of a lognormal law (the value of a normal one), numbers or
        uncertain inputs (``step_sd=mf.lognormal_ci(0.05, 0.3)``).

        >>> import munflow as mf
        >>> tl = mf.Timeline("2024-01", "2024-12")
        >>> rate = tl.input("rate", mf.lognormal_ci(2, 8), sharing="walk", step_sd=0.1)
        >>> rate.items[-1].input_names()[:2]
        ['rate@2024-01', 'rate@2024-02']
        """
        if not isinstance(law, Distribution):
            if sharing not in SHARING:
                raise ValueError(
                    f"{name}: sharing must be one of {', '.join(SHARING)}, got {sharing!r}"
                )
            if sharing in ("walk", "trend", "changepoint"):
                # As in timeline files: the process's parameters would be ignored.
                raise ValueError(
                    f"{name}: sharing={sharing!r} moves an uncertain rate from period to "
                    f"period, and law is {law!r}; give its law (mf.lognormal_ci(low, high))"
                )
            if isinstance(law, int | float) and not isinstance(law, bool):
                return Series(self, [float(law)] * len(self), name)
            raise TypeError(
                f"{name}: law must be a distribution (mf.beta(2, 8), ...) or a number, "
                f"got {type(law).__name__}"
            )
        nodes = _core._rate_process(
            name,
            law,
            self._labels,
            sharing,
            rho=rho,
            step_sd=step_sd,
            level_sd=level_sd,
            slope_sd=slope_sd,
            damping=damping,
            hazard=hazard,
        )
        return Series(self, nodes, name)

    def draw(self, name: str, law: Callable[..., Expr], *series: Series | Expr | float) -> Series:
        """A draw per period whose parameters come from series: ``law`` is
        called with each period's values (``lambda rate: mf.poisson(rate)``)
        and its result named ``name@<period>``, so its stream is keyed by
        the period's date."""
        columns = [self._broadcast(s, name) for s in series]
        out = [
            _core.named(law(*row), f"{name}@{label}")
            for label, *row in zip(self._labels, *columns, strict=True)
        ]
        return Series(self, out, name)

    def _broadcast(self, x: Series | Expr | float, what: str) -> list[Any]:
        if isinstance(x, Series):
            if x.timeline is not self:
                raise ValueError(f"{what}: a series of another timeline")
            return x.items
        return [x] * len(self)

    def consumption(
        self, fired_per_day: Series | Expr | float, *, share: Series | Expr | float = 1.0
    ) -> Series:
        """Rounds wanted from this source in each period: ``fired_per_day``
        x the period's days x ``share`` (the part of that fire using this
        source's rounds)."""
        fired = self._broadcast(fired_per_day, "fired_per_day")
        shares = self._broadcast(share, "share")
        # Months of equal length want the same rounds when the rate and share
        # are shared: one node per distinct (rate, share, days).
        made: dict[tuple[int, int, float], Any] = {}
        out = []
        for rate, part, days in zip(fired, shares, self.days, strict=True):
            key = (id(rate), id(part), float(days))
            if key not in made:
                made[key] = _combine(operator.mul, _combine(operator.mul, rate, part), key[2])
            out.append(made[key])
        return Series(self, out, "consumption")

    def stock(
        self,
        delivered: Series,
        fired_per_day: Series | Expr | float,
        *,
        share: Series | Expr | float = 1.0,
        initial: Expr | float = 0.0,
    ) -> Series:
        """Rounds in stock at the end of each period: last period's stock
        plus what was delivered, less what was fired from this source
        (:meth:`consumption`), floored at zero: rounds not in stock cannot be
        fired, and a shortfall is not carried as a debt."""
        wanted = self.consumption(fired_per_day, share=share)
        level: Any = initial
        out = []
        for arrived, used in zip(delivered.items, wanted.items, strict=True):
            level = _core.maximum(_combine(operator.add, level, arrived) - used, 0.0)
            out.append(level)
        return Series(self, out, "stock", held=True)

    def model(
        self, outputs: Mapping[str, Series | Expr], evidence: Iterable[Any] = ()
    ) -> TimelineModel:
        """A model whose outputs are series (one column per period, named
        ``name[period]``) and single expressions."""
        return TimelineModel(self, dict(outputs), tuple(evidence))


class Series:
    """A quantity per period of a timeline: arithmetic is period by period;
    ``cumulative()``, ``at(date)`` and ``total()`` turn it into what
    analysts ask about."""

    __array_ufunc__ = None

    def __init__(
        self,
        timeline: Timeline,
        items: Sequence[Expr | float],
        name: str | None = None,
        *,
        held: bool = False,
    ) -> None:
        self.timeline = timeline
        self.items = list(items)
        self.name = name
        #: Whether each period holds an amount held at its end (a running
        #: total, a stock) rather than what happened in the period: such a
        #: series has no ``total()``.
        self.held = held
        self._cumulative: Series | None = None
        #: The flow a running total adds up (``cumulative()`` sets it):
        #: what ``as_of`` splits by days.
        self._flow: Series | None = None

    def __len__(self) -> int:
        return len(self.items)

    def __repr__(self) -> str:
        return f"Series({self.name or 'unnamed'}, {len(self)} {self.timeline.period}s)"

    def _apply(self, other: Any, op: Callable[[Any, Any], Any]) -> Series:
        theirs = self.timeline._broadcast(other, "series arithmetic")
        # Periods that combine the same two values (a shared input with a
        # constant) share one node rather than each making its own.
        done: dict[tuple[int, int], Any] = {}
        out = []
        for a, b in zip(self.items, theirs, strict=True):
            key = (id(a), id(b))
            if key not in done:
                done[key] = _combine(op, a, b)
            out.append(done[key])
        # Arithmetic on a running total is still an amount held (a stock is
        # deliveries' running total less consumption's).
        held = self.held or (isinstance(other, Series) and other.held)
        return Series(self.timeline, out, held=held)

    def __add__(self, other: Any) -> Series:
        return self._apply(other, operator.add)

    def __radd__(self, other: Any) -> Series:
        return self._apply(other, _flipped(operator.add))

    def __sub__(self, other: Any) -> Series:
        return self._apply(other, operator.sub)

    def __rsub__(self, other: Any) -> Series:
        return self._apply(other, _flipped(operator.sub))

    def __mul__(self, other: Any) -> Series:
        return self._apply(other, operator.mul)

    def __rmul__(self, other: Any) -> Series:
        return self._apply(other, _flipped(operator.mul))

    def __truediv__(self, other: Any) -> Series:
        return self._apply(other, operator.truediv)

    def __rtruediv__(self, other: Any) -> Series:
        return self._apply(other, _flipped(operator.truediv))

    def map(self, f: Callable[[Any], Any]) -> Series:
        """``f`` applied to each period's value."""
        return Series(self.timeline, [f(x) for x in self.items], held=self.held)

    def cumulative(self) -> Series:
        """The running total: period t holds the sum of periods 1..t (the
        same series, the same nodes, however often it is asked for)."""
        if self._cumulative is None:
            out: list[Any] = []
            for x in self.items:
                out.append(x if not out else _combine(operator.add, out[-1], x))
            name = f"cumulative {self.name}" if self.name else None
            self._cumulative = Series(self.timeline, out, name, held=True)
            self._cumulative._flow = self
        return self._cumulative

    def total(self) -> Expr:
        """The sum over every period of what happened in it (deliveries,
        voyages). A running total or a stock already holds what had arrived
        by each period's end, so adding its periods counts the same rounds
        again and again: ``total()`` refuses it (ask for ``.at(last period)``).
        """
        if self.held:
            what = f"{self.name!r}" if self.name else "this series"
            raise ValueError(
                f"total(): {what} holds a running total or a stock (what was held at each "
                f"period's end), and adding its periods would count the same rounds again; "
                f"use .at({self.timeline.labels[-1]!r}) for the amount at the end, or the "
                "series itself"
            )
        return _as_expr(self.cumulative().items[-1])

    def at(self, when: When) -> Expr:
        """The value of the period holding ``when``: with ``cumulative()``,
        what had arrived by then (dated statements observe this)."""
        t = self.timeline.period_of(when, "at")
        node = _as_expr(self.items[t])
        if self.name and node.name is None:
            remember(node, f"{self.name} at {self.timeline.labels[t]}")
        return node

    def as_of(self, day: When) -> Expr:
        """A running total at the end of ``day``: the total at the end of
        the period before, plus the share of this period's flow its days
        up to ``day`` make (the 15th of a 31-day month: 15/31). A statement
        "as of 15 March" observes it.

        >>> import munflow as mf
        >>> tl = mf.Timeline("2024-01", "2024-03")
        >>> cum = tl.values([31.0, 29.0, 31.0]).cumulative()
        >>> mf.run({"x": cum.as_of("2024-03-15")}, n=1, seed=1)["x"][0]
        np.float64(75.0)
        """
        if self._flow is None:
            raise ValueError(
                "as_of splits a period's flow by days, and this series is not a running "
                "total: use series.cumulative().as_of(day)"
            )
        t = self.timeline.period_of(day, "as_of")
        first = self.timeline.dates[t].astype(dt.date)
        elapsed = (_parse(day, "as_of") - first).days + 1
        if elapsed == self.timeline.days[t]:
            return self.at(day)
        share = elapsed / float(self.timeline.days[t])
        before = self.items[t - 1] if t > 0 else 0.0
        node = _as_expr(
            _combine(operator.add, before, _combine(operator.mul, self._flow.items[t], share))
        )
        if self.name and node.name is None:
            remember(node, f"{self.name} as of {_parse(day, 'as_of').isoformat()}")
        return node


def _flipped(op: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    return lambda a, b: _combine(op, b, a)


def _combine(op: Callable[[Any, Any], Any], a: Any, b: Any) -> Any:
    """``op(a, b)`` with the identities that keep a timeline's graph small:
    numbers combine as numbers, x * 0 is 0 (an inactive period adds no node
    and no draw), x * 1, x + 0 and x - 0 are x."""
    numbers = isinstance(a, int | float), isinstance(b, int | float)
    if all(numbers):
        return op(float(a), float(b))
    if op is operator.mul:
        if (numbers[0] and a == 0) or (numbers[1] and b == 0):
            return 0.0
        if numbers[0] and a == 1:
            return b
        if numbers[1] and b == 1:
            return a
    if op in (operator.add, operator.sub) and numbers[1] and b == 0:
        return a
    if op is operator.add and numbers[0] and a == 0:
        return b
    return op(a, b)


def _as_expr(x: Expr | float) -> Expr:
    return x if isinstance(x, Expr) else _core.constant(float(x))


def _period_start(day: dt.date, period: str) -> dt.date:
    if period == "month":
        return day.replace(day=1)
    if period == "week":
        return day - dt.timedelta(days=day.weekday())
    return day


def _next(start: dt.date, period: str) -> dt.date:
    if period == "month":
        return dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return start + dt.timedelta(days=7 if period == "week" else 1)


def _period_count(first: dt.date, last: dt.date, period: str) -> int:
    """Periods from the one starting at ``first`` to the one holding ``last``."""
    if period == "month":
        return (last.year - first.year) * 12 + last.month - first.month + 1
    return (last - first).days // (7 if period == "week" else 1) + 1


def _period_starts(first: dt.date, last: dt.date, period: str) -> list[dt.date]:
    count = _period_count(first, last, period)
    if count > _core.MAX_PERIODS:
        raise ValueError(
            f"timeline: {first} to {last} is {count} {period}s; a timeline has at most "
            f"{_core.MAX_PERIODS} periods (is the end's year right? a longer period, such as "
            '"week" or "month", covers more time)'
        )
    starts = [first]
    # Stepping past 9999-12-31 would overflow: stop at the counted periods.
    while len(starts) < count:
        starts.append(_next(starts[-1], period))
    return starts


def _label(start: dt.date, period: str) -> str:
    return f"{start.year:04d}-{start.month:02d}" if period == "month" else start.isoformat()


def _days_in(start: dt.date, period: str) -> int:
    if period == "month":
        return calendar.monthrange(start.year, start.month)[1]
    return 7 if period == "week" else 1


class TimelineModel:
    """Series (one output column per period, ``name[period]``) and single
    expressions as outputs of one model, with evidence (dated statements
    observe ``series.cumulative().at(date)``)."""

    def __init__(
        self,
        timeline: Timeline,
        outputs: Mapping[str, Series | Expr],
        evidence: Sequence[Observation] = (),
    ) -> None:
        if not outputs:
            raise ValueError("a timeline model needs at least one output")
        self.timeline = timeline
        self._series: list[str] = []
        self._outputs = dict(outputs)
        flat: dict[str, Expr] = {}
        for name, value in outputs.items():
            if isinstance(value, Series):
                if value.timeline is not timeline:
                    raise ValueError(f"output {name!r} is a series of another timeline")
                self._series.append(name)
                for label, item in zip(timeline.labels, value.items, strict=True):
                    flat[column(name, label)] = _as_expr(item)
            else:
                flat[name] = value
        self._evidence = tuple(evidence)
        self.model = Model(flat, evidence=self._evidence)

    @property
    def series(self) -> list[str]:
        """The names of the outputs that are series."""
        return list(self._series)

    @property
    def evidence(self) -> tuple[Observation, ...]:
        return self._evidence

    def observe(self, *observations: Observation) -> TimelineModel:
        """This model with more evidence (a new model)."""
        return TimelineModel(self.timeline, self._outputs, self._evidence + tuple(observations))

    def without_evidence(self) -> TimelineModel:
        return TimelineModel(self.timeline, self._outputs)

    def run(self, n: int | float, seed: int | None = None, **options: Any) -> Results:
        """Runs the model (the options of :meth:`munflow.Model.run`; with
        ``store="summary"`` only the per-period summaries are kept)."""
        return with_time(self, self.model.run(n, seed, **options))

    def __repr__(self) -> str:
        return f"TimelineModel({self.timeline!r}, series: {', '.join(self._series) or 'none'})"
