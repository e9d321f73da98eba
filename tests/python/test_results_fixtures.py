"""Results files of every kind, saved by the munflow of commit ca98c65
(results file version 2, before the results classes were composed into one
type: tests/python/fixtures/make_results_v2.py wrote them), load as the kind
they were saved as, with the figures they had."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import munflow as mf

FOLDER = Path(__file__).parent / "fixtures" / "results_v2"
FIGURES = json.loads((FOLDER / "figures.json").read_text())

#: The parts each kind holds: posterior, summary, time axis, grouping.
KINDS = {
    "plain": set(),
    "weighted_posterior": {"posterior"},
    "tempered_posterior": {"posterior"},
    "summary": {"summary"},
    "summary_posterior": {"posterior", "summary"},
    "scenario": {"grouping"},
    "scenario_posterior": {"grouping", "posterior"},
    "scenario_summary": {"grouping", "summary"},
    "timeline": {"time"},
    "timeline_posterior": {"time", "posterior"},
    "timeline_summary": {"time", "summary"},
}

FACETS = {
    mf.PosteriorResults: {"posterior"},
    mf.SummaryResults: {"summary"},
    mf.PosteriorSummaryResults: {"posterior", "summary"},
    mf.TimelineResults: {"time"},
    mf.ScenarioResults: {"grouping"},
    mf.results.ScenarioPosteriorResults: {"grouping", "posterior"},
    mf.results.ScenarioSummaryResults: {"grouping", "summary"},
}


def test_every_kind_has_a_file():
    assert set(KINDS) == set(FIGURES) == {p.stem for p in FOLDER.glob("*.npz")}
    assert sum(p.stat().st_size for p in FOLDER.iterdir()) < 200_000


@pytest.mark.parametrize("name", sorted(KINDS))
def test_a_file_of_each_kind_loads_as_that_kind(name):
    res = mf.load(FOLDER / f"{name}.npz")
    assert type(res) is mf.Results
    for facet, parts in FACETS.items():
        assert isinstance(res, facet) == (parts <= KINDS[name]), facet.__name__
    figure = FIGURES[name]
    median = res.summary(columns=[figure["output"]])["p50"].iloc[0]
    assert median == pytest.approx(figure["p50"], rel=1e-12)


@pytest.mark.parametrize("name", sorted(KINDS))
def test_a_loaded_file_answers_its_kinds_questions(name):
    res = mf.load(FOLDER / f"{name}.npz")
    parts = KINDS[name]
    output = FIGURES[name]["output"]
    if "summary" in parts:
        assert res.events_table()["probability"].between(0, 1).all()
    else:
        assert 30 <= res.percentile_of(output, FIGURES[name]["p50"]) <= 70
    if "posterior" in parts:
        assert res.observations and res.ess > 0
        assert res.method in ("weighting", "tempering")
        if name == "tempered_posterior":
            assert res.method == "tempering" and len(res.stages) > 0
        if name in ("weighted_posterior", "summary_posterior"):
            assert res.method == "weighting"
    if "time" in parts:
        table = res.period_summary("cumulative")
        assert table["p50"].iloc[-1] == pytest.approx(FIGURES[name]["p50"], rel=1e-12)
        assert type(res.results) is mf.Results and not isinstance(res.results, mf.TimelineResults)
    if "grouping" in parts:
        assert set(res.summary().index.names) >= {"munition", "quantity"}
