"""Timelines: flows period by period, the statements dated along them, and
how well a model would have forecast what was said later.

- :mod:`~munflow.timeline.series`: a :class:`Timeline` of periods, its
  :class:`Series` (inputs shared across periods or drawn per period,
  cumulative flows, stocks) and the :class:`TimelineModel` they make;
- :mod:`~munflow.timeline.scenario`: timeline files read into a model
  (:class:`TimelineScenario`);
- :mod:`~munflow.timeline.statements`: dated statements of a running total
  and what each one counts to (:class:`Statement`);
- :mod:`~munflow.timeline.backtesting`: each cut-off's forecasts scored against
  the statements made after it (:func:`backtest`, :class:`Backtest`).

Their results are :class:`munflow.TimelineResults` (``munflow.results``).
"""

from munflow.timeline.backtesting import Backtest, backtest
from munflow.timeline.scenario import TimelineScenario
from munflow.timeline.series import Series, Timeline, TimelineModel
from munflow.timeline.statements import Statement

__all__ = [
    "Backtest",
    "Series",
    "Statement",
    "Timeline",
    "TimelineModel",
    "TimelineScenario",
    "backtest",
]
