"""Every kind of results answers the same questions the same way, or refuses
with a message saying why (never an AttributeError).

The kinds: plain, posterior by weighting and by tempering, summary-only (with
and without evidence), scenario (plain, posterior, summary-only), timeline
(plain, posterior, summary-only, and a timeline file with its statements).
Each is made once at small n; every public question is asked of each.
"""

from __future__ import annotations

import importlib.util
import pickle

import numpy as np
import pandas as pd
import pytest

import munflow as mf
from munflow.words import samples_behind

N = 2_000

has_xarray = importlib.util.find_spec("xarray") is not None
has_arviz = importlib.util.find_spec("arviz") is not None


def _plain_model(evidence: bool) -> tuple[mf.Model, mf.Expr]:
    rate = mf.beta(2, 8, name="fail_rate")
    failed = mf.binomial(mf.constant(40, name="launched"), rate)
    model = mf.Model({"failed": failed, "fail_rate": rate})
    if evidence:
        model = model.observe(mf.evidence.count(3, n=10, p=rate, name="failures"))
    return model, failed > 10


def _timeline(evidence: bool):
    tl = mf.Timeline("2023-10", "2024-03")
    containers = tl.input("containers", mf.lognormal_ci(200, 400), sharing="independent")
    model = tl.model({"containers": containers, "cumulative": containers.cumulative()})
    if evidence:
        at = containers.cumulative().at("2024-01")
        model = model.observe(mf.evidence.measured(at, 1200, rel_error=0.2))
    return model, containers.cumulative().at("2024-03") > 1500


def _make(kind: str):
    """(results, an event expression, an output name) of one kind."""
    store = {"store": "summary"} if "summary" in kind else {}
    if kind.startswith("timeline file"):
        sc = mf.Scenario.from_file(mf.scenarios.path("dprk_russia_timeline"))
        res = sc.run(N, 5, progress=False)
        event = sc.model.model.outputs["cumulative.voyages[2024-03]"] > 40
        return res, event, "cumulative.voyages[2024-03]"
    if kind.startswith("timeline"):
        model, event = _timeline("posterior" in kind)
        events = {"events": {"over 1,500": event}} if store else {}
        return model.run(N, 3, **store, **events), event, "cumulative[2024-03]"
    if kind.startswith("scenario"):
        name = "dprk_russia_2023_2024_combined" if "posterior" in kind else None
        sc = mf.scenarios.load(name) if name else mf.scenarios.load()
        out = "total.containers" if name else "total.containers[defence_minister]"
        event = sc.outputs()[out] > 7000
        events = {"events": {"over 7,000": event}} if store else {}
        return sc.run(n=N, seed=4, **store, **events), event, out
    model, event = _plain_model("posterior" in kind)
    options = dict(store)
    if "weighted" in kind or "summary posterior" == kind:
        options["method"] = "weighting"
    if "tempered" in kind:
        options["method"] = "tempering"
    if store:
        options["events"] = {"over 10": event}
    return model.run(N, seed=2, **options), event, "failed"


KINDS = [
    "plain",
    "weighted posterior",
    "tempered posterior",
    "summary",
    "summary posterior",
    "scenario",
    "scenario posterior",
    "scenario summary",
    "timeline",
    "timeline posterior",
    "timeline summary",
    "timeline file posterior",
]
POSTERIORS = [k for k in KINDS if "posterior" in k]
SUMMARY_ONLY = [k for k in KINDS if "summary" in k]
NO_SAMPLES = "keeps no samples"
NO_EVIDENCE = "no evidence"


@pytest.fixture(scope="module")
def made():
    cache: dict[str, tuple] = {}

    def get(kind: str):
        if kind not in cache:
            cache[kind] = _make(kind)
        return cache[kind]

    return get


@pytest.mark.parametrize("kind", KINDS)
def test_summary_with_and_without_mcse(made, kind):
    res, _event, output = made(kind)
    table = res.summary()
    assert {"mean", "sd", "p50"} <= set(table.columns)
    assert table.attrs["n"] == res.n and table.attrs["seed"] == res.seed
    if kind in SUMMARY_ONLY:
        with pytest.raises(ValueError, match=NO_SAMPLES):
            res.summary(mcse=True)
        return
    with_errors = res.summary(mcse=True)
    assert "mean_se" in with_errors.columns and "p50_se" in with_errors.columns
    assert np.all(with_errors["mean_se"] >= 0)


@pytest.mark.parametrize("kind", KINDS)
def test_prob_of_an_expression_and_with_its_error(made, kind):
    res, event, _output = made(kind)
    p = res.prob(event)
    assert 0.0 <= p <= 1.0
    if kind in SUMMARY_ONLY:
        with pytest.raises(ValueError, match=NO_SAMPLES):
            res.prob(event, mcse=True)
        with pytest.raises(ValueError, match="events named up front"):
            res.prob(mf.uniform(0, 1) > 0.5)
        return
    p2, se = res.prob(event, mcse=True)
    assert p2 == p and se >= 0


