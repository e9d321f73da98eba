"""[correlations] in scenario files: the bundled scenario's packing correlated
with its cargo mix, stick-breaking shares against scipy's Dirichlet, and
errors located at the field and line."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats as st

import munflow as mf

BUNDLED = mf.scenarios.path("dprk_russia_2023_2024")
PACKING = {
    "inputs": ["shell_152.per_container", "shell_152.share"],
    "rank_corr": 0.5,
}


def correlated(**table) -> mf.Scenario:
    return mf.Scenario.from_file(BUNDLED).with_added(
        "correlations.packing_and_mix", {**PACKING, **table}
    )


def test_the_bundled_scenarios_packing_and_mix_reach_the_target():
    res = correlated().run(n=100_000, seed=1)
    got = st.spearmanr(res["shell_152.per_container"], res["shell_152.share"]).statistic
    assert abs(got - 0.5) < 0.02
    check = res.correlation_check()
    assert check[["input", "with"]].values.tolist() == [
        ["shell_152.per_container", "shell_152.share"]
    ]
    assert abs(check["difference"].iloc[0]) < 0.02


def test_correlation_only_reorders_the_draws_and_shares_still_sum_to_one():
    plain = mf.Scenario.from_file(BUNDLED).run(n=20_000, seed=2)
    res = correlated().run(n=20_000, seed=2)
    for name in ["shell_152.per_container", "shell_152.share", "rocket_122.share_of_rest"]:
        np.testing.assert_array_equal(np.sort(plain[name]), np.sort(res[name]))
    # The other inputs keep their draws exactly (common random numbers).
    np.testing.assert_array_equal(plain["shell_152.dud_rate"], res["shell_152.dud_rate"])
    # Heavier packing now comes with more 152 mm shells: the delivered
    # shells spread more.
    assert res["shell_152.delivered[voyages]"].std() > plain["shell_152.delivered[voyages]"].std()


def test_stick_breaking_reproduces_the_dirichlet():
    """Shares (152 mm, 122 mm, other) of dirichlet {15, 3, 2} against scipy:
    each marginal is Beta(a_i, a0 - a_i), and the covariances are
    -a_i a_j / (a0^2 (a0 + 1))."""
    res = mf.Scenario.from_file(BUNDLED).run(n=100_000, seed=3)
    s152, s122 = res["shell_152.share"], res["rocket_122.share"]
    other = 1 - s152 - s122
    alpha = np.array([15.0, 3.0, 2.0])
    a0 = alpha.sum()
    for x, a in zip((s152, s122, other), alpha, strict=True):
        assert st.kstest(x, st.beta(a, a0 - a).cdf).pvalue > 1e-3
    truth = st.dirichlet(alpha).var()
    np.testing.assert_allclose([s152.var(), s122.var()], truth[:2], rtol=0.03)
    cov = np.cov(s152, s122)[0, 1]
    assert abs(cov - (-alpha[0] * alpha[1] / (a0**2 * (a0 + 1)))) < 1e-4


def test_a_gaussian_copula_table_and_file_paths_work():
    sc = correlated(
        inputs=["munitions.shell_152.per_container", "shell_152.share"],
        method="gaussian-copula",
    )
    res = sc.run(n=100_000, seed=4)
    check = res.correlation_check()
    assert check["method"].iloc[0] == "gaussian-copula"
    assert abs(check["difference"].iloc[0]) < 0.02
    again = mf.Scenario.from_toml(sc.to_toml())
    assert again == sc


def test_sobol_on_the_correlated_scenario_asks_for_groups_and_accepts_them():
    sc = correlated()
    with pytest.raises(ValueError, match="one group"):
        sc.sobol("shell_152.delivered[voyages]", n=256, seed=1)
    table = sc.sobol(
        "shell_152.delivered[voyages]",
        n=256,
        seed=1,
        groups={"packing_and_mix": ["shell_152.per_container", "shell_152.share"]},
        num_resamples=0,
    )
    assert "packing_and_mix" in table.index


BAD = [
    (
        'inputs = ["shell_152.per_container", "shell_152.sharez"]\nrank_corr = 0.5\n',
        r":\d+: correlations\.p\.inputs\[1\]: 'shell_152\.sharez' is not an input",
    ),
    (
        'inputs = ["shell_152.per_container", "rocket_122.share"]\nrank_corr = 0.5\n',
        r"correlations\.p\.inputs: 'rocket_122\.share' is derived.*share_of_rest",
    ),
    (
        'inputs = ["shell_152.per_container", "shell_152.share"]\nrank_corr = 1.5\n',
        r":\d+: correlations\.p\.rank_corr: rank_corr: entries must be in \[-1, 1\], got 1\.5",
    ),
    (
        'inputs = ["shell_152.per_container", "shell_152.share", "shell_152.dud_rate"]\n'
        "rank_corr = [[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]]\n",
        r"correlations\.p\.rank_corr: no joint distribution.*nearest correlation matrix.*0\.5",
    ),
    (
        'inputs = ["shell_152.per_container", "shell_152.share"]\nrank_corr = 0.5\n'
        'method = "kendall"\n',
        r":\d+: correlations\.p\.method: method must be",
    ),
    (
        'inputs = ["shell_152.per_container", "shell_152.share"]\nrank_corr = 0.5\nrho = 1\n',
        r"correlations\.p.*unknown field `rho`",
    ),
]


@pytest.mark.parametrize(("table", "expected"), BAD)
def test_errors_name_the_field_and_line(tmp_path, table, expected):
    path = tmp_path / "bad.toml"
    text = BUNDLED.read_text() + "\n[correlations.p]\n" + table
    path.write_text(text)
    with pytest.raises(mf.ScenarioError, match=expected) as info:
        mf.Scenario.from_file(path)
    assert info.value.line is not None
    assert info.value.line > len(BUNDLED.read_text().splitlines())
