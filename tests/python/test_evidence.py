"""Evidence: posteriors against closed forms, exact enumeration and grid
integration; the tempering fallback where weighting collapses (with the
negative control); conflicts named; impossible evidence refused; determinism."""

from __future__ import annotations

import itertools
import pickle

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import munflow as mf

N = 20_000


def assert_matches(res, name, law, tol_sd=0.06):
    """Posterior mean and p5/p50/p95 within tol_sd posterior sds of the truth
    (Monte Carlo error at N = 20,000 is ~0.01-0.02 sd)."""
    table = res.summary([0.05, 0.5, 0.95])
    got = table.loc[name, ["mean", "p5", "p50", "p95"]].to_numpy(dtype=float)
    want = np.array([law.mean(), *law.ppf([0.05, 0.5, 0.95])])
    assert np.all(np.abs(got - want) < tol_sd * law.std()), (got, want)


def failures_model():
    rate = mf.beta(2, 8, name="fail_rate")
    seen = mf.evidence.count(25, n=50, p=rate, name="failures")
    return mf.Model({"fail_rate": rate}).observe(seen)


# --- conjugate posteriors ---------------------------------------------------


def test_beta_prior_with_a_binomial_count():
    res = failures_model().run(N, seed=1)
    assert_matches(res, "fail_rate", stats.beta(27, 33))


@pytest.mark.parametrize("method", ["weighting", "tempering"])
def test_both_methods_give_the_same_conjugate_posterior(method):
    res = failures_model().run(N, seed=2, method=method)
    assert res.method == method
    assert_matches(res, "fail_rate", stats.beta(27, 33), tol_sd=0.1)


def test_gamma_prior_with_poisson_counts():
    lam = mf.gamma(3, 2, name="rate")  # shape 3, scale 2
    model = mf.Model({"rate": lam}).observe(
        mf.evidence.poisson(12, rate=lam, name="first"),
        mf.evidence.poisson(9, rate=lam, name="second"),
    )
    # gamma(shape 3 + 21, rate 1/2 + 2)
    assert_matches(model.run(N, seed=3), "rate", stats.gamma(24, scale=1 / 2.5))


def test_normal_prior_with_a_normal_measurement():
    x = mf.normal(100, 50, name="x")
    model = mf.Model({"x": x}).observe(mf.evidence.measured(x, 160, sd=30, error="normal"))
    precision = 1 / 50**2 + 1 / 30**2
    mean = (100 / 50**2 + 160 / 30**2) / precision
    assert_matches(model.run(N, seed=4), "x", stats.norm(mean, precision**-0.5))


def test_lognormal_quantity_measured_with_errors_in_proportion():
    containers = mf.lognormal(np.log(7000), 0.5, name="containers")
    said = mf.evidence.measured(containers, 9000, rel_error=0.15, level=0.9, name="minister")
    sigma = np.log(1.15) / stats.norm.ppf(0.95)
    var = 1 / (1 / 0.25 + 1 / sigma**2)
    mu = var * (np.log(7000) / 0.25 + np.log(9000) / sigma**2)
    res = mf.Model({"containers": containers}).observe(said).run(N, seed=5)
    assert_matches(res, "containers", stats.lognorm(var**0.5, scale=np.exp(mu)))


# --- strong evidence: the fallback, with its negative control -----------------

X_PRIOR_SD = 10_000.0


def sharp_model():
    x = mf.normal(0, X_PRIOR_SD, name="x")
    return mf.Model({"x": x}).observe(mf.evidence.measured(x, 3.0, sd=1.0, error="normal"))


def sharp_truth():
    var = 1 / (1 / X_PRIOR_SD**2 + 1)
    return stats.norm(var * 3.0, var**0.5)


def test_forced_weighting_refuses_a_posterior_on_a_handful_of_samples():
    """Forced weighting that keeps ~7 effective samples of 100,000 once gave a
    wrong mean with no warning; it is refused, naming the observation."""
    with pytest.raises(mf.EvidenceError, match="floor of 100") as info:
        sharp_model().run(100_000, seed=6, method="weighting")
    message = str(info.value)
    assert "x reported as 3" in message and "method='tempering'" in message
    assert "method='weighting'" not in message


