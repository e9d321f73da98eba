"""Exact observations of drawn counts: "400 containers" stated of a Poisson
draw, "700 of 1,000" of a binomial one, "40 by March, 75 by June" of a
timeline's cumulative. The draw is integrated out of the likelihood and
takes the figure on the posterior's rows; the references are closed forms
(gamma-Poisson, beta-binomial, negative binomial forecasts) and quadrature.

Each test here failed before: as an indicator, an exact count of 400 left
about one prior sample in 50 and tempering stopped short of temperature 1
("tempering stopped at temperature 1.000 ..."), and an exact figure for a
continuous quantity was accepted and then explained by no sample.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import munflow as mf

N_ROWS = 4_000
PROBS = (0.05, 0.5, 0.95)
SHAPE, SCALE, EXPOSURE = 4.0, 2.5, 30.0  # rate ~ gamma(4, scale 2.5); N ~ Poisson(30 rate)


def gamma_poisson(k: int, method: str, n: int = N_ROWS, **options):
    rate = mf.gamma(SHAPE, SCALE, name="rate")
    count = mf.poisson(rate * EXPOSURE, name="N")
    model = mf.Model({"rate": rate, "reported": count * 2 + 1})
    return model.observe(mf.evidence.between(count, k, k, name="seen")).run(
        n, seed=1, method=method, **options
    )


def effective(res) -> float:
    """The effective sample size the checks assume: half the reported one
    (tempering's ESS overstates what its particles are worth, by up to 2x
    on these one-input models across seeds)."""
    return min(res.ess, res.n) / 2


def assert_matches(x, mean, sd, quantiles, density, ess) -> None:
    """Mean, sd and the 5th, 50th and 95th percentiles of draws `x` within 4
    Monte Carlo standard errors of the reference (`quantiles` and the
    reference `density` there, at PROBS), taking `ess` independent draws."""
    x = np.asarray(x)
    assert abs(x.mean() - mean) < 4 * sd / np.sqrt(ess), (x.mean(), mean)
    assert abs(x.std() - sd) < 4 * sd / np.sqrt(2 * ess), (x.std(), sd)
    probs = np.array(PROBS)
    se = np.sqrt(probs * (1 - probs) / ess) / np.asarray(density)
    got = np.quantile(x, probs)
    assert np.all(np.abs(got - quantiles) < 4 * se), (got, quantiles, se)


def assert_law(x, law, ess) -> None:
    """`assert_matches` against a scipy frozen distribution."""
    qs = law.ppf(PROBS)
    assert_matches(x, law.mean(), law.std(), qs, law.pdf(qs), ess)


@pytest.mark.parametrize("method", ["auto", "tempering"])
@pytest.mark.parametrize(
    "k", [40, 400, pytest.param(4_000, marks=pytest.mark.slow)], ids=lambda k: f"k={k}"
)
def test_an_exact_poisson_count_gives_the_gamma_posterior(k, method):
    res = gamma_poisson(k, method)
    # gamma(shape + k, rate 1/scale + exposure)
    law = stats.gamma(SHAPE + k, scale=1 / (1 / SCALE + EXPOSURE))
    assert_law(res["rate"], law, effective(res))
    # The reported Monte Carlo errors cover the truth too.
    table = res.summary(mcse=True).loc["rate"]
    assert abs(table["mean"] - law.mean()) < 4 * table["mean_se"], (table["mean"], law.mean())
    if method == "tempering":
        assert res.method == "tempering"
    # The count holds the figure on every row, and what reads it uses it.
    assert np.all(res["N"] == k)
    assert np.all(res["reported"] == 2 * k + 1)


def test_events_on_the_posterior_read_the_figure():
    res = gamma_poisson(400, "tempering")
    count = res.model.evidence[0].nodes[0]
    assert res.prob(count == 400) == pytest.approx(1.0)
    # The prior keeps the count's own law.
    assert res.prior["N"].std() > 10


@pytest.mark.parametrize("method", ["auto", "tempering"])
def test_an_exact_binomial_count_gives_the_beta_posterior(method):
    p = mf.beta(2, 3, name="p")
    hits = mf.binomial(1_000, p, name="hits")
    res = (
        mf.Model({"p": p})
        .observe(mf.evidence.between(hits, 700, 700))
        .run(N_ROWS, seed=2, method=method)
    )
    assert_law(res["p"], stats.beta(2 + 700, 3 + 300), effective(res))
    assert np.all(res["hits"] == 700)


def test_a_range_of_counts_weights_by_its_probability():
    lo, hi = 390, 410
    rate = mf.gamma(SHAPE, SCALE, name="rate")
    count = mf.poisson(rate * EXPOSURE, name="N")
    res = (
        mf.Model({"rate": rate})
        .observe(mf.evidence.between(count, lo, hi))
        .run(20_000, seed=3, method="tempering")
    )
    # The rate's posterior by quadrature: prior x P(lo <= N <= hi | rate).
    x = np.linspace(5, 25, 200_001)
    ks = np.arange(lo, hi + 1)
    like = stats.poisson.pmf(ks[:, None], EXPOSURE * x[None, :]).sum(axis=0)
    w = stats.gamma(SHAPE, scale=SCALE).pdf(x) * like
    w /= w.sum()
    mean = float((w * x).sum())
    sd = float(np.sqrt((w * (x - mean) ** 2).sum()))
    at = np.searchsorted(np.cumsum(w), PROBS)
    density = w[at] / (x[1] - x[0])
    assert_matches(res["rate"], mean, sd, x[at], density, effective(res))
    # N follows its posterior predictive: the prior predictive (negative
    # binomial) restricted to the range.
    n = np.asarray(res["N"])
    assert n.min() >= lo and n.max() <= hi and np.all(n == np.round(n))
    pmf = stats.nbinom(SHAPE, 1 / (1 + EXPOSURE * SCALE)).pmf(ks)
    pmf /= pmf.sum()
    want_mean = float((ks * pmf).sum())
    want_sd = float(np.sqrt((pmf * (ks - want_mean) ** 2).sum()))
    assert abs(n.mean() - want_mean) < 4 * want_sd / np.sqrt(effective(res)), (n.mean(), want_mean)
    observed = np.bincount((n - lo).astype(int), minlength=len(ks))
    # Rows are a resample: counts are judged on the effective sample size.
    chi2 = (((observed - n.size * pmf) ** 2) / (n.size * pmf)).sum() * effective(res) / n.size
    assert chi2 < stats.chi2(len(ks) - 1).isf(1e-4), chi2


def _two_dates(n: int, **options):
    tl = mf.Timeline("2024-01", "2024-12")
    rate = tl.input("rate", mf.gamma(SHAPE, SCALE))
    containers = tl.draw("containers", lambda r: mf.poisson(r), rate)
    cumulative = containers.cumulative()
    model = tl.model({"cumulative": cumulative, "containers": containers}).observe(
        mf.evidence.between(cumulative.at("2024-03"), 40, 40, name="40 by March"),
        mf.evidence.between(cumulative.at("2024-06"), 75, 75, name="75 by June"),
    )
    return model.run(n, seed=4, **options)


@pytest.mark.parametrize("method", ["auto", "tempering"])
def test_two_dated_cumulatives_give_the_gamma_rate_and_a_negative_binomial_forecast(method):
    res = _two_dates(N_ROWS, method=method)
    post = res.results
    # Poisson additivity: 75 containers in six months of the shared rate.
    shape, inverse_scale = SHAPE + 75, 1 / SCALE + 6
    ess = effective(post)
    assert_law(post["rate"], stats.gamma(shape, scale=1 / inverse_scale), ess)
    cumulative = res.series("cumulative")
    assert np.all(cumulative[:, 2] == 40) and np.all(cumulative[:, 5] == 75)
    months = res.series("containers")
    assert np.all(months >= 0) and np.all(months == np.round(months))
    # December: 75 plus six more months, Poisson(6 rate) of a gamma rate.
    december = cumulative[:, 11] - 75
    forecast = stats.nbinom(shape, inverse_scale / (inverse_scale + 6))
    assert abs(december.mean() - forecast.mean()) < 4 * forecast.std() / np.sqrt(ess)
    assert abs(december.std() - forecast.std()) < 4 * forecast.std() / np.sqrt(2 * ess)
    # Given 40 by March, each of its months is binomial(40, 1/3).
    jan = months[:, 0]
    assert abs(jan.mean() - 40 / 3) < 4 * np.sqrt(40 * 2 / 9) / np.sqrt(ess)


@pytest.mark.parametrize(
    "make",
    [
        lambda threads: gamma_poisson(400, "tempering", threads=threads),
        lambda threads: gamma_poisson(400, "weighting", threads=threads),
        lambda threads: _two_dates(2_000, method="tempering", threads=threads).results,
    ],
    ids=["tempering", "weighting", "timeline"],
)
def test_threads_give_the_same_bits(make):
    one, two = make(1), make(2)
    for name in one.keys():
        np.testing.assert_array_equal(np.asarray(one[name]), np.asarray(two[name]), name)


def test_an_exact_figure_for_a_continuous_quantity_is_refused_with_advice():
    x = mf.normal(10, 2, name="x")
    with pytest.raises(ValueError, match=r"'x exactly'.*measured\(x \* 3, 30, sd="):
        mf.evidence.between(x * 3, 30, 30, name="x exactly")
    # Bounds on a continuous quantity are fine, and counts derived by
    # rounding may be stated exactly (as indicators).
    res = mf.Model({"x": x}).observe(mf.evidence.at_least(x, 12)).run(N_ROWS, seed=5)
    assert res["x"].min() >= 12
    rounded = mf.round(x)
    res = mf.Model({"x": x}).observe(mf.evidence.between(rounded, 11, 11)).run(N_ROWS, seed=5)
    assert res["x"].min() >= 10.5 and res["x"].max() <= 11.5


def test_an_outer_figure_below_an_inner_one_is_named():
    tl = mf.Timeline("2024-01", "2024-06")
    rate = tl.input("rate", mf.gamma(SHAPE, SCALE))
    cumulative = tl.draw("containers", lambda r: mf.poisson(r), rate).cumulative()
    model = tl.model({"cumulative": cumulative}).observe(
        mf.evidence.between(cumulative.at("2024-03"), 40, 40, name="march"),
        mf.evidence.between(cumulative.at("2024-06"), 30, 30, name="june"),
    )
    with pytest.raises(ValueError, match="'june'.*'march'"):
        model.run(1_000, seed=1)


def test_an_exact_count_is_checked_as_a_stated_figure():
    res = gamma_poisson(400, "auto")
    table = res.check_evidence()
    # Where 400 falls in the prior predictive (negative binomial): a mid p-value.
    prior = stats.nbinom(SHAPE, 1 / (1 + EXPOSURE * SCALE))
    mid = prior.cdf(399) + prior.pmf(400) / 2
    want = 2 * min(mid, 1 - mid)
    assert abs(table.loc["seen", "p_given_prior"] - want) < 0.03, table
    assert not table.loc["seen", "conflict"]
    # The prior keeps the count's own law; the posterior holds the figure.
    assert abs(res.prior["N"].mean() - prior.mean()) < 4 * prior.std() / np.sqrt(res.prior.n)
