"""Arrays of a posterior hold posterior draws: after likelihood weighting,
``res["x"]``, ``to_pandas()``, ``series()`` and ``to_xarray()`` are the one
equal-weight resample of the weighted draws, so numpy, pandas and xarray
reductions give the figures the summary shows.

Each test here failed before: the arrays held the prior's draws beside a
weight column, and ``ds.cumulative.sel(period=...).median()`` on a timeline
posterior gave 29,291 where the posterior median is 19,519.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import munflow as mf
from munflow.results import weighted


def failures_model() -> mf.Model:
    rate = mf.beta(2, 8, name="fail_rate")
    return mf.Model({"fail_rate": rate}).observe(
        mf.evidence.count(25, n=50, p=rate, name="failures")
    )


@pytest.fixture(scope="module")
def by_weighting():
    res = failures_model().run(40_000, seed=3, method="weighting")
    assert res.method == "weighting"
    return res


def test_numpy_and_pandas_reductions_give_the_posterior(by_weighting):
    res = by_weighting
    truth = stats.beta(27, 33)
    x = res["fail_rate"]
    assert x.mean() == pytest.approx(truth.mean(), abs=0.003)
    assert np.median(x) == pytest.approx(truth.median(), abs=0.004)
    assert np.percentile(x, 95) == pytest.approx(truth.ppf(0.95), abs=0.006)
    frame = res.to_pandas()
    assert frame["fail_rate"].median() == pytest.approx(truth.median(), abs=0.004)
    table = res.summary()
    assert x.mean() == pytest.approx(table.loc["fail_rate", "mean"], abs=0.003)
    # The prior's draws would say ~0.2.
    assert abs(x.mean() - 0.2) > 0.2


def test_the_rows_held_are_the_documented_resample(by_weighting):
    res = by_weighting
    draws = res.weighted_rows()
    rows = weighted.equal_weight_rows(draws["weight"].to_numpy(), res.n, res.seed)
    assert np.array_equal(res["fail_rate"], draws["fail_rate"].to_numpy()[rows])
    assert np.all(np.diff(rows) >= 0)  # in the draws' order
    # Each draw appears floor or ceil of n x its weight times.
    counts = np.bincount(rows, minlength=res.n)
    share = res.n * draws["weight"].to_numpy()
    assert np.all((counts >= np.floor(share) - 1e-9) & (counts <= np.ceil(share) + 1e-9))
    assert not res["fail_rate"].flags.writeable
    assert res.weights == pytest.approx(np.full(res.n, 1 / res.n))


def test_the_resample_is_the_same_for_a_seed_whatever_the_threads():
    runs = [failures_model().run(20_000, seed=4, method="weighting", threads=t) for t in (1, 3)]
    assert np.array_equal(runs[0]["fail_rate"], runs[1]["fail_rate"])


def test_a_tempering_posterior_hands_out_its_particles_unchanged():
    res = failures_model().run(10_000, seed=5, method="tempering")
    draws = res.weighted_rows()
    assert np.array_equal(res["fail_rate"], draws["fail_rate"].to_numpy())
    assert np.allclose(draws["weight"], 1 / res.n)


def test_a_timeline_posterior_by_weighting_gives_posterior_series_and_datasets():
    pytest.importorskip("xarray")
    tl = mf.Timeline("2024-01", "2024-12")
    rate = tl.input("per_month", mf.lognormal_ci(500, 2_500), sharing="shared")
    shipped = tl.draw("shipped", lambda r: mf.poisson(r), rate)
    cumulative = shipped.cumulative()
    model = tl.model({"shipped": shipped, "cumulative": cumulative}).observe(
        mf.evidence.measured(cumulative.at("2024-06"), 6_000, rel_error=0.2, name="june")
    )
    res = model.run(20_000, seed=6, method="weighting")
    ds = res.to_xarray()
    assert "weight" not in ds
    table = res.period_summary()
    want = table[(table["quantity"] == "cumulative") & (table["period"] == "2024-12")]
    got = float(ds["cumulative"].isel(period=-1).median())
    assert got == pytest.approx(float(want["p50"].iloc[0]), rel=0.02)
    assert float(np.median(res.series("cumulative")[:, -1])) == pytest.approx(got)
    # Not the prior's December median.
    prior = model.without_evidence().run(20_000, seed=6)
    assert abs(got / float(np.median(prior.series("cumulative")[:, -1])) - 1) > 0.1


def test_a_timeline_posterior_answers_what_a_posterior_answers():
    # check_evidence and shifts were missing on timeline posteriors.
    tl = mf.Timeline("2024-01", "2024-06")
    rate = tl.input("per_month", mf.lognormal_ci(500, 2_500), sharing="shared")
    cumulative = tl.draw("shipped", lambda r: mf.poisson(r), rate).cumulative()
    model = tl.model({"cumulative": cumulative}).observe(
        mf.evidence.measured(cumulative.at("2024-03"), 3_000, rel_error=0.2, name="march")
    )
    res = model.run(4_000, seed=7)
    assert list(res.check_evidence().index) == ["march"]
    assert "change" in res.shifts().columns
    p, se = res.prob(res.series("cumulative")[:, -1] > 6_000, mcse=True)
    assert 0 < p < 1 and se > 0
    plain = tl.model({"cumulative": cumulative}).run(1_000, seed=7)
    with pytest.raises(TypeError, match="no evidence"):
        plain.check_evidence()
