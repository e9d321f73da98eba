"""What the next statement will say: res.predict, res.surprise, and the date
conventions of dated statements (date, about, as_of) in Python and files."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import munflow as mf
from munflow.evidence.forecast import Prediction, crps


def test_the_prediction_of_a_measured_figure_is_the_lognormal_convolution():
    # log(reported) = log(x) + error: normal with variance 0.2^2 + 0.1^2.
    x = mf.lognormal(math.log(1000), 0.2, name="x")
    res = mf.run({"x": x}, n=20_000, seed=3)
    said = res.predict(mf.evidence.measured(x, sd=0.1, name="next report"))
    law = stats.lognorm(s=math.hypot(0.2, 0.1), scale=1000)
    for figure in (700, 1000, 1400):
        assert said.percentile_of(figure) == pytest.approx(100 * law.cdf(figure), abs=1.0)
        assert said.prob_above(figure) == pytest.approx(law.sf(figure), abs=0.01)
    lo, hi = said.interval(0.9)
    assert lo == pytest.approx(law.ppf(0.05), rel=0.03)
    assert hi == pytest.approx(law.ppf(0.95), rel=0.03)
    assert "a figure of more than 2,000" in said.words_above(2000)
    assert said.summary()["p50"] == pytest.approx(1000, rel=0.02)


def test_a_prediction_is_the_same_for_a_seed_whatever_the_threads():
    x = mf.lognormal(math.log(1000), 0.2, name="x")
    one = mf.run({"x": x}, n=5_000, seed=3, threads=1)
    two = mf.run({"x": x}, n=5_000, seed=3, threads=2)
    statement = mf.evidence.measured(x, rel_error=0.15, name="next")
    assert np.array_equal(one.predict(statement).samples, two.predict(statement).samples)
    assert one.predict(statement).percentile_of(1100) == two.predict(statement).percentile_of(1100)


def test_crps_from_samples_matches_the_normal_closed_form():
    z = stats.norm.ppf((np.arange(20_000) + 0.5) / 20_000)
    w = np.full(z.size, 1.0)
    y = 0.7
    exact = y * (2 * stats.norm.cdf(y) - 1) + 2 * stats.norm.pdf(y) - 1 / math.sqrt(math.pi)
    assert crps(z, w, y) == pytest.approx(exact, abs=1e-3)


def _two_sources():
    containers = mf.lognormal_ci(4000, 12000, name="containers")
    first = mf.evidence.measured(containers, 6000, rel_error=0.2, name="first")
    second = mf.evidence.measured(containers, 9000, rel_error=0.15, name="second")
    return containers, first, second


def test_surprise_before_use_agrees_with_the_p_value_after():
    containers, first, second = _two_sources()
    model = mf.Model({"containers": containers})
    before = model.observe(first).run(20_000, seed=5)
    after = model.observe(first, second).run(20_000, seed=5)
    surprise = before.surprise(second)
    checked = after.check_evidence().loc["second", "p_given_others"]
    assert surprise.p == pytest.approx(checked, abs=0.02)
    assert 50 < surprise.percentile < 100
    assert "percentile" in str(surprise) and "two-sided p" in str(surprise)


def test_a_bound_s_surprise_is_the_probability_it_holds():
    containers, first, _ = _two_sources()
    res = mf.Model({"containers": containers}).observe(first).run(10_000, seed=5)
    held = res.surprise(mf.evidence.at_least(containers, 5000, name="more than 5,000"))
    assert held.p == pytest.approx(res.prob(containers >= 5000), abs=0.01)
    assert math.isnan(held.percentile)


def test_predict_refuses_what_predicts_no_figure():
    x = mf.lognormal(0, 1, name="x")
    res = mf.run({"x": x}, n=100, seed=1)
    with pytest.raises(ValueError, match="log_likelihood observation predicts no figure"):
        res.predict(mf.evidence.log_likelihood(x * 0.0))
    with pytest.raises(TypeError, match="statement must be an observation"):
        res.predict("2024-10")
    with pytest.raises(ValueError, match="figure must be a finite number"):
        res.predict(mf.evidence.measured(x, rel_error=0.1)).percentile_of(float("nan"))
    with pytest.raises(ValueError, match="needs sd"):
        _ = res.predict(mf.evidence.measured(x, rel_error=0.1, error="normal")).samples
    summary = mf.run({"x": x}, n=100, seed=1, store="summary")
    with pytest.raises(TypeError, match="predict"):
        summary.predict(mf.evidence.measured(x, rel_error=0.1))


def _timeline_model():
    tl = mf.Timeline("2023-08", "2024-12")
    rate = tl.input("rate", mf.lognormal_ci(300, 1500), sharing="walk", step_sd=0.2)
    containers = tl.draw("containers", lambda r: mf.poisson(r), rate)
    return tl.model({"cumulative.containers": containers.cumulative()})


def test_a_timeline_posterior_predicts_a_later_statement():
    model = _timeline_model()
    cum = model._outputs["cumulative.containers"]
    said = mf.Statement("cumulative.containers", "2024-02", 6700, rel_error=0.15)
    res = model.observe(said.observation(model)).run(4_000, seed=2)
    october = res.predict(mf.evidence.measured(cum.at("2024-10"), rel_error=0.15))
    assert isinstance(october, Prediction)
    median = october.quantiles([0.5]).iloc[0]
    assert 6700 < median < 40_000
    assert october.prob_above(median) == pytest.approx(0.5, abs=0.03)
    assert res.predict(said.to_come(model)).percentile_of(6700) == pytest.approx(50, abs=15)


def test_as_of_splits_the_period_s_flow_by_days():
    tl = mf.Timeline("2024-01", "2024-03")
    cum = tl.values([31.0, 29.0, 31.0]).cumulative()
    flow = mf.lognormal(0, 1, name="flow")
    drawn = (tl.values([1.0, 1.0, 1.0]) * flow).cumulative()
    res = mf.run(
        {
            "mid_feb": cum.as_of("2024-02-10"),
            "end": cum.as_of("2024-03-31"),
            "x": drawn.as_of("2024-01-15"),
        },
        n=50,
        seed=1,
    )
    assert res["mid_feb"][0] == pytest.approx(31 + 10)
    assert res["end"][0] == pytest.approx(91)
    assert np.allclose(res["x"], res["flow"] * 15 / 31)
    with pytest.raises(ValueError, match="not a running total"):
        tl.values([1.0, 2.0, 3.0]).as_of("2024-02-10")
    with pytest.raises(ValueError, match="as_of 2024-05-01 is outside the timeline"):
        cum.as_of("2024-05-01")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"date": "2025-03"}, "date 2025-03 is outside the timeline"),
        ({"date": "2024-03", "about": "2024-04"}, "about 2024-04 is after the statement's date"),
        ({"date": "2024-03", "as_of": "2024-04-02"}, "as_of 2024-04-02 is not in the period"),
        (
            {"date": "2024-04", "about": "2024-02", "as_of": "2024-03-01"},
            r"as_of 2024-03-01 is not in the period of the statement's about \(2024-02\)",
        ),
    ],
)
def test_a_statement_s_dates_are_checked_naming_the_field(fields, message):
    model = _timeline_model()
    with pytest.raises(ValueError, match=message):
        mf.Statement("cumulative.containers", value=7000, rel_error=0.15, **fields).observation(
            model
        )


def test_a_statement_counts_to_its_date_about_or_as_of():
    model = _timeline_model()
    cum = model._outputs["cumulative.containers"]
    said = dict(series="cumulative.containers", value=7000, rel_error=0.15)
    plain = mf.Statement(date="2024-03", **said).quantity(model)
    lagged = mf.Statement(date="2024-03", about="2024-02", **said).quantity(model)
    assert hash(plain) == hash(cum.at("2024-03"))
    assert hash(lagged) == hash(cum.at("2024-02"))
    day = mf.Statement(date="2024-03", as_of="2024-03-15", **said).quantity(model)
    res = mf.run({"day": day, "feb": cum.at("2024-02"), "mar": cum.at("2024-03")}, n=200, seed=1)
    expected = res["feb"] + (res["mar"] - res["feb"]) * 15 / 31
    assert np.allclose(res["day"], expected)


FILE = """
[timeline]
start = "2024-01"
end = "2024-06"

