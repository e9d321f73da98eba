"""What an ordinary scenario file says works in a timeline file, in the same
syntax and built by the same code: the cargo mix (with alternatives),
correlations, voyages counted with dark ones and detection, direct counts."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import munflow as mf

# The same flows as an ordinary file and as a timeline file of one period.
ORDINARY = """
[munitions.shell]
category = "shell"
per_container = 400
dud_rate = 0.25

[munitions.missile]
category = "missile"

[mix]
fixed = { shell = 0.6, other = 0.4 }

[channels.voyages.rajin]
tracked = 25
dark_seen = 19
p_detect = { beta = [6, 4] }
containers_per_voyage = 100

[channels.direct.launches]
munition = "missile"
count = { lognormal_ci = [30, 80] }
"""

TIMELINE = """
[timeline]
start = "2023-12"
end = "2023-12"

[munitions.shell]
per_container = 400
dud_rate = 0.25

[munitions.missile]

[mix]
fixed = { shell = 0.6, other = 0.4 }

[channels.rajin]
tracked = 25
dark_seen = 19
p_detect = { beta = [6, 4] }
containers_per_voyage = 100

[channels.launches]
munition = "missile"
count = { lognormal_ci = [30, 80] }
"""


def timeline(text: str) -> mf.TimelineScenario:
    return mf.Scenario.from_toml(text, origin="t.toml")


def test_a_one_period_timeline_gives_the_ordinary_files_totals_draw_for_draw() -> None:
    plain = mf.Scenario.from_toml(ORDINARY, origin="o.toml").run(4000, seed=5)
    res = timeline(TIMELINE).model.without_evidence().run(4000, seed=5)
    containers = res.series("cumulative.containers")[:, 0]
    np.testing.assert_array_equal(containers, np.asarray(plain["total.containers"]))
    # Ordinary files round rounds delivered to whole ones (for the binomial
    # thinning of duds); a timeline's series are not rounded.
    for munition in ("shell", "missile"):
        np.testing.assert_array_equal(
            np.round(res.series(f"cumulative.{munition}")[:, 0]),
            np.asarray(plain[f"{munition}.delivered"]),
        )
    # By hand: voyages 25 + 19 + NegBin(19, p) unseen, p ~ beta(6, 4), so the
    # mean is 44 + 19 E[(1 - p) / p] = 44 + 19 * 4 / 5 (E[1/p] = 9/5 for beta(6, 4)).
    voyages = res.series("cumulative.voyages")[:, 0]
    assert voyages.min() >= 44
    assert voyages.mean() == pytest.approx(44 + 19 * 0.8, rel=0.03)
    np.testing.assert_allclose(containers, voyages * 100)
    np.testing.assert_allclose(res.series("cumulative.shell")[:, 0], containers * 0.6 * 400)


def test_a_total_is_spread_evenly_over_the_channels_active_periods() -> None:
    text = TIMELINE.replace('end = "2023-12"', 'end = "2024-05"').replace(
        "tracked = 25\ndark_seen = 19\np_detect = { beta = [6, 4] }",
        'tracked = 50\nactive = [["2024-01", "2024-05"]]',
    )
    text = text.replace("count = { lognormal_ci = [30, 80] }", "count = 60")
    res = timeline(text).model.without_evidence().run(200, seed=1)
    np.testing.assert_array_equal(res.series("voyages")[0], [0, 10, 10, 10, 10, 10])
    np.testing.assert_array_equal(res.series("containers")[0], [0, *[1000] * 5])
    np.testing.assert_array_equal(res.series("cumulative.missile")[0], np.arange(10, 70, 10))
    # A spread total is no whole count a period: a count statement refuses it as n.
    with pytest.raises(mf.ScenarioError, match=r"n counts trials, a whole number"):
        timeline(
            text + '[evidence.e]\nkind = "count"\nk = 1\nn = "cumulative.voyages"\n'
            'p = 0.5\ndate = "2024-02"\n'
        )


def test_mix_alternatives_pick_one_hypothesis_per_sample_with_its_weight() -> None:
    text = TIMELINE.replace(
        "fixed = { shell = 0.6, other = 0.4 }",
        "alternatives = [\n  { fixed = { shell = 1, other = 0 } },\n"
        "  { weight = 3, dirichlet = { shell = 2, other = 2 } },\n]",
    )
    res = timeline(text).model.without_evidence().run(20_000, seed=2)
    share = res.series("cumulative.shell")[:, 0] / res.series("cumulative.containers")[:, 0] / 400
    # One sample in four holds only shells; otherwise a beta(2, 2) share.
    assert np.mean(share == 1.0) == pytest.approx(0.25, abs=0.01)
    assert share.mean() == pytest.approx(0.25 + 0.75 * 0.5, abs=0.01)


def test_a_correlation_reaches_its_target_within_monte_carlo_error() -> None:
    text = TIMELINE.replace("per_container = 400", "per_container = { pert = [300, 430, 500] }")
    text = text.replace(
        "containers_per_voyage = 100", "containers_per_voyage = { pert = [80, 150, 300] }"
    )
    text += (
        "[correlations.packing]\n"
        'inputs = ["shell.per_container", "channels.rajin.containers_per_voyage"]\n'
        "rank_corr = 0.6\n"
    )
    res = timeline(text).model.without_evidence().run(8000, seed=3)
    per = np.asarray(res.results["shell.per_container"])
    load = np.asarray(res.results["rajin.containers_per_voyage"])
    # The Spearman sd at n = 8000 is about (1 - 0.36) / sqrt(n) = 0.007.
    assert stats.spearmanr(per, load)[0] == pytest.approx(0.6, abs=0.03)


@pytest.mark.parametrize(
    ("edit", "says"),
    [
        (
            ("[munitions.shell]\n", "[munitions.shell]\nshare = 0.5\n"),
            r"t\.toml:7: munitions\.shell\.share: the shares of the containers are given by",
        ),
        (
            ("fixed = { shell = 0.6, other = 0.4 }", "fixed = { shell = 0.6, other = 0.5 }"),
            r"t\.toml:13: mix\.fixed: the shares sum to 1\.1, not 1",
        ),
        (
            ("dark_seen = 19\n", "dark_seen = 19\nrho = 0.5\n"),
            r"t\.toml:18: channels\.rajin\.rho: rho does not go with counted voyages",
        ),
        (
            ("p_detect = { beta = [6, 4] }\n", ""),
            r"t\.toml:15: channels\.rajin: missing field `p_detect`",
        ),
        (
            ("count = { lognormal_ci = [30, 80] }", "count = -1"),
            r"t\.toml:23: channels\.launches\.count: this quantity cannot be negative",
        ),
        (
            (
                "containers_per_voyage = 100\n",
                "containers_per_voyage = 100\n[correlations.c]\n"
                'inputs = ["rajin.p_detect", "ghost"]\nrank_corr = 0.5\n',
            ),
            r"t\.toml:\d+: correlations\.c\.inputs\[1\]: 'ghost' is not an input of this scenario",
        ),
    ],
)
def test_these_tables_are_checked_where_written(edit: tuple[str, str], says: str) -> None:
    assert edit[0] in TIMELINE
    with pytest.raises(mf.ScenarioError, match=says):
        timeline(TIMELINE.replace(*edit, 1))


def test_a_per_period_rate_cannot_be_correlated() -> None:
    text = (
        '[timeline]\nstart = "2024-01"\nend = "2024-03"\n[channels.port]\n'
        'voyages_per_period = { lognormal_ci = [4, 9] }\nsharing = "independent"\n'
        "containers_per_voyage = { pert = [80, 150, 300] }\n[correlations.c]\n"
        'inputs = ["port.voyages_per_period", "port.containers_per_voyage"]\nrank_corr = 0.5\n'
    )
    with pytest.raises(
        mf.ScenarioError,
        match=r"correlations\.c\.inputs\[0\]: 'port\.voyages_per_period' is not an input",
    ):
        timeline(text)


def test_with_added_takes_a_correlation_and_without_removes_it() -> None:
    text = TIMELINE.replace("per_container = 400", "per_container = { pert = [300, 430, 500] }")
    sc = timeline(text).with_added(
        "correlations.packing",
        {"inputs": ["shell.per_container", "rajin.p_detect"], "rank_corr": -0.5},
    )
    res = sc.model.without_evidence().run(4000, seed=1)
    per = np.asarray(res.results["shell.per_container"])
    p = np.asarray(res.results["rajin.p_detect"])
    assert stats.spearmanr(per, p)[0] == pytest.approx(-0.5, abs=0.04)
    assert "correlations" not in sc.without("correlations.packing").to_dict()
