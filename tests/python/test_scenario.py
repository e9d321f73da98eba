"""munflow.Scenario: hand-computed results, round trips, located errors."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import munflow as mf

BUNDLED = mf.scenarios.path("dprk_russia_2023_2024")


def all_152(**shell: object) -> dict:
    """7,000 containers, all holding 152 mm shells at 430 a container."""
    return {
        "munitions": {"shell_152": {"category": "shell", "per_container": 430, **shell}},
        "mix": {"fixed": {"shell_152": 1, "other": 0}},
        "channels": {"reported": {"minister": {"containers": 7000}}},
    }


def test_fixed_inputs_give_exactly_3_010_000_shells():
    res = mf.Scenario.from_dict(all_152()).run(n=10_000, seed=1)
    for name in ["shell_152.delivered", "shell_152.functioning", "total.delivered"]:
        assert (res[name] == 3_010_000).all(), name


def test_a_dud_rate_of_0_2_leaves_2_408_000_functioning_on_average():
    n = 20_000
    res = mf.Scenario.from_dict(all_152(dud_rate=0.2)).run(n=n, seed=2)
    working = res["shell_152.functioning"]
    sd_of_mean = math.sqrt(3_010_000 * 0.8 * 0.2 / n)
    assert abs(working.mean() - 2_408_000) < 5 * sd_of_mean
    # Binomial thinning: whole numbers, never more than delivered.
    assert (working == np.floor(working)).all() and (working <= 3_010_000).all()


def test_voyages_with_fixed_counts_give_the_product():
    d = all_152()
    d["channels"] = {"voyages": {"rajin": {"tracked": 25, "containers_per_voyage": 160}}}
    res = mf.Scenario.from_dict(d).run(n=100, seed=3)
    assert (res["total.containers"] == 25 * 160).all()
    assert (res["shell_152.delivered"] == 25 * 160 * 430).all()


def test_dark_voyages_match_the_negative_binomial_mean():
    d = all_152()
    d["munitions"]["shell_152"]["per_container"] = 1
    d["channels"] = {
        "voyages": {
            "rajin": {"dark_seen": 19, "p_detect": 0.4, "containers_per_voyage": 1},
        }
    }
    n = 200_000
    res = mf.Scenario.from_dict(d).run(n=n, seed=4)
    r, p = 19, 0.4
    from scipy import stats

    law = stats.nbinom(r, p)
    unseen = res["rajin.dark_unseen"]
    assert abs(unseen.mean() - law.mean()) < 5 * law.std() / math.sqrt(n)
    assert abs(res["total.containers"].mean() - (r + law.mean())) < 5 * law.std() / math.sqrt(n)


def test_summary_is_grouped_by_munition_type():
    res = mf.Scenario.from_file(BUNDLED).run(n=20_000, seed=5)
    table = res.summary()
    assert list(table.index.names) == ["munition", "quantity", "estimate"]
    munitions = list(dict.fromkeys(table.index.get_level_values("munition")))
    assert munitions == ["total", "shell_152", "rocket_122", "ballistic_missile"]
    row = table.loc[("shell_152", "functioning", "voyages")]
    assert row["p5"] < row["p50"] < row["p95"]
    assert isinstance(res, mf.Results)
    # The plain table is still there.
    assert "shell_152.delivered[voyages]" in res.summary(grouped=False).index


def test_alternative_estimates_are_compared():
    res = mf.Scenario.from_file(BUNDLED).run(n=20_000, seed=6)
    compare = res.compare()
    assert list(compare[["a", "b"]].iloc[0]) == ["defence_minister", "voyages"]
    p = compare["P(a > b)"].iloc[0]
    a = res["total.containers[defence_minister]"]
    b = res["total.containers[voyages]"]
    assert p == pytest.approx(np.mean(a > b))
    assert 0 < p < 1


def test_round_trip_through_toml_gives_identical_results(tmp_path):
    original = mf.Scenario.from_file(BUNDLED)
    path = tmp_path / "written.toml"
    path.write_text(original.to_toml())
    again = mf.Scenario.from_file(path)
    assert again == original
    a, b = original.run(n=5_000, seed=7), again.run(n=5_000, seed=7)
    pd.testing.assert_frame_equal(a.to_pandas(), b.to_pandas())
    # And through a dict.
    assert mf.Scenario.from_dict(original.to_dict()) == original


def test_changing_one_assumption_keeps_every_other_draw():
    sc = mf.Scenario.from_file(BUNDLED)
    changed = sc.with_value("munitions.shell_152.dud_rate", {"beta": [1, 9]})
    a, b = sc.run(n=5_000, seed=8), changed.run(n=5_000, seed=8)
    same = ["shell_152.delivered[voyages]", "rocket_122.functioning[voyages]", "shell_152.share"]
    for name in same:
        np.testing.assert_array_equal(a[name], b[name])
    assert b["shell_152.functioning[voyages]"].mean() > a["shell_152.functioning[voyages]"].mean()


def test_bundled_scenario_lists_its_files():
    assert "dprk_russia_2023_2024" in mf.scenarios.names()
    assert mf.scenarios.path().name == "dprk_russia_2023_2024.toml"
    with pytest.raises(KeyError, match="no bundled scenario"):
        mf.scenarios.path("nope")


MALFORMED = [
    pytest.param(
        '[munitions.shell_152]\ncategory = "shell"\nper_container = 430\ndud_rte = 0.1\n',
        "bad.toml:4: munitions.shell_152.dud_rte: unknown field `dud_rte`",
        id="unknown key",
    ),
    pytest.param(
        '[munitions.shell_152]\ncategory = "shell"\nper_container = "many"\n',
        "bad.toml:3: munitions.shell_152.per_container: invalid type",
        id="wrong type",
    ),
    pytest.param(
        '[munitions.shell_152]\ncategory = "shell"\nper_container = 430\n'
        "dud_rate = { beta = [-1, 8] }\n",
        "bad.toml:4: munitions.shell_152.dud_rate: beta: alpha must be > 0, got -1",
        id="invalid parameter",
    ),
    pytest.param(
        '[munitions.shell_152]\ncategory = "shell"\nper_container = { pert = [500, 430, 300] }\n',
        "bad.toml:3: munitions.shell_152.per_container: pert",
        id="pert out of order",
    ),
    pytest.param(
        '[munitions.s]\ncategory = "shell"\nper_container = 430\n[mix]\n'
        "fixed = { s = 0.7, other = 0.2 }\n[channels.reported.m]\ncontainers = 7000\n",
        "bad.toml:5: mix.fixed: the shares sum to 0.9, not 1",
        id="shares do not sum to 1",
    ),
    pytest.param(
        '[munitions.s]\ncategory = "shell"\nper_container = 430\n[mix]\n'
        "fixed = { s = 1, other = 0 }\n[channels.reported.m]\ncontainers = 7000\n"
        '[channels.direct.missiles]\nmunition = "kn23"\ncount = 50\n',
        "bad.toml:9: channels.direct.missiles.munition: unknown munition 'kn23'",
        id="unknown munition",
    ),
    pytest.param(
        '[munitions.s]\ncategory = "shell"\nper_container = 430\n[mix]\n'
        "fixed = { s = 1, rocket = 0, other = 0 }\n[channels.reported.m]\ncontainers = 7000\n",
        "bad.toml:5: mix.fixed.rocket: unknown munition 'rocket'",
        id="mix names an unknown munition",
    ),
    pytest.param(
        '[munitions.s]\ncategory = "shell"\nper_container = 1\nfailure_rate = 0.5\n',
        "bad.toml:4: munitions.s.failure_rate: only missiles have a failure_rate",
        id="failure rate on a shell",
    ),
    pytest.param(
        '[munitions.s]\ncategory = "shell"\nper_container = 1\n'
        "[mix]\nfixed = { s = 1, other = 0 }\n"
        "[channels.voyages.v]\ndark_seen = 19\ncontainers_per_voyage = 100\n",
        "bad.toml:6: channels.voyages.v: missing field `p_detect`",
        id="dark voyages without a detection probability",
    ),
    pytest.param(
        '[munitions.s]\ncategory = "shell"\nper_container = 1\n'
        "[mix]\nfixed = { s = 1, other = 0 }\n"
        "[channels.flows.rail]\nperiods = 4\nwagons_per_period = 10\n",
        "bad.toml:6: channels.flows.rail: a flow needs containers_per_period",
        id="flow without containers per wagon",
    ),
    pytest.param(
        '[munitions.s]\ncategory = "shell"\n[channels.reported.m]\n'
        "containers = { normal = [7000, 500] }\n",
        "bad.toml:4: channels.reported.m.containers: this quantity cannot be negative",
        id="a count that can go negative",
    ),
    pytest.param(
        '[munitions.s]\ncategory = "shell"\nper_container = 430\n\n[mix\n',
        "bad.toml:5: invalid TOML",
        id="syntax error",
    ),
]


@pytest.mark.parametrize(("text", "expected"), MALFORMED)
def test_malformed_files_name_the_field_path_and_line(tmp_path, text, expected):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(mf.ScenarioError) as info:
        mf.Scenario.from_file(path)
    message = str(info.value)
    # One line per problem, the first being the one expected.
    assert message.startswith(str(path) + expected.removeprefix("bad.toml")), message
    assert len(message.splitlines()) == len(info.value.errors)
    assert isinstance(info.value, ValueError)


def test_dict_errors_name_the_field_path_without_lines():
    d = all_152(dud_rate={"beta": [2]})
    want = r"^<dict>: munitions\.shell_152\.dud_rate: beta takes"
    with pytest.raises(mf.ScenarioError, match=want):
        mf.Scenario.from_dict(d)


def test_json_files_are_read_too(tmp_path):
    sc = mf.Scenario.from_file(BUNDLED)
    path = sc.to_file(tmp_path / "bundled.json")
    assert mf.Scenario.from_file(path) == sc
    path.write_text(path.read_text().replace('"category": "shell"', '"category": 5', 1))
    want = r"bundled\.json:\d+: munitions\.shell_152\.category"
    with pytest.raises(mf.ScenarioError, match=want):
        mf.Scenario.from_file(path)


def test_a_missing_file_is_a_scenario_error(tmp_path):
    with pytest.raises(mf.ScenarioError, match="cannot read the file"):
        mf.Scenario.from_file(tmp_path / "missing.toml")