def test_tempering_recovers_the_posterior_where_weighting_collapses():
    res = sharp_model().run(N, seed=6)
    assert res.method == "tempering"
    assert res.weighting_ess < 50 and res.pareto_k > 0.7
    assert_matches(res, "x", sharp_truth())
    assert len(res.stages) > 1 and res.stages["temperature"].iloc[-1] == 1.0


def test_five_measurements_each_ten_times_sharper_than_the_prior():
    y = mf.normal(100, 50, name="y")
    figures = [120, 118, 125, 121, 119]
    model = mf.Model({"y": y}).observe(
        *[
            mf.evidence.measured(y, v, sd=5.0, error="normal", name=f"m{i}")
            for i, v in enumerate(figures)
        ]
    )
    precision = 1 / 50**2 + 5 / 25
    mean = (100 / 50**2 + sum(figures) / 25) / precision
    law = stats.norm(mean, precision**-0.5)
    res = model.run(N, seed=7)
    # 20,000 prior draws keep ~1,900 effective: weighting ~10x as many
    # draws is cheaper than tempering; both are right.
    assert res.method == "weighting" and res.draws > 5 * N and res.n == N
    assert "cheaper than tempering" in res.method_reason
    assert res.ess > 0.9 * N
    assert_matches(res, "y", law)
    assert_matches(model.run(N, seed=7, method="tempering"), "y", law)


# --- derived quantities -----------------------------------------------------


def test_observing_a_product_matches_grid_integration():
    a = mf.uniform(1, 3, name="a")
    b = mf.gamma(4, 0.5, name="b")
    model = mf.Model({"a": a, "ab": a * b}).observe(
        mf.evidence.measured(a * b, 5.0, sd=0.5, error="normal", name="product")
    )
    res = model.run(N, seed=8)
    ga = np.linspace(1, 3, 801)
    gb = np.linspace(1e-6, 12, 2401)
    A, B = np.meshgrid(ga, gb, indexing="ij")
    density = stats.gamma(4, scale=0.5).pdf(B) * stats.norm(A * B, 0.5).pdf(5.0)
    pa = density.sum(axis=1)
    pa /= pa.sum()
    mean_a = (ga * pa).sum()
    sd_a = np.sqrt(((ga - mean_a) ** 2 * pa).sum())
    mean_ab = (A * B * density).sum() / density.sum()
    got = res.summary().loc[["a", "ab"], "mean"].to_numpy()
    assert abs(got[0] - mean_a) < 0.05 * sd_a
    assert abs(got[1] - mean_ab) < 0.02 * mean_ab


def test_a_count_of_a_thinned_product_matches_exact_enumeration():
    containers = mf.categorical({2: 0.3, 3: 0.5, 4: 0.2}, name="containers")
    per = mf.categorical({5: 0.6, 10: 0.4}, name="per")
    dud = mf.categorical({0.1: 0.5, 0.3: 0.5}, name="dud")
    rounds = containers * per
    model = mf.Model({"containers": containers, "dud": dud}).observe(
        mf.evidence.count(14, n=rounds, p=1 - dud, name="working")
    )
    res = model.run(50_000, seed=9)
    post = {}
    for (c, pc), (r, pr), (d, pd_) in itertools.product(
        [(2, 0.3), (3, 0.5), (4, 0.2)], [(5, 0.6), (10, 0.4)], [(0.1, 0.5), (0.3, 0.5)]
    ):
        post[(c, r, d)] = pc * pr * pd_ * stats.binom(c * r, 1 - d).pmf(14)
    total = sum(post.values())
    want_c = sum(c * w for (c, _, _), w in post.items()) / total
    want_dud = sum(d * w for (_, _, d), w in post.items()) / total
    got = res.summary().loc[["containers", "dud"], "mean"].to_numpy()
    assert abs(got[0] - want_c) < 0.02
    assert abs(got[1] - want_dud) < 0.005
    assert res.prob(containers == 4) == pytest.approx(
        sum(w for (c, _, _), w in post.items() if c == 4) / total, abs=0.01
    )


# --- conflicts --------------------------------------------------------------


def two_reports(gap_sds):
    q = mf.lognormal_ci(1000, 100_000, name="q")
    a = mf.evidence.measured(q, 10_000, sd=0.05, name="ministry")
    b = mf.evidence.measured(q, 10_000 * np.exp(gap_sds * 0.05), sd=0.05, name="imagery")
    return mf.Model({"q": q}).observe(a, b)


