"""A posterior in ArviZ's container: the groups analysts expect, aligned
with the posterior's draws, and ArviZ's own summary, plots and LOO on it."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import munflow as mf

az = pytest.importorskip("arviz")
ARVIZ_1 = int(az.__version__.split(".")[0]) >= 1


def failures_model() -> mf.Model:
    rate = mf.beta(2, 8, name="fail_rate")
    return mf.Model({"fail_rate": rate}).observe(
        mf.evidence.count(25, n=50, p=rate, name="failures")
    )


def group(data, name):
    return data[name] if ARVIZ_1 else getattr(data, name)


@pytest.mark.parametrize("method", ["weighting", "tempering"])
def test_the_groups_hold_the_posterior_draws(method):
    res = failures_model().run(8_000, seed=1, method=method)
    data = res.to_arviz()
    post = group(data, "posterior")
    draws = np.asarray(post["fail_rate"])
    assert draws.shape == ((8, 1_000) if method == "tempering" else (1, 8_000))
    assert np.array_equal(draws.ravel(), res["fail_rate"])
    assert draws.mean() == pytest.approx(stats.beta(27, 33).mean(), abs=0.005)
    ll = np.asarray(group(data, "log_likelihood")["failures"])
    assert ll.shape == draws.shape
    k, n, p = 25, 50, draws.ravel()
    assert np.allclose(ll.ravel(), stats.binom.logpmf(k, n, p))
    prior = np.asarray(group(data, "prior")["fail_rate"])
    assert prior.mean() == pytest.approx(0.2, abs=0.01)
    assert float(np.asarray(group(data, "observed_data")["failures"])[0]) == 25
    attrs = group(data, "sample_stats").attrs
    assert attrs["log_marginal_likelihood"] == res.log_evidence
    if method == "weighting":
        weighted = group(data, "weighted_draws")
        assert len(weighted["log_weight"]) == res.draws
    else:
        assert attrs["temperatures"][-1] == 1.0


@pytest.mark.skipif(ARVIZ_1, reason="ArviZ 0.x API")
def test_arviz_summary_loo_and_plots_work_on_it():
    import matplotlib

    matplotlib.use("Agg")
    res = failures_model().run(8_000, seed=2, method="tempering")
    data = res.to_arviz()
    table = az.summary(data, var_names=["fail_rate"])
    assert table.loc["fail_rate", "mean"] == pytest.approx(res["fail_rate"].mean(), abs=1e-3)
    assert table.loc["fail_rate", "r_hat"] < 1.01  # the populations agree
    loo = az.loo(data)
    assert np.isfinite(loo.elpd_loo)
    ax = az.plot_dist(np.asarray(data.posterior["fail_rate"]).ravel())
    assert ax is not None


@pytest.mark.skipif(not ARVIZ_1, reason="ArviZ 1.x (Python >= 3.12)")
def test_arviz_1_gets_a_datatree():  # pragma: no cover - needs Python >= 3.12
    res = failures_model().run(4_000, seed=3, method="weighting")
    tree = res.to_arviz()
    assert {"posterior", "log_likelihood", "prior"} <= set(tree.children)
