"""The public names analysts import: none may disappear by accident.

New names are welcome (add them here); removing one is a breaking change and
must be a decision, with a deprecation, not a side effect of moving code.
"""

from __future__ import annotations

import importlib

import pytest

import munflow as mf

PUBLIC = """
CorrelationRepairWarning Distribution EvidenceError Expr Model ModelError
PosteriorResults PosteriorSummaryResults Results ResultsFileError Scenario
ScenarioError ScenarioResults Series SummaryResults Timeline TimelineModel
TimelineResults TimelineScenario __version__ abs bernoulli beta beta_counts
binomial categorical clip constant correlate cos empirical evidence exp floor
gamma integers load log lognormal lognormal_ci loguniform maximum minimum
mixture named negative_binomial normal pert poisson rank_correlation rests_on
round run scenarios shapley sin sobol sqrt tonnes tornado triangular truncated uniform
value_of_information where words Statement backtest Backtest
""".split()

# Modules the docs, notebooks and README import by path.
MODULES = [
    "munflow.evidence",
    "munflow.scenarios",
    "munflow.results",
    "munflow.results.weighted",
    "munflow.results.mcse",
    "munflow.timeline",
    "munflow.evidence.forecast",
    "munflow.evidence.checks",
    "munflow.timeline.statements",
    "munflow.timeline.scenario",
    "munflow.timeline.backtesting",
    "munflow.sensitivity",
    "munflow.dask",
    "munflow.plot",
    "munflow.report",
    "munflow.cli",
]


@pytest.mark.parametrize("name", PUBLIC)
def test_a_public_name_is_exported_and_importable(name):
    assert name in mf.__all__
    assert getattr(mf, name) is not None


@pytest.mark.parametrize("module", MODULES)
def test_a_documented_module_path_imports(module):
    importlib.import_module(module)


def test_every_exported_name_exists():
    missing = [name for name in mf.__all__ if not hasattr(mf, name)]
    assert not missing


# The extension's names that are neither exported by munflow nor
# underscored: types the package's objects are made of, and tables.
CORE_EXTRA = """
MAX_PERIODS OBSERVATION_KINDS Observation RunOutput ScenarioSpec Summary
SummaryJob TimelineSpec families nearest_correlation
""".split()


def test_the_extensions_plumbing_is_underscored():
    from munflow import _core

    public = {n for n in dir(_core) if not n.startswith("_")}
    plumbing = sorted(public - set(mf.__all__) - set(CORE_EXTRA))
    assert plumbing == [], f"internal functions of _core without an underscore: {plumbing}"