def test_two_measurements_five_sd_apart_name_each_other():
    check = two_reports(5).run(N, seed=10).check_evidence()
    assert check["conflict"].all()
    assert "'imagery'" in check.loc["ministry", "verdict"]
    assert "'ministry'" in check.loc["imagery", "verdict"]
    assert (check["p_given_others"] < 0.01).all()
    assert (check["p_given_prior"] > 0.05).all()  # neither contradicts the assumptions
    # Each report alone keeps ~5% of the prior's samples effective, and
    # lowers what the other leaves.
    assert (check["informative"] < 0.1).all()
    assert ((check["ess_kept"] > 0) & (check["ess_kept"] < 1)).all()


def test_agreeing_measurements_are_not_in_conflict():
    check = two_reports(0.5).run(N, seed=10).check_evidence()
    assert not check["conflict"].any()
    assert (check["verdict"] == "agrees").all()


def test_a_report_against_the_assumptions_is_named_so():
    rate = mf.beta(50, 450, name="fail_rate")  # firmly about 10%
    res = (
        mf.Model({"rate": rate})
        .observe(mf.evidence.count(40, n=50, p=rate, name="failures"))
        .run(N, seed=11)
    )
    verdict = res.check_evidence().loc["failures", "verdict"]
    assert "assumptions" in verdict


def test_shifts_say_what_each_observation_moved():
    res = two_reports(1).run(N, seed=12)
    table = res.shifts("q")
    assert set(table.index.get_level_values("observation")) == {"ministry", "imagery"}
    # Without the ministry, q sits near the imagery figure; with it, between.
    without_ministry = table.loc[("ministry", "q"), "median_without"]
    assert abs(np.log(without_ministry / (10_000 * np.exp(0.05)))) < 0.05
    assert table["narrowing"].gt(0).all()


# --- impossible evidence --------------------------------------------------


def test_a_count_above_its_trials_is_refused_naming_it():
    rate = mf.beta(2, 8, name="rate")
    model = mf.Model({"rate": rate}).observe(mf.evidence.count(60, n=50, p=rate, name="too many"))
    with pytest.raises(mf.EvidenceError, match="'too many'") as err:
        model.run(5_000, seed=1)
    assert err.value.observations == ["too many"]


def test_a_bound_the_support_excludes_is_refused_naming_it():
    rate = mf.beta(2, 8, name="rate")
    model = mf.Model({"rate": rate}).observe(mf.evidence.at_least(rate, 1.5, name="above one"))
    with pytest.raises(mf.EvidenceError, match="'above one'"):
        model.run(5_000, seed=1)


def test_a_bound_with_little_prior_mass_is_reached_by_tempering():
    voyages = mf.poisson(10, name="voyages")
    res = mf.Model({"voyages": voyages}).observe(mf.evidence.at_least(voyages, 25)).run(N, seed=13)
    law = stats.poisson(10)
    ks = np.arange(25, 90)
    want = (ks * law.pmf(ks)).sum() / law.sf(24)
    assert res["voyages"].min() >= 25
    assert res.summary().loc["voyages", "mean"] == pytest.approx(want, abs=0.05)


def test_a_fractional_number_of_trials_is_a_clear_error():
    launches = mf.uniform(40, 60, name="launches")
    rate = mf.beta(2, 8, name="rate")
    model = mf.Model({"rate": rate}).observe(
        mf.evidence.count(25, n=launches, p=rate, name="fails")
    )
    with pytest.raises(mf.EvidenceError, match="whole number"):
        model.run(1_000, seed=1)


# --- determinism, results, sensitivity --------------------------------------


@pytest.mark.parametrize("model", [sharp_model, failures_model])
def test_bit_identical_across_thread_counts(model):
    runs = [model().run(10_000, seed=14, threads=t) for t in (1, 2, 7)]
    for other in runs[1:]:
        assert other.method == runs[0].method
        for name in runs[0].keys():
            assert np.array_equal(runs[0][name], other[name])
        assert np.array_equal(runs[0].weights, other.weights)


