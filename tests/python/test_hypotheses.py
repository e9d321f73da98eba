"""Either/or hypotheses: mf.where, mf.bernoulli, mixtures of expressions and
alternative cargo mixes in scenario files."""

from __future__ import annotations

import math

import numpy as np
import pytest

import munflow as mf

N = 100_000


def within(mean: float, p: float, n: int = N, z: float = 5.0) -> bool:
    """Whether an observed frequency `mean` is within z standard errors of p."""
    return abs(mean - p) <= z * math.sqrt(p * (1 - p) / n)


def test_where_picks_a_branch_by_sample():
    cond = mf.bernoulli(0.3, name="cond")
    a = mf.normal(10, 1, name="a")
    b = mf.uniform(0, 1, name="b")
    res = mf.run({"x": mf.where(cond, a, b)}, n=N, seed=1)
    expected = np.where(res["cond"] == 1, res["a"], res["b"])
    np.testing.assert_array_equal(res["x"], expected)
    assert within(float(np.mean(res["cond"])), 0.3)
    # A constant condition picks its branch when the graph is built.
    assert mf.where(1, a, b).name == "a"
    # Any non-zero value counts as true, NaN stays NaN (a model error).
    res = mf.run({"x": mf.where(mf.uniform(1, 2), 5.0, 7.0)}, n=100, seed=1)
    assert (res["x"] == 5.0).all()
    with pytest.raises(mf.ModelError):
        mf.run({"x": mf.where(mf.log(mf.normal(0, 1)), 1.0, 2.0)}, n=1000, seed=1)


def test_bernoulli_is_binomial_of_one():
    assert mf.bernoulli(0.25).mean() == 0.25
    assert mf.bernoulli(0.25).support() == (0, 1)
    with pytest.raises(ValueError, match="p must be"):
        mf.bernoulli(1.5)
    p = mf.beta(2, 2, name="p")
    res = mf.run({"x": mf.bernoulli(p)}, n=N, seed=2)
    assert within(float(np.mean(res["x"])), 0.5)


def test_a_mixture_of_expressions_is_an_either_or_draw():
    shells = mf.lognormal_ci(2.5e6, 3.5e6, name="shells")
    rockets = mf.lognormal_ci(4e5, 6e5, name="rockets")
    rounds = mf.mixture([shells, rockets], [0.7, 0.3], name="rounds")
    res = mf.run({"rounds": rounds}, n=N, seed=3)
    choice = res["rounds.choice"]
    assert set(np.unique(choice)) == {0.0, 1.0}
    assert within(float(np.mean(choice == 0)), 0.7)
    np.testing.assert_array_equal(
        res["rounds"], np.where(choice == 0, res["shells"], res["rockets"])
    )
    # Components shared with the rest of the model are the same draws there.
    total = rounds + shells
    res = mf.run({"total": total}, n=1000, seed=3)
    assert ((res["total"] == 2 * res["shells"]) == (res["rounds.choice"] == 0)).all()


def test_the_choice_of_hypothesis_is_a_sensitivity_input():
    # rounds = 1 under the first hypothesis, 0 under the second: all of its
    # variance is which hypothesis holds, so S1 = ST = 1 for the choice.
    rounds = mf.mixture([mf.constant(1.0) + 0 * mf.uniform(0, 1), 0.0], [0.5, 0.5], name="h")
    table = mf.Model({"h": rounds}).sobol("h", n=2**14, seed=4)
    assert table.loc["h.choice", "S1"] == pytest.approx(1.0, abs=0.05)
    assert table.loc["h.choice", "ST"] == pytest.approx(1.0, abs=0.05)


def test_a_mixture_of_fixed_laws_is_still_a_distribution():
    d = mf.mixture([mf.normal(0, 1), mf.normal(10, 1)], [0.5, 0.5])
    assert isinstance(d, mf.Distribution)
    assert d.mean() == pytest.approx(5.0)


@pytest.mark.parametrize(
    ("weights", "match"),
    [([0.5], "one entry per component"), ([1, -1], "weight"), ([0, 0], "not all be 0")],
)
def test_bad_mixture_weights_are_value_errors(weights, match):
    with pytest.raises(ValueError, match=match):
        mf.mixture([mf.normal(0, 1) * 2, 3.0], weights)


def alternatives_scenario(**second: object) -> dict:
    return {
        "munitions": {
            "shell_152": {"category": "shell", "per_container": 430},
            "rocket_122": {"category": "rocket", "per_container": 75},
        },
        "mix": {
            "alternatives": [
                {"label": "all 152 mm", "weight": 0.6, "fixed": {"shell_152": 1, "other": 0}},
                {"weight": 0.4, "fixed": {"rocket_122": 0.8, "other": 0.2}, **second},
            ]
        },
        "channels": {"reported": {"minister": {"containers": 7000}}},
    }


def test_alternative_cargo_mixes_in_a_scenario():
    sc = mf.Scenario.from_dict(alternatives_scenario())
    res = sc.run(n=N, seed=5)
    all_152 = res["mix.alternative"] == 0
    assert within(float(np.mean(all_152)), 0.6)
    # Hand-computed: 7,000 x 430 shells, or 7,000 x 0.8 x 75 rockets.
    assert (res["shell_152.delivered"][all_152] == 3_010_000).all()
    assert (res["shell_152.delivered"][~all_152] == 0).all()
    assert (res["rocket_122.delivered"][~all_152] == 420_000).all()
    assert (res["rocket_122.delivered"][all_152] == 0).all()
    again = mf.Scenario.from_toml(sc.to_toml())
    assert again == sc


def test_bad_alternatives_are_located():
    with pytest.raises(mf.ScenarioError) as info:
        mf.Scenario.from_dict(alternatives_scenario(weight=0))
    assert info.value.path == "mix.alternatives[1].weight"
    bad = alternatives_scenario()
    bad["mix"]["alternatives"][1]["fixed"]["rocket_122"] = 0.5
    with pytest.raises(mf.ScenarioError, match="sum to 0.7") as info:
        mf.Scenario.from_dict(bad)
    assert info.value.path == "mix.alternatives[1].fixed"
    text = mf.Scenario.from_dict(alternatives_scenario()).to_toml()
    text = text.replace("rocket_122 = 0.8", "rocket_122 = 0.5")
    with pytest.raises(mf.ScenarioError) as info:
        mf.Scenario.from_toml(text, origin="alt.toml")
    assert (
        info.value.line
        == text.splitlines().index(
            next(line for line in text.splitlines() if "rocket_122 = 0.5" in line)
        )
        + 1
    )
