"""The two families added through the declaration: ``integers(lo, hi)``, the whole
numbers lo..hi with both bounds included (scipy's ``randint(lo, hi + 1)``), and
``loguniform(lo, hi)`` (scipy's ``loguniform``). Checked against scipy (draws,
cdf, ppf, moments), for their messages, in scenario files, and under evidence
(tempering maps normal scores through their quantiles) against enumeration and
quadrature.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import munflow as mf

N = 20_000


# --- integers -----------------------------------------------------------------


def test_integers_draws_every_value_from_lo_to_hi_as_scipys_randint_does():
    draws = mf.integers(40, 60).sample(N, seed=1)
    assert set(np.unique(draws)) == set(range(40, 61))  # 60 included
    observed = np.bincount(draws.astype(int) - 40, minlength=21)
    expected = N * stats.randint(40, 61).pmf(np.arange(40, 61))
    assert stats.chisquare(observed, expected).pvalue > 1e-3


@pytest.mark.filterwarnings("ignore:divide by zero")  # scipy's kurtosis of randint(7, 8)
@pytest.mark.parametrize(("lo", "hi"), [(40, 60), (-3, 3), (7, 7), (0, 1)])
def test_integers_cdf_ppf_sf_and_moments_are_scipys(lo, hi):
    ours, theirs = mf.integers(lo, hi), stats.randint(lo, hi + 1)
    x = np.arange(lo - 2, hi + 3) + np.array([[0.0], [0.5]])
    assert np.array_equal(ours.cdf(x), theirs.cdf(x))
    assert np.allclose(ours.sf(x), theirs.sf(x), rtol=0, atol=1e-15)
    q = np.linspace(1e-9, 1, 997)
    assert np.array_equal(ours.ppf(q), theirs.ppf(q))
    assert ours.support() == (lo, hi)
    assert ours.mean() == pytest.approx(theirs.mean(), abs=1e-12)
    assert ours.var() == pytest.approx(theirs.var(), abs=1e-12)


def test_integers_moments_at_a_fixed_seed():
    draws = mf.integers(40, 60, name="launches").sample(N, seed=3)
    law = stats.randint(40, 61)
    assert abs(draws.mean() - 50) < 4 * law.std() / np.sqrt(N)
    assert draws.var() == pytest.approx(law.var(), rel=0.05)
    assert np.array_equal(draws, mf.integers(40, 60, name="launches").sample(N, seed=3))


# --- loguniform ---------------------------------------------------------------


def test_loguniform_draws_follow_scipys_loguniform():
    draws = mf.loguniform(1e3, 1e5).sample(N, seed=4)
    assert stats.kstest(draws, stats.loguniform(1e3, 1e5).cdf).pvalue > 1e-3
    assert draws.min() >= 1e3 and draws.max() <= 1e5


@pytest.mark.parametrize(("lo", "hi"), [(1e3, 1e5), (0.01, 2.0), (1.0, 1.001)])
def test_loguniform_cdf_ppf_and_moments_are_scipys(lo, hi):
    ours, theirs = mf.loguniform(lo, hi), stats.loguniform(lo, hi)
    x = np.geomspace(lo / 2, hi * 2, 301)
    assert np.allclose(ours.cdf(x), theirs.cdf(x), rtol=1e-12, atol=1e-15)
    assert np.allclose(ours.sf(x), theirs.sf(x), rtol=1e-12, atol=1e-15)
    q = np.linspace(0, 1, 101)
    assert np.allclose(ours.ppf(q), theirs.ppf(q), rtol=1e-12)
    assert ours.isf(1e-20) == pytest.approx(hi, rel=1e-12)
    assert ours.mean() == pytest.approx(theirs.mean(), rel=1e-12)
    assert ours.sd() == pytest.approx(theirs.std(), rel=1e-6)


def test_loguniform_moments_at_a_fixed_seed():
    draws = mf.loguniform(1e3, 1e5).sample(N, seed=5)
    law = stats.loguniform(1e3, 1e5)
    assert abs(draws.mean() - law.mean()) < 4 * law.std() / np.sqrt(N)
    # Every decade equally likely: half the draws below 1e4.
    assert abs((draws < 1e4).mean() - 0.5) < 4 * 0.5 / np.sqrt(N)


# --- bad parameters -----------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: mf.integers(40.5, 60),
            "integers: lo must be a whole number in [-2^53, 2^53], got 40.5",
        ),
        (lambda: mf.integers(40, float("inf")), "integers: hi must be a finite number, got inf"),
        (lambda: mf.integers(60, 40), "integers: lo must be <= hi, got lo=60, hi=40"),
        (lambda: mf.loguniform(0, 10), "loguniform: lo must be > 0, got 0"),
        (lambda: mf.loguniform(-1, 10), "loguniform: lo must be > 0, got -1"),
        (lambda: mf.loguniform(5, 2), "loguniform: lo must be < hi"),
        (lambda: mf.loguniform(1, float("nan")), "loguniform: hi must be a finite number, got NaN"),
    ],
)
def test_bad_parameters_are_value_errors_naming_the_parameter_and_value(call, message):
    with pytest.raises(ValueError) as info:
        call()
    assert message in str(info.value)


def test_a_bad_parameter_drawn_in_a_sample_names_the_family():
    lo = mf.integers(0, 10)
    with pytest.raises(ValueError, match="integers: lo must be <= hi"):
        mf.run({"x": mf.integers(lo, 5)}, n=1000, seed=1)
    with pytest.raises(TypeError, match="loguniform: lo"):
        mf.loguniform("1e3", 1e5)


# --- scenario files -----------------------------------------------------------

SCENARIO = """\
[munitions.shell_152]
category = "shell"
per_container = {per_container}

