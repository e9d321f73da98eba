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

from munflow import _families, evidence, scenarios  # noqa: E402  (bundled scenario files)
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
    categorical,
    clip,
    cos,
    empirical,
    exp,
    floor,
    log,
    maximum,
    minimum,
    mixture,
    named,
    round,
    sin,
    sqrt,
    truncated,
    where,
)
from munflow._families import *  # noqa: F403 (the families, listed by the declaration)
from munflow.cargo import tonnes
from munflow.dependence import CorrelationRepairWarning, correlate
from munflow.model import Model, run
from munflow.results import (
    PosteriorResults,
    PosteriorSummaryResults,
    Results,
    ResultsFileError,
    ScenarioResults,
    SummaryResults,
    TimelineResults,
    load,
)
from munflow.scenario import Scenario
from munflow.sensitivity import (
    rank_correlation,
    rests_on,
    shapley,
    sobol,
    tornado,
    value_of_information,
)
from munflow.timeline import (
    Backtest,
    Series,
    Statement,
    Timeline,
    TimelineModel,
    TimelineScenario,
    backtest,
)
from munflow.words import words

__all__ = [
    "Backtest",
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
    "Statement",
    "__version__",
    "abs",
    "backtest",
    "bernoulli",
    "categorical",
    "clip",
    "correlate",
    "cos",
    "empirical",
    "evidence",
    "exp",
    "floor",
    "log",
    "load",
    "maximum",
    "minimum",
    "mixture",
    "named",
    "rank_correlation",
    "rests_on",
    "round",
    "run",
    "scenarios",
    "shapley",
    "sin",
    "sobol",
    "sqrt",
    "tonnes",
    "tornado",
    "truncated",
    "value_of_information",
    "where",
    "words",
]
# The distribution families, from the declaration (src/dist/mod.rs).
__all__ += _families.__all__

# Pickles made before the package was grouped by concept name old module paths.
from munflow import _old_paths  # noqa: E402, F401