@pytest.mark.parametrize("kind", KINDS)
def test_percentile_of(made, kind):
    res, _event, output = made(kind)
    if kind in SUMMARY_ONLY:
        with pytest.raises(ValueError, match=NO_SAMPLES):
            res.percentile_of(output, 100.0)
        return
    median = float(res.summary(columns=[output])["p50"].iloc[0])
    assert 40 <= res.percentile_of(output, median) <= 60


def _parts(kind: str) -> set[str]:
    """The parts results of a kind hold."""
    names = {"posterior": "posterior", "summary": "summary", "timeline": "time"}
    parts = {part for word, part in names.items() if word in kind}
    return parts | ({"grouping"} if kind.startswith("scenario") else set())


FACETS = {
    mf.PosteriorResults: {"posterior"},
    mf.SummaryResults: {"summary"},
    mf.PosteriorSummaryResults: {"posterior", "summary"},
    mf.TimelineResults: {"time"},
    mf.ScenarioResults: {"grouping"},
    mf.results.ScenarioPosteriorResults: {"grouping", "posterior"},
    mf.results.ScenarioSummaryResults: {"grouping", "summary"},
}


def _kind_of(res) -> set[str]:
    """The parts results hold, read from the facets they are instances of."""
    return set().union(*(parts for facet, parts in FACETS.items() if isinstance(res, facet)))


@pytest.mark.parametrize("kind", KINDS)
def test_one_type_whose_kinds_are_facets(made, kind):
    res, _event, _output = made(kind)
    assert type(res) is mf.Results and isinstance(res, mf.Results)
    for facet, parts in FACETS.items():
        assert isinstance(res, facet) == (parts <= _parts(kind)), facet.__name__
    assert issubclass(mf.results.ScenarioPosteriorResults, mf.PosteriorResults)
    assert not issubclass(mf.SummaryResults, mf.PosteriorResults)
    assert not issubclass(mf.Results, mf.PosteriorResults)


@pytest.mark.parametrize("kind", KINDS)
def test_save_and_load_give_the_same_kind_and_summary(made, kind, tmp_path):
    res, event, _output = made(kind)
    back = mf.load(res.save(tmp_path / "saved"))
    assert type(back) is type(res) and _kind_of(back) == _kind_of(res) == _parts(kind)
    if hasattr(res, "results"):
        assert type(back.results) is type(res.results)
        assert _kind_of(back.results) == _parts(kind) - {"time"}
    pd.testing.assert_frame_equal(back.summary(), res.summary())
    assert back.prob(event) == res.prob(event)


@pytest.mark.parametrize("kind", KINDS)
def test_pickling_keeps_the_kind_and_figures(made, kind):
    res, event, _output = made(kind)
    back = pickle.loads(pickle.dumps(res))
    assert _kind_of(back) == _parts(kind)
    pd.testing.assert_frame_equal(back.summary(), res.summary())
    assert back.prob(event) == res.prob(event)
    if res.keeps_samples:
        name = res.keys()[0]
        assert not back[name].flags.writeable
        np.testing.assert_array_equal(back[name], res[name])


#: A question of each part, and what results without that part raise.
PART_QUESTIONS = {
    "time": [
        ("series", lambda res, s: res.series(s)),
        ("period_summary", lambda res, s: res.period_summary(s)),
        ("prob_by", lambda res, s: res.prob_by(s, 1000, "2024-03")),
        ("reached", lambda res, s: res.reached(s, 1000)),
        ("run_out", lambda res, s: res.run_out(s)),
    ],
    "grouping": [("compare", lambda res, s: res.compare())],
    "posterior": [
        ("weighted_rows", lambda res, s: res.weighted_rows()),
        ("resample", lambda res, s: res.resample(10)),
        ("prior_posterior", lambda res, s: res.prior_posterior()),
        ("draw_weights", lambda res, s: res.draw_weights),
    ],
    "summary": [("events_table", lambda res, s: res.events_table())],
}
NEEDS_SAMPLES = {"series", "prob_by", "reached", "run_out"} | {
    name for name, _ in PART_QUESTIONS["posterior"]
}


