"""Sensitivity analysis of scenarios: inputs by their names in the file."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import munflow as mf

# Containers ~ U(1000, 9000) and shells per container ~ U(100, 700), all of the
# cargo 152 mm and no dud rate: functioning = containers * per_container.
C_LO, C_HI, P_LO, P_HI = 1000.0, 9000.0, 100.0, 700.0
PRODUCT = {
    "munitions": {"shell_152": {"category": "shell", "per_container": {"uniform": [P_LO, P_HI]}}},
    "mix": {"fixed": {"shell_152": 1, "other": 0}},
    "channels": {"reported": {"minister": {"containers": {"uniform": [C_LO, C_HI]}}}},
}
OUTPUT = "shell_152.functioning"
CONTAINERS, PER_CONTAINER = "minister.containers", "shell_152.per_container"


def product_truth() -> tuple[np.ndarray, np.ndarray]:
    """S1 and ST of Y = X1 X2 for independent X1, X2:
    Var Y = m2^2 v1 + m1^2 v2 + v1 v2, and the v1 v2 term is the interaction."""
    m1, v1 = (C_LO + C_HI) / 2, (C_HI - C_LO) ** 2 / 12
    m2, v2 = (P_LO + P_HI) / 2, (P_HI - P_LO) ** 2 / 12
    first = np.array([m2**2 * v1, m1**2 * v2])
    total = first.sum() + v1 * v2
    return first / total, (first + v1 * v2) / total


@pytest.fixture(scope="module")
def product() -> mf.Scenario:
    return mf.Scenario.from_dict(PRODUCT)


def test_sobol_of_a_product_scenario_matches_the_analytic_indices(product):
    s1, st = product_truth()
    table = product.sobol(OUTPUT, seed=1)
    assert list(table.index) == [CONTAINERS, PER_CONTAINER]
    np.testing.assert_allclose(table["S1"], s1, atol=0.02)
    np.testing.assert_allclose(table["ST"], st, atol=0.02)
    # The interaction is visible: ST - S1 = v1 v2 / Var Y for both inputs.
    assert (st - s1)[0] > 0.05
    assert (table["ST"] - table["S1"] > 0.03).all()


def test_the_to_model_hook_gives_the_same_analysis(product):
    assert isinstance(product.to_model(), mf.Model)
    assert list(product.to_model().outputs) == list(product.outputs())
    ours = product.sobol(OUTPUT, n=2**10, seed=2)
    pd.testing.assert_frame_equal(ours, mf.sobol(product, OUTPUT, n=2**10, seed=2))
    pd.testing.assert_frame_equal(ours, mf.sobol(product.model(), OUTPUT, n=2**10, seed=2))


def test_tornado_holds_inputs_by_their_scenario_names(product):
    bars = product.tornado(OUTPUT, n=20_000, seed=3)
    assert set(bars.index) == {CONTAINERS, PER_CONTAINER}
    # Held at the 10th and 90th percentiles of U(1000, 9000): 1800 and 8200.
    assert bars.loc[CONTAINERS, ["input_low", "input_high"]].tolist() == pytest.approx([1800, 8200])
    only = product.tornado(OUTPUT, n=20_000, seed=3, inputs=PER_CONTAINER)
    assert list(only.index) == [PER_CONTAINER]


def test_scenario_results_give_rank_correlation_and_value_of_information(product):
    res = product.run(100_000, seed=4)
    assert isinstance(res, mf.ScenarioResults)
    # The only channel's containers are also the output total.containers:
    # the input is found under that name.
    rho = res.rank_correlation(OUTPUT)
    assert set(rho.index) == {CONTAINERS, PER_CONTAINER}
    assert (rho["rho"] > 0.5).all()
    voi = res.value_of_information(OUTPUT)
    s1, _ = product_truth()
    np.testing.assert_allclose(
        voi.loc[[CONTAINERS, PER_CONTAINER], "variance_share"], s1, atol=0.03
    )
    assert ((voi["narrowing"] > 0) & (voi["narrowing"] < 1)).all()
    # The same through the module functions, and with a fresh run from the scenario.
    pd.testing.assert_frame_equal(rho, mf.rank_correlation(res, OUTPUT))
    assert set(mf.value_of_information(product, OUTPUT, n=20_000, seed=4).index) == set(voi.index)


def test_an_output_thinned_by_a_dud_rate_reports_the_thinning_as_intrinsic_noise():
    data = {
        **PRODUCT,
        "munitions": {
            "shell_152": {"category": "shell", "per_container": 430, "dud_rate": {"beta": [2, 8]}}
        },
    }
    sc = mf.Scenario.from_dict(data)
    table = sc.sobol(OUTPUT, n=2**12, seed=5)
    # The output is the binomial draw itself, named after the output: its own
    # randomness is noise, not an input of itself.
    assert list(table.index) == [CONTAINERS, "shell_152.dud_rate", "intrinsic noise"]
    assert table.loc["intrinsic noise", "ST"] < 0.01
    assert OUTPUT not in sc.tornado(OUTPUT, n=10_000, seed=5).index
    assert OUTPUT not in sc.run(10_000, seed=5).rank_correlation(OUTPUT).index


def test_unknown_names_are_value_errors(product):
    with pytest.raises(ValueError, match="no output named"):
        product.sobol("shell_152.delivered[nope]")
    with pytest.raises(ValueError, match="containers"):
        product.tornado(OUTPUT, inputs=["containers"])


BUNDLED_OUTPUTS = [
    "shell_152.functioning[defence_minister]",
    "shell_152.functioning[voyages]",
    "ballistic_missile.reaching_target[defence_minister]",
]


@pytest.mark.parametrize("output", BUNDLED_OUTPUTS)
def test_bundled_scenario_indices_are_sane(output):
    sc = mf.scenarios.load()
    assert output in sc.outputs()
    table = sc.sobol(output, n=2**12, seed=6, progress=False)
    assert len(table) >= 3
    assert np.isfinite(table.to_numpy()).all()
    # Within the estimates' own intervals: the voyage estimate has a heavy
    # upper tail (unseen dark voyages), which makes some intervals wide.
    tol = 0.05
    s1, st = table["S1"], table["ST"]
    s1_conf, st_conf = table["S1_conf"], table["ST_conf"]
    assert (st >= s1 - np.hypot(s1_conf, st_conf) - tol).all()
    assert (s1 >= -s1_conf - tol).all() and (st <= 1 + st_conf + tol).all()
    assert s1.sum() <= 1 + np.sqrt((s1_conf**2).sum()) + tol
    assert st.sum() >= 1 - np.sqrt((st_conf**2).sum()) - tol
    assert output not in table.index
