"""What an estimate rests on: citations on inputs, kept when saved, and the
shares of variance by origin against closed forms."""

from __future__ import annotations

import pickle

import pytest

import munflow as mf
from munflow.sensitivity import provenance


def test_a_citation_stays_with_the_input_and_is_set_once() -> None:
    dud = mf.beta(2, 8, name="dud_rate").cite("no source gives one", assumption=True)
    assert (dud.source, dud.assumption) == ("no source gives one", True)
    assert isinstance(dud, mf.Distribution)  # still answers mean(), ppf()...
    dud.cite("no source gives one", assumption=True)  # the same again: fine
    with pytest.raises(ValueError, match="already cited"):
        dud.cite("another report")
    with pytest.raises(ValueError, match="needs a source"):
        mf.normal(0, 1).cite()
    restored = pickle.loads(pickle.dumps(mf.Model({"y": dud * 2})))
    assert restored.outputs["y"].input_sources() == {"dud_rate": ("no source gives one", True)}


def test_shares_by_source_of_an_additive_model_are_the_variance_shares() -> None:
    # y = a + b + c, independent: a group's Shapley effect is its variance share.
    a = mf.normal(0, 1, name="a").cite("report A")
    b = mf.normal(0, 2, name="b").cite("report A")
    c = mf.normal(0, 3, name="c").cite(assumption=True)
    table = mf.rests_on({"y": a + b + c}, n=4000, seed=3)
    assert table.loc["report A", "share"] == pytest.approx(5 / 14, abs=0.03)
    assert table.loc[provenance.ASSUMPTIONS, "share"] == pytest.approx(9 / 14, abs=0.03)
    assert table.loc["report A", "inputs"] == "a, b"


def test_a_product_splits_its_interaction_between_the_sources() -> None:
    # y = x1 x2 with independent centred inputs: all variance is interaction,
    # and each source gets half of it.
    x1 = mf.normal(0, 1, name="x1").cite("minister")
    x2 = mf.normal(0, 1, name="x2").cite("imagery")
    table = mf.rests_on({"y": x1 * x2}, n=4000, seed=5, n_outer=20_000)
    assert table.loc["minister", "share"] == pytest.approx(0.5, abs=0.05)
    assert table.loc["imagery", "share"] == pytest.approx(0.5, abs=0.05)


def test_a_scenario_rests_on_its_tables_sources_and_names_its_evidence() -> None:
    sc = mf.scenarios.load("dprk_russia_2023_2024_combined")
    table = mf.rests_on(sc, "shell_152.functioning", n=1000, seed=1)
    assert table.attrs["observations"] == ["defence_minister", "missile_failures"]
    assert table["share"].sum() == pytest.approx(1.0, abs=1e-9)
    assert any("June 2024 analysis" in origin for origin in table.index)
    assert "shell_152.dud_rate" in " ".join(table["inputs"])


def test_a_scenario_table_lists_its_assumptions_and_they_are_checked() -> None:
    sc = mf.scenarios.load("dprk_russia_2023_2024")
    origin = sc.outputs()["shell_152.functioning[voyages]"].input_sources()
    assert origin["shell_152.dud_rate"][1] is True
    assert origin["shell_152.per_container"] == (origin["shell_152.per_container"][0], False)
    assert "June 2024 analysis" in origin["shell_152.per_container"][0]
    bad = sc.to_toml().replace('"dud_rate", "daily_consumption"', '"dud_rte"', 1)
    with pytest.raises(
        mf.ScenarioError, match=r"x.toml:\d+: munitions.shell_152.assumptions: 'dud_rte'"
    ):
        mf.Scenario.from_toml(bad, origin="x.toml").validate()
