"""Monte Carlo standard errors that do not overstate precision: over 30
seeds, the reported errors of the posterior mean, median and p95 match the
figures' actual spread across seeds (root mean square within a factor 1.5)
and figure +- 2 errors covers the truth in at least 85% of seeds, for
independent draws, a posterior by weighting and one by tempering.

Before, tempering reported the ESS of its last reweighting (~9,950 of
10,000) where the spread across seeds implied 900-3,000, and there were no
errors on the figures at all.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import munflow as mf

N = 4_000
SEEDS = range(30)
TRUTH = stats.beta(27, 33)  # beta(2, 8) given 25 failures in 50
FIGURES = {"mean": TRUTH.mean(), "p50": TRUTH.median(), "p95": TRUTH.ppf(0.95)}


def failures_model() -> mf.Model:
    rate = mf.beta(2, 8, name="fail_rate")
    return mf.Model({"fail_rate": rate}).observe(
        mf.evidence.count(25, n=50, p=rate, name="failures")
    )


def runs(kind: str):
    for seed in SEEDS:
        if kind == "independent":
            res = mf.run({"fail_rate": mf.beta(27, 33)}, n=N, seed=seed)
        else:
            res = failures_model().run(N, seed=seed, method=kind)
        yield res.summary([0.5, 0.95], mcse=True).loc["fail_rate"]


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["independent", "weighting", "tempering"])
def test_reported_errors_match_the_spread_across_seeds_and_cover_the_truth(kind):
    rows = list(runs(kind))
    for figure, truth in FIGURES.items():
        values = np.array([r[figure] for r in rows])
        errors = np.array([r[f"{figure}_se"] for r in rows])
        rms, spread = float(np.sqrt(np.mean(errors**2))), float(np.std(values, ddof=1))
        assert spread / 1.5 <= rms <= 1.5 * spread, (kind, figure, rms, spread)
        covered = np.mean(np.abs(values - truth) <= 2 * errors)
        assert covered >= 0.85, (kind, figure, covered)


def test_the_ess_of_tempering_is_what_its_populations_imply_not_the_last_reweighting():
    res = failures_model().run(N, seed=1, method="tempering")
    assert res.populations == [500] * 8
    se = res.summary(mcse=True).loc["fail_rate", "mean_se"]
    assert res.ess == pytest.approx(min(res.n, np.var(res["fail_rate"]) / se**2))
    assert res.ess <= res.n


def test_log_evidence_comes_with_its_error_and_matches_the_closed_form():
    # p(25 of 50 | beta(2, 8)) = C(50, 25) B(27, 33) / B(2, 8).
    from scipy.special import betaln, gammaln

    exact = gammaln(51) - 2 * gammaln(26) + betaln(27, 33) - betaln(2, 8)
    for method in ("weighting", "tempering"):
        res = failures_model().run(20_000, seed=2, method=method)
        assert 0 < res.log_evidence_se < 0.2
        assert abs(res.log_evidence - exact) < 4 * res.log_evidence_se + 0.01, method


def test_probabilities_come_with_their_errors():
    res = failures_model().run(N, seed=3, method="weighting")
    rate = res.model.outputs["fail_rate"]
    p, se = res.prob(rate > 0.5, mcse=True)
    assert 0 < se < 0.05 and abs(p - TRUTH.sf(0.5)) < 4 * se
    plain = mf.run({"x": mf.beta(27, 33)}, n=N, seed=3)
    p, se = plain.prob(plain["x"] > 0.5, mcse=True)
    assert se == pytest.approx(np.sqrt(p * (1 - p) / N))
