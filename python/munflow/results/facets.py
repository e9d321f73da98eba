"""The kinds of results users name, as facets of the one type.

Every results object is a :class:`~munflow.results.core.Results`; what kind
it is depends on the parts it holds. Each name here tests for parts, with
``isinstance``, instead of being a class of its own:

==============================  ============================================
``PosteriorResults``            a posterior (a run with evidence)
``SummaryResults``              a summary in place of the draws
``PosteriorSummaryResults``     both
``TimelineResults``             a time axis (a timeline's)
``ScenarioResults``             a grouping by munition and estimate
``ScenarioPosteriorResults``    a grouping and a posterior
``ScenarioSummaryResults``      a grouping and a summary
==============================  ============================================

So ``isinstance(res, mf.PosteriorResults)`` is true of a timeline's or a
scenario's posterior, summary-only or not, and ``type(res)`` is
``munflow.Results`` for all of them. ``issubclass`` follows the parts too
(``issubclass(mf.ScenarioPosteriorResults, mf.PosteriorResults)``).

Called, a facet builds results of its kind from the arguments its class
took before the kinds were composed (``PosteriorResults(post, model,
threads=None, allow_nan=False)``...): see :mod:`munflow.results.make`.

>>> import munflow as mf
>>> x = mf.uniform(0, 1, name="x")
>>> res = mf.run({"x": x}, n=100, seed=1, store="summary")
>>> type(res).__name__, isinstance(res, mf.SummaryResults), isinstance(res, mf.Results)
('Results', True, True)
>>> isinstance(res, mf.PosteriorResults)
False
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from munflow.results import make
from munflow.results.core import Results

__all__ = [
    "PosteriorResults",
    "PosteriorSummaryResults",
    "ScenarioPosteriorResults",
    "ScenarioResults",
    "ScenarioSummaryResults",
    "SummaryResults",
    "TimelineResults",
]

#: Whether results hold each part.
PARTS: dict[str, Callable[[Results], bool]] = {
    "posterior": lambda res: res._posterior is not None,
    "summary": lambda res: not res.keeps_samples,
    "time": lambda res: res._time is not None,
    "grouping": lambda res: res._grouping is not None,
}


class Facet(type):
    """The type of a kind of results: ``isinstance`` tests the parts named
    in ``_parts``; calling it builds results of the kind (``_make``)."""

    _parts: tuple[str, ...]
    _make: Callable[..., Results]

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, Results) and all(PARTS[part](obj) for part in cls._parts)

    def __subclasscheck__(cls, sub: type) -> bool:
        return isinstance(sub, Facet) and set(cls._parts) <= set(sub._parts)

    def __call__(cls, *args: Any, **kwargs: Any) -> Results:
        return cls._make(*args, **kwargs)


class PosteriorResults(metaclass=Facet):
    """Results of a model with evidence: ``summary()`` is the posterior,
    ``prior`` the same model run without the evidence (same seed, same
    draws), ``weights`` the rows' weights, ``ess`` the effective sample size.

    ``check_evidence()`` says whether the observations conflict with each
    other or with the assumptions; ``shifts()`` how much each one moved the
    outputs; ``prior_posterior()`` and ``mf.plot.prior_posterior(res)``
    put the two side by side. (A facet of :class:`munflow.Results`: results
    with a posterior, whatever else they hold.)
    """

    _parts = ("posterior",)
    _make = staticmethod(make.of_posterior)


class SummaryResults(metaclass=Facet):
    """What a summary-only run keeps: per output the mean, sd, min, max and
    the quantiles asked for up front, and the probability of each event
    named up front (``events``, ``events_table()``).

    Anything that needs the samples themselves (``res["shells"]``, an event
    not named up front, Monte Carlo errors, ``percentile_of``,
    ``to_xarray``, sensitivity analysis) raises a ValueError saying so and
    how to ask for it. (A facet of :class:`munflow.Results`: results whose
    body is a summary.)
    """

    _parts = ("summary",)
    _make = staticmethod(make.of_summary)


class PosteriorSummaryResults(metaclass=Facet):
    """A summary-only posterior: the summary of a model with evidence,
    reached by likelihood weighting of the prior's samples, with the
    weights' diagnostics (``ess``, ``pareto_k``, ``log_evidence``). Weights
    are per sample, so they need no sample kept; evidence strong enough to
    need tempering is refused (run it in memory). (A facet of
    :class:`munflow.Results`: a summary and a posterior.)"""

    _parts = ("posterior", "summary")
    _make = staticmethod(make.summary_posterior)


class TimelineResults(metaclass=Facet):
    """Results of a timeline model: ``series(name)`` as samples x periods,
    ``period_summary()`` as a tidy table, ``to_xarray()``, dates by which a
    level is reached (``prob_by``, ``reached``, ``run_out``) and fan charts
    (``plot_fan``); ``.results`` are the flat model's (one column per series
    and period). ``save`` keeps the time axis, so ``munflow.load`` gives a
    timeline's results again. (A facet of :class:`munflow.Results`: results
    with a time axis, over samples, a posterior or a summary.)"""

    _parts = ("time",)
    _make = staticmethod(make.with_time)


class ScenarioResults(metaclass=Facet):
    """Results of a scenario run: the summary grouped by munition type, with
    alternative estimates side by side (``compare()``). (A facet of
    :class:`munflow.Results`: results grouped by estimate, over samples, a
    posterior or a summary.)"""

    _parts = ("grouping",)
    _make = staticmethod(make.grouped)


class ScenarioPosteriorResults(metaclass=Facet):
    """Results of a scenario with ``[evidence]``: the posterior, grouped by
    munition type as :class:`ScenarioResults` are, with the prior, weights
    and evidence checks of :class:`PosteriorResults`."""

    _parts = ("grouping", "posterior")
    _make = staticmethod(make.grouped)


class ScenarioSummaryResults(metaclass=Facet):
    """A summary-only run of a scenario: the summary grouped by munition as
    :class:`ScenarioResults` has it, and the comparison of alternative
    estimates (whose probabilities the run computed up front)."""

    _parts = ("grouping", "summary")
    _make = staticmethod(make.grouped)
