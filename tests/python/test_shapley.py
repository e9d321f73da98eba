"""Shapley effects against closed forms: the linear Gaussian model with
correlated inputs (Owen & Prieur 2017; Iooss & Prieur 2019, section 3), an
independent additive model (first-order Sobol indices), a pure interaction
(half each); and Sobol's refusal of correlated inputs."""

from __future__ import annotations

import math

import numpy as np
import pytest

import munflow as mf

RHO = 0.5  # Pearson correlation of x2 and x3
SD = (1.0, 1.0, 2.0)


def spearman_of_gaussian(rho: float) -> float:
    """The rank correlation of a Gaussian pair with Pearson correlation rho."""
    return 6 / math.pi * math.asin(rho / 2)


def correlated_linear(method: str = "gaussian-copula") -> mf.Model:
    xs = [mf.normal(0, s, name=f"x{i + 1}") for i, s in enumerate(SD)]
    rs = spearman_of_gaussian(RHO)
    x1, x2, x3 = mf.correlate(xs, [[1, 0, 0], [0, 1, rs], [0, rs, 1]], method=method)
    return mf.Model({"y": x1 + x2 + x3})


def linear_truth() -> np.ndarray:
    """Y = x1 + x2 + x3, x1 independent, (x2, x3) Gaussian with correlation
    rho: Sh1 = s1^2 / V, Sh2 = (s2^2 (1 - rho^2/2) + rho^2 s3^2 / 2 + rho s2 s3) / V,
    Sh3 likewise (Iooss & Prieur 2019, eq. 13 with unit coefficients)."""
    s1, s2, s3 = SD
    v = s1**2 + s2**2 + s3**2 + 2 * RHO * s2 * s3
    sh2 = s2**2 * (1 - RHO**2 / 2) + RHO**2 * s3**2 / 2 + RHO * s2 * s3
    sh3 = s3**2 * (1 - RHO**2 / 2) + RHO**2 * s2**2 / 2 + RHO * s2 * s3
    return np.array([s1**2, sh2, sh3]) / v


def test_correlated_linear_gaussian_matches_the_closed_form_exact_orders():
    table = mf.shapley(correlated_linear(), "y", n=100_000, seed=1, n_outer=10_000)
    assert list(table.index) == ["x1", "x2", "x3"]
    assert list(table.columns) == ["Sh", "Sh_conf"]
    np.testing.assert_allclose(table["Sh"], linear_truth(), atol=0.02)
    assert table.attrs["permutations"] == "exact"
    assert table.attrs["evaluations"] == 100_000 + 6 * 10_000 * 3
    assert abs(table["Sh"].sum() - 1) < 1e-12
    assert (table["Sh_conf"] > 0).all() and (table["Sh_conf"] < 0.03).all()


def test_correlated_linear_gaussian_matches_the_closed_form_random_orders():
    table = mf.shapley(correlated_linear(), "y", n=100_000, seed=2, permutations=30_000)
    assert table.attrs["permutations"] == 30_000 and table.attrs["n_outer"] == 1
    np.testing.assert_allclose(table["Sh"], linear_truth(), atol=0.02)


def test_independent_additive_model_gives_the_first_order_sobol_indices():
    xs = [mf.normal(0, s, name=f"x{i}") for i, s in enumerate((1.0, 2.0, 3.0))]
    model = mf.Model({"y": xs[0] + xs[1] + xs[2]})
    shap = mf.shapley(model, "y", n=100_000, seed=3, n_outer=10_000)
    sob = mf.sobol(model, "y", seed=3)
    truth = np.array([1, 4, 9]) / 14
    np.testing.assert_allclose(shap["Sh"], truth, atol=0.02)
    np.testing.assert_allclose(shap["Sh"], sob["S1"], atol=0.02)


def test_a_pure_interaction_is_split_in_half():
    x1, x2 = mf.normal(0, 1, name="x1"), mf.normal(0, 1, name="x2")
    table = mf.shapley({"y": x1 * x2}, n=100_000, seed=4, n_outer=20_000)
    np.testing.assert_allclose(table["Sh"], [0.5, 0.5], atol=0.02)