def test_prob_uses_the_weighted_draws_for_expressions_and_the_rows_for_arrays():
    for method in ("weighting", "tempering"):
        res = failures_model().run(N, seed=15, method=method)
        rate = res.model.outputs["fail_rate"]
        draws = res.weighted_rows()
        weighted_p = float(np.dot(draws["weight"], draws["fail_rate"] > 0.5))
        assert res.prob(rate > 0.5) == weighted_p
        # An array is of the equally weighted rows res[...] holds.
        assert res.prob(res["fail_rate"] > 0.5) == np.mean(res["fail_rate"] > 0.5)
        assert np.average(res["fail_rate"] > 0.5, weights=res.weights) == pytest.approx(
            res.prob(res["fail_rate"] > 0.5)
        )
        # The posterior probability, not the prior's (about 0.02), both ways.
        truth = stats.beta(27, 33).sf(0.5)
        assert res.prob(rate > 0.5) == pytest.approx(truth, abs=0.02)
        assert res.prob(res["fail_rate"] > 0.5) == pytest.approx(truth, abs=0.02)


def test_the_prior_is_the_model_without_evidence_at_the_same_seed():
    res = failures_model().run(N, seed=16)
    plain = failures_model().without_evidence().run(N, seed=16)
    assert np.array_equal(res.prior["fail_rate"], plain["fail_rate"])
    table = res.prior_posterior()
    assert table[("prior", "mean")].iloc[0] == pytest.approx(0.2, abs=0.01)
    assert table[("posterior", "mean")].iloc[0] == pytest.approx(0.45, abs=0.01)


def test_resample_gives_an_equal_weight_sample():
    res = failures_model().run(N, seed=17, method="weighting")
    frame = res.resample(seed=1)
    assert len(frame) == N
    assert frame["fail_rate"].mean() == pytest.approx(0.45, abs=0.01)
    # The rows held are that resample at the run's seed; the weighted draws are explicit.
    assert np.array_equal(res.resample()["fail_rate"], res["fail_rate"])
    assert "weight" not in res.to_pandas() and "weight" in res.weighted_rows()


def test_sobol_and_tornado_refuse_a_posterior_rank_correlation_works():
    model = failures_model()
    with pytest.raises(ValueError, match="dependent"):
        model.sobol("fail_rate", n=256)
    with pytest.raises(ValueError, match="without_evidence"):
        model.tornado("fail_rate", n=1000)
    res = model.run(N, seed=18)
    with pytest.raises(ValueError, match="dependent"):
        res.sobol("fail_rate", n=256)
    table = res.rank_correlation("fail_rate")
    assert table.loc["fail_rate", "rho"] == pytest.approx(1.0)


def test_models_and_posteriors_pickle():
    model = failures_model()
    again = pickle.loads(pickle.dumps(model))
    assert [o.name for o in again.evidence] == ["failures"]
    res = model.run(5_000, seed=19, method="tempering")
    back = pickle.loads(pickle.dumps(res))
    assert np.array_equal(back["fail_rate"], res["fail_rate"])
    rate = back.model.outputs["fail_rate"]
    assert back.prob(rate > 0.45) == res.prob(res.model.outputs["fail_rate"] > 0.45)
    assert np.array_equal(
        again.run(5_000, seed=19, method="tempering")["fail_rate"], res["fail_rate"]
    )


def test_observe_returns_a_new_model():
    rate = mf.beta(2, 8, name="rate")
    prior = mf.Model({"rate": rate})
    post = prior.observe(mf.evidence.count(3, n=10, p=rate))
    assert prior.evidence == () and len(post.evidence) == 1
    assert isinstance(prior.run(100, seed=1), mf.Results)
    assert isinstance(post.run(100, seed=1), mf.PosteriorResults)


# --- bad input --------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda r: mf.evidence.count(2.5, n=10, p=r), "k must be a whole number"),
        (lambda r: mf.evidence.count(-1, n=10, p=r), "got -1"),
        (lambda r: mf.evidence.poisson(float("nan"), rate=r), "k must be"),
        (lambda r: mf.evidence.measured(r, 7000, rel_error=-0.1), "rel_error must be"),
        (lambda r: mf.evidence.measured(r, 7000, rel_error=0.1, level=1.5), "level must be in"),
        (lambda r: mf.evidence.measured(r, 7000), "give rel_error"),
        (lambda r: mf.evidence.measured(r, 7000, rel_error=0.1, sd=3), "not both"),
        (lambda r: mf.evidence.measured(r, -5, rel_error=0.1), "value must be"),
        (lambda r: mf.evidence.measured(r, 5, sd=0, error="normal"), "sd must be"),
        (lambda r: mf.evidence.measured(r, 5, sd=1, error="cauchy"), "error must be"),
        (lambda r: mf.evidence.between(r, 5, 2), "lower <= upper"),
        (lambda r: mf.evidence.count(3, n=10, p="rate"), "p"),
    ],
)
def test_bad_observations_name_the_parameter(make, match):
    rate = mf.beta(2, 8, name="rate")
    with pytest.raises((ValueError, TypeError), match=match):
        make(rate)


