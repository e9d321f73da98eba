"""munflow: honest ranges for munitions flows, by Monte Carlo simulation.

Turn fragments of public reporting ("about 7,000 containers", "nearly half of
some 50 missiles failed") into distributions, combine them into a model, and
run it::

    import munflow as mf

    containers = mf.lognormal_ci(6000, 8000, name="containers")
    per_container = mf.pert(300, 430, 500, name="per_container")
    dud_rate = mf.beta(2, 8, name="dud_rate")
    shells = mf.floor(containers * per_container)
    working = mf.binomial(shells, 1 - dud_rate)
    res = mf.run({"shells": shells, "working": working}, n=100_000, seed=7)
    res.summary()
    res.prob(shells > 3e6)
"""

from munflow import evidence, scenarios  # noqa: E402  (bundled scenario files)
from munflow._core import (
    Distribution,
    EvidenceError,
    Expr,
    ModelError,
    ParameterError,
    ScenarioError,
    __version__,
    abs,
    bernoulli,
    beta,
    beta_counts,
    binomial,
    categorical,
    clip,
    constant,
    cos,
    empirical,
    exp,
    floor,
    gamma,
    log,
    lognormal,
    lognormal_ci,
    maximum,
    minimum,
    mixture,
    named,
    negative_binomial,
    normal,
    pert,
    poisson,
    round,
    sin,
    sqrt,
    triangular,
    truncated,
    uniform,
    where,
)
from munflow.dependence import CorrelationRepairWarning, correlate
from munflow.model import Model, run
from munflow.persist import ResultsFileError
from munflow.posterior import PosteriorResults
from munflow.provenance import rests_on
from munflow.reopen import load
from munflow.results import Results
from munflow.scenario import Scenario, ScenarioResults
from munflow.sensitivity import (
    rank_correlation,
    shapley,
    sobol,
    tornado,
    value_of_information,
)
from munflow.summary_results import PosteriorSummaryResults, SummaryResults
from munflow.timeline import Series, Timeline, TimelineModel
from munflow.timeline_results import TimelineResults
from munflow.timeline_scenario import TimelineScenario
from munflow.words import words

__all__ = [
    "CorrelationRepairWarning",
    "Distribution",
    "EvidenceError",
    "Expr",
    "Model",
    "ModelError",
    "ParameterError",
    "PosteriorResults",
    "PosteriorSummaryResults",
    "Results",
    "ResultsFileError",
    "Scenario",
    "SummaryResults",
    "Timeline",
    "TimelineModel",
    "TimelineResults",
    "TimelineScenario",
    "ScenarioError",
    "ScenarioResults",
    "Series",
    "__version__",
    "abs",
    "bernoulli",
    "beta",
    "beta_counts",
    "binomial",
    "categorical",
    "clip",
    "constant",
    "correlate",
    "cos",
    "empirical",
    "evidence",
    "exp",
    "floor",
    "gamma",
    "log",
    "lognormal",
    "load",
    "lognormal_ci",
    "maximum",
    "minimum",
    "mixture",
    "named",
    "negative_binomial",
    "normal",
    "pert",
    "poisson",
    "rank_correlation",
    "rests_on",
    "round",
    "run",
    "scenarios",
    "shapley",
    "sin",
    "sobol",
    "sqrt",
    "tornado",
    "triangular",
    "truncated",
    "uniform",
    "value_of_information",
    "where",
    "words",
]