def test_intrinsic_noise_and_groups_are_players():
    x1, x2 = mf.normal(0, 1, name="x1"), mf.normal(0, 1, name="x2")
    noise = mf.normal(0, math.sqrt(2))  # unnamed: intrinsic noise
    model = mf.Model({"y": x1 + x2 + noise})
    table = mf.shapley(model, "y", n=100_000, seed=5, n_outer=10_000)
    assert list(table.index) == ["x1", "x2", "intrinsic noise"]
    np.testing.assert_allclose(table["Sh"], [0.25, 0.25, 0.5], atol=0.02)
    grouped = mf.shapley(model, "y", n=100_000, seed=5, n_outer=10_000, groups={"x": ["x1", "x2"]})
    assert list(grouped.index) == ["x", "intrinsic noise"]
    np.testing.assert_allclose(grouped["Sh"], [0.5, 0.5], atol=0.02)


def test_a_correlated_group_gets_its_variance_share():
    table = mf.shapley(
        correlated_linear(), "y", n=100_000, seed=6, n_outer=10_000, groups={"x23": ["x2", "x3"]}
    )
    s1, s2, s3 = SD
    v = s1**2 + s2**2 + s3**2 + 2 * RHO * s2 * s3
    np.testing.assert_allclose(table["Sh"], [(v - s1**2) / v, s1**2 / v], atol=0.02)


@pytest.mark.parametrize("permutations", [None, 500])
def test_shapley_is_the_same_on_1_2_and_7_threads(permutations):
    model = correlated_linear()
    n_outer = 300 if permutations is None else None
    tables = [
        mf.shapley(
            model, "y", n=5_000, seed=7, n_outer=n_outer, permutations=permutations, threads=t
        )
        for t in (1, 2, 7)
    ]
    for other in tables[1:]:
        assert (other.to_numpy() == tables[0].to_numpy()).all()


def test_iman_conover_correlations_are_refused_with_the_alternative():
    with pytest.raises(ValueError, match="gaussian-copula"):
        mf.shapley(correlated_linear("iman-conover"), "y", seed=1)


def test_bad_options_are_value_errors_naming_them():
    model = correlated_linear()
    with pytest.raises(ValueError, match="n_inner must be >= 2"):
        mf.shapley(model, "y", n_inner=1)
    with pytest.raises(ValueError, match="n_outer"):
        mf.shapley(model, "y", n_outer=0)
    with pytest.raises(ValueError, match="n must be >= 2"):
        mf.shapley(model, "y", n=1)
    with pytest.raises(ValueError, match="conf_level"):
        mf.shapley(model, "y", n=100, n_outer=10, conf_level=1.5)
    with pytest.raises(ValueError, match="'nope'"):
        mf.shapley(model, "y", groups={"g": ["nope"]})


def test_the_table_plots(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    table = mf.shapley(correlated_linear(), "y", n=2_000, seed=1, n_outer=200)
    ax = table.plot()
    assert ax.get_title() == "Shapley effects of y"
    path = tmp_path / "shapley.png"
    ax.figure.savefig(path)
    assert path.stat().st_size > 5_000
    assert "Shapley effects of y" in repr(table)


@pytest.mark.parametrize("method", ["iman-conover", "gaussian-copula"])
def test_sobol_refuses_correlated_inputs_apart_and_accepts_them_in_one_group(method):
    model = correlated_linear(method)
    with pytest.raises(ValueError, match="Shapley") as info:
        mf.sobol(model, "y", seed=1)
    assert "one group" in str(info.value) and "'x1', 'x2', 'x3'" in str(info.value)
    xs = [mf.normal(0, s, name=f"x{i + 1}") for i, s in enumerate(SD)]
    rs = spearman_of_gaussian(RHO)
    x2, x3 = mf.correlate(xs[1:], rs, method=method)
    model = mf.Model({"y": xs[0] + x2 + x3})
    table = mf.sobol(model, "y", seed=1, groups={"x23": ["x2", "x3"]})
    s1, s2, s3 = SD
    v = s1**2 + s2**2 + s3**2 + 2 * RHO * s2 * s3
    np.testing.assert_allclose(table["S1"], [(v - s1**2) / v, s1**2 / v], atol=0.02)
    np.testing.assert_allclose(table["ST"], [(v - s1**2) / v, s1**2 / v], atol=0.02)