def test_bad_evidence_lists_are_refused():
    rate = mf.beta(2, 8, name="rate")
    with pytest.raises(TypeError, match="observations made by munflow.evidence"):
        mf.Model({"rate": rate}, evidence=[("count", 3)])
    twice = mf.Model({"rate": rate}).observe(
        mf.evidence.count(3, n=10, p=rate, name="same"),
        mf.evidence.count(4, n=10, p=rate, name="same"),
    )
    with pytest.raises(ValueError, match="two observations are named 'same'"):
        twice.run(100, seed=1)
    with pytest.raises(ValueError, match="method must be"):
        failures_model().run(100, seed=1, method="mcmc")


def test_ctrl_c_stops_a_tempering_run_cleanly():
    import signal
    import subprocess
    import sys
    import textwrap
    import time

    script = textwrap.dedent(
        """
        import signal, sys, munflow as mf
        signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started ignored
        x = mf.normal(0, 10_000, name="x")
        model = mf.Model({"x": x}).observe(mf.evidence.measured(x, 3, sd=1, error="normal"))
        print("started", flush=True)
        try:
            for _ in range(1000):
                model.run(2_000_000, seed=1, progress=False)
        except KeyboardInterrupt:
            print("interrupted", flush=True)
            sys.exit(3)
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "started"
    time.sleep(3.0)  # into the tempering stages
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 3, err
    assert "interrupted" in out and "PanicException" not in err
    assert time.monotonic() - sent < 10


def test_posteriors_save_and_load_whole(tmp_path):
    for method in ("weighting", "tempering"):
        res = failures_model().run(5_000, seed=20, method=method)
        back = mf.load(res.save(tmp_path / f"post_{method}"))
        assert isinstance(back, mf.PosteriorResults) and back.method == method
        assert np.array_equal(back["fail_rate"], res["fail_rate"])
        assert np.array_equal(back.weights, res.weights)
        assert back.summary().equals(res.summary())
        assert np.array_equal(back.prior["fail_rate"], res.prior["fail_rate"])
        rate = back.model.outputs["fail_rate"]
        assert back.prob(rate > 0.45) == res.prob(res.model.outputs["fail_rate"] > 0.45)
        assert [o.name for o in back.model.evidence] == ["failures"]
        pd.testing.assert_frame_equal(back.check_evidence(), res.check_evidence())


def test_a_scenario_posterior_saves_and_loads(tmp_path):
    sc = mf.scenarios.load("dprk_russia_2023_2024_combined")
    res = sc.run(3_000, seed=21)
    back = mf.load(res.save(tmp_path / "combined"))
    assert isinstance(back, mf.results.ScenarioPosteriorResults)
    assert back.summary().equals(res.summary())
    assert back.observations == res.observations


def test_a_near_gaussian_posterior_tempers_in_a_few_moves_per_stage():
    # Containers measured within 10% and a product within 15%: Gaussian in
    # the normal scores, so the fitted independent proposals are accepted
    # and every stage ends after two or three moves (local steps alone took
    # ten). The posterior is still the one weighting a million draws gives.
    containers = mf.lognormal_ci(5000, 9000, name="containers")
    per_container = mf.pert(300, 430, 500, name="per_container")
    shells = containers * per_container
    model = mf.Model({"shells": shells}).observe(
        mf.evidence.measured(containers, 7000, rel_error=0.10),
        mf.evidence.measured(shells, 3e6, rel_error=0.15),
    )
    tempered = model.run(20_000, seed=3, method="tempering")
    assert (tempered.stages["moves"] <= 3).all(), tempered.stages
    reference = model.run(1_000_000, seed=4, method="weighting")
    got = tempered.summary(mcse=True)
    want = reference.summary()
    for figure in ("mean", "p5", "p50", "p95"):
        error = got.loc["shells", f"{figure}_se"]
        assert abs(got.loc["shells", figure] - want.loc["shells", figure]) < 4 * error + 1e-3 * abs(
            want.loc["shells", figure]
        ), figure
