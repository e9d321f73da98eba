"""Results of a run, one concept in one place.

Every results object is one type, :class:`Results`, composed of parts,
each a module here:

- :mod:`~munflow.results.samples`: the body of a run that kept its draws,
  one column per output and input;
- :mod:`~munflow.results.summary`: the body of a summary-only run, its
  figures in place of the draws;
- :mod:`~munflow.results.posterior`: the weights and the evidence behind
  them (optional); :mod:`~munflow.results.weighted` and
  :mod:`~munflow.results.mcse` the statistics of weighted draws and their
  Monte Carlo errors;
- :mod:`~munflow.results.timeline`: a timeline's time axis (optional);
- :mod:`~munflow.results.grouped`: a scenario's grouping by munition and
  estimate (optional).

:mod:`~munflow.results.core` holds :class:`Results`, whose every question
asks the parts that can answer it, or refuses with a message saying why
(``summary``, ``prob``, ``percentile_of``, ``save``, ``to_xarray``,
``report``; a posterior's ``check_evidence``, ``shifts``, ``to_arviz``; a
timeline's ``series``, ``period_summary``, ``plot_fan``; a scenario's
``compare``...). :mod:`~munflow.results.facets` names the kinds by their
parts (:class:`PosteriorResults`, :class:`SummaryResults`,
:class:`PosteriorSummaryResults`, :class:`TimelineResults`,
:class:`ScenarioResults` and its posterior and summary kinds), for
``isinstance``; :mod:`~munflow.results.make` builds results from parts for
the runs. :mod:`~munflow.results.saving` and :mod:`~munflow.results.loading`
write and open the results file (``res.save(path)``, ``munflow.load(path)``);
:mod:`~munflow.results.inference_data` puts a posterior in ArviZ's container.
"""

from typing import Any

from munflow.results.core import Results
from munflow.results.facets import (
    PosteriorResults,
    PosteriorSummaryResults,
    ScenarioPosteriorResults,
    ScenarioResults,
    ScenarioSummaryResults,
    SummaryResults,
    TimelineResults,
)
from munflow.results.saving import ResultsFileError

#: What every results object answers: the one type (kept as a name for imports).
Answers = Results

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