[mix.fixed]
shell_152 = 1
other = 0

[channels.reported.minister]
containers = {containers}
"""


def test_scenario_files_read_and_write_both_families(tmp_path):
    path = tmp_path / "new.toml"
    text = SCENARIO.format(
        per_container="{ integers = [400, 460] }", containers="{ loguniform = [1e3, 1e4] }"
    )
    path.write_text(text)
    sc = mf.Scenario.from_file(path)
    res = sc.run(n=N, seed=6)
    per = res["shell_152.per_container"]
    assert set(np.unique(per)) <= set(range(400, 461))
    containers = res["total.containers"]
    assert stats.kstest(containers, stats.loguniform(1e3, 1e4).cdf).pvalue > 1e-3
    assert abs(per.mean() - 430) < 4 * stats.randint(400, 461).std() / np.sqrt(N)
    back = mf.Scenario.from_file(sc.to_file(tmp_path / "again.toml"))
    assert back == sc


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("{ integers = [60, 40] }", "integers: lo must be <= hi, got lo=60, hi=40"),
        ("{ integers = [40] }", "integers takes [lo, hi], got 1 number"),
        ("{ loguniform = [0, 10] }", "loguniform: lo must be > 0, got 0"),
    ],
)
def test_scenario_errors_name_the_file_line_and_field(tmp_path, value, message):
    path = tmp_path / "bad.toml"
    path.write_text(SCENARIO.format(per_container=value, containers=7000))
    with pytest.raises(mf.ScenarioError) as info:
        mf.Scenario.from_file(path)
    want = f"{path}:3: munitions.shell_152.per_container: {message}"
    assert str(info.value).startswith(want), str(info.value)


# --- evidence (tempering through their quantiles) -----------------------------


def test_a_count_of_integers_matches_exact_enumeration_under_tempering():
    launches = mf.integers(40, 60, name="launches")
    model = mf.Model({"launches": launches}).observe(
        mf.evidence.count(28, n=launches, p=0.5, name="failed")
    )
    res = model.run(N, seed=7, method="tempering")
    values = np.arange(40, 61)
    weight = stats.binom(values, 0.5).pmf(28)
    weight /= weight.sum()
    mean = (values * weight).sum()
    sd = np.sqrt(((values - mean) ** 2 * weight).sum())
    got = res.summary().loc["launches", "mean"]
    assert abs(got - mean) < 0.06 * sd, (got, mean)
    assert res.prob(launches == 60) == pytest.approx(weight[-1], abs=0.015)
    assert set(np.unique(res["launches"])) <= set(range(40, 61))


def test_a_measurement_of_a_loguniform_matches_quadrature_under_tempering():
    rounds = mf.loguniform(1e3, 1e5, name="rounds")
    model = mf.Model({"rounds": rounds}).observe(
        mf.evidence.measured(rounds, 2e4, sd=3000, error="normal", name="report")
    )
    res = model.run(N, seed=8, method="tempering")
    x = np.geomspace(1e3, 1e5, 200_001)
    density = stats.loguniform(1e3, 1e5).pdf(x) * stats.norm(x, 3000).pdf(2e4)
    w = density * np.gradient(x)
    w /= w.sum()
    mean = (x * w).sum()
    sd = np.sqrt(((x - mean) ** 2 * w).sum())
    got = res.summary().loc["rounds", "mean"]
    assert abs(got - mean) < 0.06 * sd, (got, mean)


def test_draws_do_not_depend_on_the_thread_count():
    model = {"k": mf.integers(40, 60, name="k"), "r": mf.loguniform(1e3, 1e5, name="r")}
    one = mf.run(model, n=50_000, seed=9, threads=1)
    four = mf.run(model, n=50_000, seed=9, threads=4)
    for name in model:
        assert np.array_equal(one[name], four[name]), name
