"""shifts(): each shift comes with its Monte Carlo interval, and a shift the
run cannot tell from none reads "within noise". Intervals checked against
the beta-binomial closed form over seeds; an independent quantity is not
moved by another quantity's figure."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import munflow as mf


def failures_and_containers():
    """The minister's example: a failure rate with its own count, and a
    container count with its own (independent) figure."""
    rate = mf.beta(2, 8, name="fail_rate")
    containers = mf.lognormal_ci(6000, 8000, name="containers")
    return mf.Model({"fail_rate": rate, "containers": containers}).observe(
        mf.evidence.count(25, n=50, p=rate, name="failures"),
        mf.evidence.measured(containers, 7000, rel_error=0.15, name="minister"),
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_figure_on_another_quantity_moves_the_failure_rate_only_within_noise(seed):
    res = failures_and_containers().run(2_000, seed=seed, method="tempering")
    table = res.shifts()
    independent = table.loc[("minister", "fail_rate")]
    assert independent["change_within_noise"] and independent["narrowing_within_noise"]
    assert independent["narrowing_lo"] < 0 < independent["narrowing_hi"]
    # The figure does narrow the containers' range: a real effect.
    own = table.loc[("minister", "containers")]
    assert not own["narrowing_within_noise"]
    assert 0 < own["narrowing_lo"] < own["narrowing"] < own["narrowing_hi"]
    printed = repr(table)
    assert "within noise" in printed and "narrowing_within_noise" not in printed
    assert "within noise" in table._repr_html_()


def shift(law_without, law_with):
    """The change of the median and the narrowing of the 90% range."""
    lo, med, hi = law_without.ppf([0.05, 0.5, 0.95])
    plo, pmed, phi = law_with.ppf([0.05, 0.5, 0.95])
    return {"change": pmed / med - 1, "narrowing": 1 - (phi - plo) / (hi - lo)}


@pytest.mark.parametrize(("method", "n"), [("weighting", 3_000), ("tempering", 1_000)])
def test_the_intervals_hold_the_true_shifts(method, n):
    # Given the count, fail_rate is beta(27, 33); without it, beta(2, 8).
    truth = {
        "failures": shift(stats.beta(2, 8), stats.beta(27, 33)),
        "minister": shift(stats.beta(27, 33), stats.beta(27, 33)),  # none
    }
    held = {(obs, s): [] for obs in truth for s in ("change", "narrowing")}
    for seed in range(20):
        res = failures_and_containers().run(n, seed=seed, method=method)
        assert res.method == method
        table = res.shifts("fail_rate")
        for obs, s in held:
            row = table.loc[(obs, "fail_rate")]
            held[obs, s].append(row[f"{s}_lo"] <= truth[obs][s] <= row[f"{s}_hi"])
    coverage = {key: np.mean(hits) for key, hits in held.items()}
    assert all(c >= 0.8 for c in coverage.values()), coverage


def test_the_table_keeps_its_columns_in_reading_order():
    table = failures_and_containers().run(1_000, seed=4).shifts("containers")
    assert list(table.columns) == [
        "median_without",
        "median_with",
        "change",
        "change_lo",
        "change_hi",
        "change_within_noise",
        "range_without",
        "range_with",
        "narrowing",
        "narrowing_lo",
        "narrowing_hi",
        "narrowing_within_noise",
    ]
    assert table["change_within_noise"].dtype == bool