[munitions.shell]
share = 0.5
per_container = 400
dud_rate = 0.25

[channels.port]
voyages_per_period = { lognormal_ci = [5, 15] }
containers_per_voyage = 10

[evidence.said]
kind = "measured"
quantity = "cumulative.containers"
value = 300
rel_error = 0.15
"""


def test_a_timeline_file_states_about_and_as_of_like_python():
    sc = mf.TimelineScenario(FILE + 'date = "2024-04"\nabout = "2024-03"\nas_of = "2024-03-10"\n')
    (obs,) = sc.model.evidence
    cum = sc.model._outputs["cumulative.containers"]
    res = mf.run({"said": obs.nodes[0], "day": cum.as_of("2024-03-10")}, n=100, seed=4)
    assert np.array_equal(res["said"], res["day"])
    plain = mf.TimelineScenario(FILE + 'date = "2024-04"\n')
    assert hash(plain.model.evidence[0].nodes[0]) == hash(
        plain.model._outputs["cumulative.containers"].at("2024-04")
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ('date = "2024-03"\nabout = "2024-04"\n', "evidence.said.about: 2024-04 is after"),
        ('date = "2024-03"\nas_of = "2024-04-02"\n', "evidence.said.as_of: 2024-04-02 is not in"),
        ('date = "2024-09"\n', "evidence.said.date: 2024-09 is outside the timeline"),
    ],
)
def test_a_timeline_file_s_bad_dates_are_located(fields, message):
    with pytest.raises(mf.ScenarioError, match=message) as err:
        mf.TimelineScenario(FILE + fields, "t.toml")
    assert "t.toml:" in str(err.value)


def test_as_of_on_a_series_that_is_no_running_total_is_located_in_the_file():
    text = FILE.replace("cumulative.containers", "shell.stock").replace(
        "[munitions.shell]", "[munitions.shell]\nfired_per_day = 10"
    )
    with pytest.raises(
        mf.ScenarioError, match="evidence.said.as_of: shell.stock: as_of splits"
    ) as err:
        mf.TimelineScenario(text + 'date = "2024-03"\nas_of = "2024-03-10"\n', "t.toml")
    assert str(err.value).startswith("t.toml:")