@pytest.mark.parametrize("kind", KINDS)
def test_the_questions_of_each_part_answer_or_refuse_saying_why(made, kind):
    res, _event, _output = made(kind)
    series = "containers" if kind.startswith("timeline") and "file" not in kind else "voyages"
    parts = _parts(kind)
    for part, questions in PART_QUESTIONS.items():
        for name, ask in questions:
            if part not in parts:
                with pytest.raises((TypeError, ValueError), match=r"\w+ \w+ \w+"):
                    ask(res, series)
            elif "summary" in parts and name in NEEDS_SAMPLES:
                with pytest.raises((ValueError, KeyError), match=NO_SAMPLES):
                    ask(res, series)
            else:
                assert ask(res, series) is not None
    # The facts of a posterior: absent (AttributeError, saying why) without one.
    for fact in ("method", "ess", "observations", "log_evidence"):
        if "posterior" in parts:
            assert getattr(res, fact) is not None
        else:
            with pytest.raises(AttributeError, match=NO_EVIDENCE):
                getattr(res, fact)
    # A summary-only run keeps no columns; every other kind's rows count equally.
    assert bool(res) and (len(res.keys()) > 0) == ("summary" not in parts)
    if "summary" not in parts:
        assert res.to_pandas().shape[0] == res.n
        if "posterior" in parts:
            assert np.allclose(res.weights, 1 / res.n)


@pytest.mark.skipif(not has_xarray, reason="xarray is not installed")
@pytest.mark.parametrize("kind", KINDS)
def test_to_xarray(made, kind):
    res, _event, output = made(kind)
    if kind in SUMMARY_ONLY:
        with pytest.raises(ValueError, match=NO_SAMPLES):
            res.to_xarray()
        return
    ds = res.to_xarray()
    assert ds.attrs["n"] == res.n and ds.sizes["sample"] == res.n
    if "timeline" in kind:
        name, _, label = output[:-1].partition("[")
        values = ds[name].sel(period=pd.Timestamp(label)).values
    else:
        values = ds[output].values
    # What xarray reduces gives the summary's median (equal-weight rows for
    # a posterior by weighting: within its sampling error).
    median = float(res.summary(columns=[output])["p50"].iloc[0])
    spread = float(res.summary(columns=[output])["sd"].iloc[0])
    assert abs(np.median(values) - median) <= 0.2 * spread + 1e-9


@pytest.mark.parametrize("kind", KINDS)
def test_report(made, kind, tmp_path):
    pytest.importorskip("matplotlib")
    res, _event, _output = made(kind)
    page = res.report(tmp_path / "report.html")
    assert "<html" in page.read_text()[:500].lower()


@pytest.mark.parametrize("kind", KINDS)
def test_evidence_questions(made, kind):
    res, _event, _output = made(kind)
    if kind not in POSTERIORS:
        for question in (res.check_evidence, res.shifts):
            with pytest.raises(TypeError, match=NO_EVIDENCE):
                question()
        return
    if kind in SUMMARY_ONLY:
        for question in (res.check_evidence, res.shifts):
            with pytest.raises(ValueError, match=NO_SAMPLES):
                question()
        return
    check = res.check_evidence(n_check=500)
    assert len(check) == len(res.observations)
    assert len(res.shifts(n_check=500)) > 0


@pytest.mark.parametrize("kind", KINDS)
def test_to_arviz(made, kind):
    res, _event, _output = made(kind)
    if kind not in POSTERIORS:
        with pytest.raises(TypeError, match=NO_EVIDENCE):
            res.to_arviz()
        return
    if kind in SUMMARY_ONLY:
        with pytest.raises(ValueError, match=NO_SAMPLES):
            res.to_arviz()
        return
    if not has_arviz:
        pytest.skip("arviz is not installed")
    assert "posterior" in res.to_arviz().groups()


@pytest.mark.parametrize("kind", KINDS)
def test_words_rest_on_the_samples_behind(made, kind):
    res, event, _output = made(kind)
    samples = samples_behind(res)
    assert 1 <= samples <= res.n
    assert isinstance(mf.words(res.prob(event), n=samples), str)
    if kind in POSTERIORS:
        assert samples == pytest.approx(res.ess)


@pytest.mark.parametrize("kind", KINDS)
def test_the_posterior_properties(made, kind):
    res, _event, _output = made(kind)
    if kind not in POSTERIORS:
        return
    assert res.method in ("weighting", "tempering")
    assert res.observations and all(isinstance(o, str) for o in res.observations)
    assert res.ess > 0 and np.isfinite(res.log_evidence)


def test_timeline_statements_built_in_python_have_readable_names():
    # They were the raw sum: "((containers@2023-10 + containers@2023-11) + ...".
    tl = mf.Timeline("2023-10", "2024-03")
    containers = tl.input("containers", mf.lognormal_ci(200, 400), sharing="independent")
    cumulative = containers.cumulative()
    model = tl.model({"cumulative": cumulative}).observe(
        mf.evidence.measured(cumulative.at("2024-01"), 1200, rel_error=0.2),
        mf.evidence.at_least(cumulative.at("2024-03"), 900),
    )
    check = model.run(N, 1).check_evidence(n_check=500)
    assert list(check.index) == [
        "cumulative containers at 2024-01 reported as 1,200",
        "cumulative containers at 2024-03 >= 900",
    ]
    assert all("@" not in text for text in check["description"])
    assert check["description"].iloc[0].startswith("measured: cumulative containers at 2024-01")
