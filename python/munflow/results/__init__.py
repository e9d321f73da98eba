"""Results of a run, one concept in one place.

Every results object answers the same questions (``summary``, ``prob``,
``percentile_of``, ``save``, ``to_xarray``, ``report``, and on a posterior
``check_evidence``, ``shifts``, ``to_arviz``), or refuses with a message
saying why. They are composed from a few parts, each a module here:

- :mod:`~munflow.results.base`: samples, one column per output and input
  (:class:`Results`), and the questions every kind answers
  (:class:`~munflow.results.base.Answers`);
- :mod:`~munflow.results.posterior`: weights and the evidence behind them
  (:class:`PosteriorResults`); :mod:`~munflow.results.weighted` and
  :mod:`~munflow.results.mcse` the statistics of weighted draws and their
  Monte Carlo errors;
- :mod:`~munflow.results.summary`: a summary in place of the samples
  (:class:`SummaryResults`, :class:`PosteriorSummaryResults`);
- :mod:`~munflow.results.timeline`: a time axis over any of them
  (:class:`TimelineResults`);
- :mod:`~munflow.results.grouped`: a grouping by munition and estimate over
  any of them (:class:`ScenarioResults` and its posterior and summary kinds);
- :mod:`~munflow.results.saving` and :mod:`~munflow.results.loading`: the results
  file, written and opened (``res.save(path)``, ``munflow.load(path)``);
- :mod:`~munflow.results.inference_data`: a posterior in ArviZ's container.
"""

from typing import Any

from munflow.results.base import Answers, Results
from munflow.results.grouped import (
    ScenarioPosteriorResults,
    ScenarioResults,
    ScenarioSummaryResults,
)
from munflow.results.posterior import PosteriorResults
from munflow.results.saving import ResultsFileError
from munflow.results.summary import PosteriorSummaryResults, SummaryResults
from munflow.results.timeline import TimelineResults

__all__ = [
    "Answers",
    "PosteriorResults",
    "PosteriorSummaryResults",
    "Results",
    "ResultsFileError",
    "ScenarioPosteriorResults",
    "ScenarioResults",
    "ScenarioSummaryResults",
    "SummaryResults",
    "TimelineResults",
    "load",
]


def __getattr__(name: str) -> Any:
    # load() rebuilds models and scenarios, whose modules import the parts
    # above: it is imported when first asked for, not with the package.
    if name == "load":
        from munflow.results.loading import load

        return load
    raise AttributeError(f"module 'munflow.results' has no attribute {name!r}")
