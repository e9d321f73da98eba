"""Sensitivity analysis against analytic indices and against SALib."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import munflow as mf

A, B = 7.0, 0.1


def ishigami() -> mf.Model:
    x1, x2, x3 = (mf.uniform(-math.pi, math.pi, name=f"x{i}") for i in (1, 2, 3))
    y = mf.sin(x1) + A * mf.sin(x2) ** 2 + B * x3**4 * mf.sin(x1)
    return mf.Model({"y": y})


def ishigami_truth() -> tuple[np.ndarray, np.ndarray]:
    v1 = 0.5 * (1 + B * math.pi**4 / 5) ** 2
    v2 = A**2 / 8
    v13 = B**2 * math.pi**8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return np.array([v1, v2, 0]) / v, np.array([v1 + v13, v2, v13]) / v


def test_ishigami_matches_analytic_values_at_the_default_n():
    s1, st = ishigami_truth()
    table = mf.sobol(ishigami(), "y", seed=1)
    assert list(table.columns) == ["S1", "S1_conf", "ST", "ST_conf"]
    assert list(table.index) == ["x1", "x2", "x3"]
    np.testing.assert_allclose(table["S1"], s1, atol=0.02)
    np.testing.assert_allclose(table["ST"], st, atol=0.02)
    assert (table["S1_conf"] > 0).all() and (table["ST_conf"] > 0).all()
    assert table.attrs["evaluations"] == table.attrs["n"] * 5


def test_ishigami_agrees_with_salib_within_confidence_intervals():
    salib_sample = pytest.importorskip("SALib.sample.sobol")
    salib_analyze = pytest.importorskip("SALib.analyze.sobol")
    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-math.pi, math.pi]] * 3}
    x = salib_sample.sample(problem, 2**13, calc_second_order=False, seed=3)
    y = np.sin(x[:, 0]) + A * np.sin(x[:, 1]) ** 2 + B * x[:, 2] ** 4 * np.sin(x[:, 0])
    ref = salib_analyze.analyze(problem, y, calc_second_order=False, seed=3)
    ours = mf.sobol(ishigami(), "y", n=2**13, seed=3)
    for key in ("S1", "ST"):
        # Two independent estimates: their difference lies within the two
        # half-widths combined (as independent errors) with room for 3 sigma.
        both = np.hypot(ours[f"{key}_conf"].to_numpy(), ref[f"{key}_conf"])
        assert (np.abs(ours[key].to_numpy() - ref[key]) < 1.5 * both + 1e-3).all(), (
            key,
            ours[key].to_numpy(),
            ref[key],
        )
        # And the bootstrap half-widths are of the same size as SALib's.
        ratio = ours[f"{key}_conf"].to_numpy() / ref[f"{key}_conf"]
        assert ((ratio > 0.05) & (ratio < 3)).all(), ratio


def test_monte_carlo_sampling_and_second_order():
    s1, st = ishigami_truth()
    table = mf.sobol(ishigami(), "y", n=2**15, seed=2, sampling="mc", second_order=True)
    np.testing.assert_allclose(table["S1"], s1, atol=0.03)
    s2 = table.s2
    assert isinstance(s2, pd.DataFrame)
    # Only x1 and x3 interact, and their S2 is ST3.
    assert abs(s2.loc[("x1", "x3"), "S2"] - st[2]) < 0.05
    assert abs(s2.loc[("x1", "x2"), "S2"]) < 0.05


def test_linear_model_indices_are_variance_shares():
    sds, coefs = [1.0, 2.0, 3.0], [3.0, 1.0, 0.5]
    xs = [mf.normal(5, sd, name=f"x{i}") for i, sd in enumerate(sds)]
    y = sum(c * x for c, x in zip(coefs, xs, strict=True))
    shares = np.array([(c * s) ** 2 for c, s in zip(coefs, sds, strict=True)])
    shares /= shares.sum()
    table = mf.sobol({"y": y}, seed=4, n=2**13)
    np.testing.assert_allclose(table["S1"], shares, atol=0.01)
    np.testing.assert_allclose(table["ST"], shares, atol=0.01)


def test_intrinsic_noise_row_has_its_analytic_share():
    x = mf.normal(0, 1, name="x")
    y = x + mf.normal(0, 0.5)  # the unnamed draw is intrinsic noise: 0.25 / 1.25
    table = mf.sobol({"y": y}, seed=5)
    assert list(table.index) == ["x", "intrinsic noise"]
    np.testing.assert_allclose(table["S1"], [0.8, 0.2], atol=0.02)
    np.testing.assert_allclose(table["ST"], [0.8, 0.2], atol=0.02)


def test_binomial_thinning_is_intrinsic_noise():
    # Var E[y|p] = 300 and E Var[y|p] = 22 for y = binomial(100, p), p ~ U(0.2, 0.8).
    p = mf.uniform(0.2, 0.8, name="p")
    table = mf.sobol({"y": mf.binomial(100, p)}, seed=6, n=2**15)
    assert abs(table.loc["p", "S1"] - 300 / 322) < 0.02
    assert abs(table.loc["intrinsic noise", "ST"] - 22 / 322) < 0.01


def test_groups_give_joint_indices():
    s1, _ = ishigami_truth()
    table = mf.sobol(ishigami(), "y", seed=7, groups={"x1 and x3": ["x1", "x3"]})
    assert list(table.index) == ["x1 and x3", "x2"]
    # The group {x1, x3} is everything but x2, which has no interactions.
    assert abs(table.loc["x1 and x3", "S1"] - (1 - s1[1])) < 0.02
    assert abs(table.loc["x2", "ST"] - s1[1]) < 0.02


def test_indices_are_bit_identical_whatever_the_thread_count():
    p = mf.beta(2, 8, name="dud_rate")
    shells = mf.floor(mf.lognormal_ci(6000, 8000, name="containers") * 430)
    model = mf.Model({"working": mf.binomial(shells, 1 - p)})
    one = mf.sobol(model, n=5000, seed=8, threads=1, second_order=True)
    two = mf.sobol(model, n=5000, seed=8, threads=2, second_order=True)
    pd.testing.assert_frame_equal(one, two, check_exact=True)
    pd.testing.assert_frame_equal(one.s2, two.s2, check_exact=True)
    t1 = mf.tornado(model, n=20_000, seed=8, threads=1)
    t2 = mf.tornado(model, n=20_000, seed=8, threads=2)
    pd.testing.assert_frame_equal(t1, t2, check_exact=True)


def test_tornado_sorts_by_swing_with_common_random_numbers():
    x1 = mf.uniform(0, 1, name="x1")
    x2 = mf.uniform(0, 10, name="x2")
    table = mf.tornado({"y": x1 + x2}, seed=1, n=20_000)
    assert list(table.index) == ["x2", "x1"]
    # Held at p10 and p90 of U(0, 10): 1 and 9, so the median moves by 8.
    assert table.loc["x2", ["input_low", "input_high"]].tolist() == pytest.approx([1, 9])
    assert table.loc["x2", "swing"] == pytest.approx(8, abs=0.05)
    assert table.loc["x1", "swing"] == pytest.approx(0.8, abs=0.05)
    mean = mf.tornado({"y": x1 + x2}, seed=1, n=20_000, statistic="mean")
    assert mean.attrs["statistic"] == "mean"
    assert mean.attrs["base"] == pytest.approx(5.5, abs=0.05)


def test_rank_correlation_and_value_of_information_reuse_a_run():
    containers = mf.lognormal_ci(6000, 8000, name="containers")
    per_container = mf.pert(300, 430, 500, name="per_container")
    dud_rate = mf.beta(2, 8, name="dud_rate")
    working = mf.binomial(mf.floor(containers * per_container), 1 - dud_rate)
    res = mf.run({"working": working}, n=100_000, seed=3)
    rho = res.rank_correlation("working")
    assert set(rho.index) == {"containers", "per_container", "dud_rate"}
    assert rho.loc["dud_rate", "rho"] < 0 < rho.loc["containers", "rho"]
    assert list(rho.index) == list(rho["rho"].abs().sort_values(ascending=False).index)
    voi = res.value_of_information("working")
    assert list(voi.columns) == ["width_now", "expected_width", "narrowing", "variance_share"]
    assert ((voi["narrowing"] > 0) & (voi["narrowing"] < 1)).all()
    # The binned variance share estimates the first-order index.
    s = mf.sobol(res, "working", n=2**13)
    for name in voi.index:
        assert abs(voi.loc[name, "variance_share"] - s.loc[name, "S1"]) < 0.05


def test_value_of_information_of_a_linear_model():
    # y = x + e with Var x = Var e: knowing x halves the variance, so the 90%
    # interval (normal throughout) narrows by 1 - sqrt(1/2).
    x = mf.normal(0, 1, name="x")
    voi = mf.value_of_information({"y": x + mf.normal(0, 1)}, n=200_000, seed=2)
    assert voi.loc["x", "variance_share"] == pytest.approx(0.5, abs=0.02)
    assert voi.loc["x", "narrowing"] == pytest.approx(1 - math.sqrt(0.5), abs=0.02)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda m: mf.sobol(m, "nope"), "no output named"),
        (lambda m: mf.sobol(m, "y", n=10), "n must be >= 64"),
        (lambda m: mf.sobol(m, "y", sampling="lhs"), "sampling"),
        (lambda m: mf.sobol(m, "y", groups={"g": ["x9"]}), "x9"),
        (lambda m: mf.tornado(m, "y", inputs=["x9"]), "x9"),
        (lambda m: mf.tornado(m, "y", statistic="mode"), "statistic"),
        (lambda m: mf.tornado(m, "y", inputs=["c"]), "constant"),
        (lambda m: mf.rank_correlation(m, "y", inputs=["c"], n=1000), "constant"),
        (lambda m: mf.value_of_information(m, "y", n=100), "n must be >="),
    ],
)
def test_bad_requests_raise_value_error(call, message):
    c = mf.named(mf.constant(3.0), "c")
    model = mf.Model({"y": mf.uniform(0, 1, name="x1") * c, "k": c})
    with pytest.raises(ValueError, match=message):
        call(model)


def test_a_constant_output_is_a_value_error():
    with pytest.raises(ValueError, match="constant|does not vary"):
        mf.sobol({"k": mf.named(mf.constant(3.0), "k")})


def test_plots_return_axes():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    from matplotlib.axes import Axes

    import munflow.plot as mplot

    model = ishigami()
    assert isinstance(mplot.sobol(mf.sobol(model, n=1024, seed=1)), Axes)
    assert isinstance(mplot.tornado(mf.tornado(model, n=2000, seed=1)), Axes)
    res = model.run(10_000, seed=1)
    assert isinstance(mplot.value_of_information(res.value_of_information(bins=20)), Axes)


def test_a_conditional_input_owns_its_own_randomness():
    # count ~ poisson(rate), rate ~ U(10, 50): Var E[count|rate] = 1600 / 12,
    # E Var[count|rate] = E rate = 30. The rate gets the first share; the
    # count's own draw (a named input whose law depends on the rate) the rest.
    rate = mf.uniform(10, 50, name="rate")
    count = mf.named(mf.poisson(rate), "count")
    table = mf.sobol({"y": count * 1.0}, seed=3, n=2**15)
    assert list(table.index) == ["rate", "count"]
    v = 1600 / 12 + 30
    assert abs(table.loc["rate", "S1"] - (1600 / 12) / v) < 0.02
    assert abs(table.loc["count", "ST"] - 30 / v) < 0.01
    bars = mf.tornado({"y": count * 1.0}, seed=3, n=20_000)
    # Held at quantiles of its own sampled values, the count moves the median most.
    assert list(bars.index) == ["count", "rate"]
    voi = mf.value_of_information({"y": count * 1.0}, seed=3)
    assert voi.loc["count", "narrowing"] > 0.9


def test_ctrl_c_stops_a_long_sobol_analysis(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    script = tmp_path / "long_sobol.py"
    script.write_text(
        "import signal\n"
        "signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started ignored\n"
        "import munflow as mf\n"
        "x = mf.uniform(0, 1, name='x')\n"
        "print('start', flush=True)\n"
        "try:\n"
        "    mf.sobol({'y': mf.sin(x) * x}, n=2**22, seed=1, num_resamples=5000, progress=False)\n"
        "    print('finished', flush=True)\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted', flush=True)\n"
    )
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "start"
    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=60)
    # The bootstrap alone makes 2e10 weighted row sums: far longer than 1.5 s.
    assert out.strip() == "interrupted"
    assert proc.returncode == 0


def test_results_are_tables_in_salibs_manner():
    import matplotlib

    matplotlib.use("Agg")
    from munflow.sensitivity.tables import SobolIndices

    x = [mf.uniform(0, 1 + i, name=f"x{i}") for i in range(70)]
    model = mf.Model({"y": sum(x[1:], x[0])})
    table = model.sobol("y", n=256, seed=1, second_order=False)
    assert isinstance(table, SobolIndices) and table.s2 is None
    # Only plain values in attrs (pandas issue 60455: a DataFrame there
    # breaks repr of a column), and every display works on 70 rows.
    assert not any(isinstance(v, pd.DataFrame) for v in table.attrs.values())
    assert "S1" in repr(table["S1"]) or len(repr(table["S1"])) > 0
    assert "Sobol indices of y" in repr(table) and "<table" in table._repr_html_()
    plain = table.to_df()
    assert type(plain) is pd.DataFrame and plain.attrs["seed"] == 1
    pd.testing.assert_frame_equal(plain, pd.DataFrame(table))
    assert table.plot().get_title().startswith("Sobol indices")
    small = mf.Model({"y": x[0] * x[1] + x[2]})
    second = small.sobol("y", n=1024, seed=2, second_order=True)
    assert list(second.s2.columns) == ["S2", "S2_conf"]
    assert second.s2.index.names == ["input_1", "input_2"]
    res = small.run(10_000, seed=3)
    for result in (
        small.tornado("y", seed=1, n=2000),
        res.rank_correlation("y"),
        res.value_of_information("y"),
    ):
        assert result.plot() is not None and type(result.to_df()) is pd.DataFrame
        assert result.caption().endswith("seed=" + str(result.attrs["seed"]))


def test_tornado_and_value_of_information_take_groups():
    x = [mf.uniform(0, 1, name=f"x{i}") for i in range(3)]
    model = mf.Model({"y": x[0] + x[1] + x[2]})
    bars = model.tornado("y", n=20_000, seed=1, groups={"pair": ["x0", "x1"]})
    assert list(bars.index) == ["pair", "x2"]
    # Both held at their p10 (0.1): y = 0.2 + U(0, 1), median 0.7; at p90: 2.3.
    assert bars.loc["pair", "output_low"] == pytest.approx(0.7, abs=0.02)
    assert bars.loc["pair", "output_high"] == pytest.approx(2.3, abs=0.02)
    assert np.isnan(bars.loc["pair", "input_low"])
    assert bars.loc["x2", "input_low"] == pytest.approx(0.1)
    res = model.run(100_000, seed=2)
    learn = res.value_of_information("y", groups={"pair": ["x0", "x1"]})
    assert list(learn.index) == ["pair", "x2"]
    # Knowing x0 and x1 leaves the variance of x2: 1/12 of 3/12, a share of 2/3.
    assert learn.loc["pair", "variance_share"] == pytest.approx(2 / 3, abs=0.03)
    assert learn.loc["x2", "variance_share"] == pytest.approx(1 / 3, abs=0.03)
    with pytest.raises(ValueError, match="in two groups"):
        model.tornado("y", n=1000, seed=1, groups={"a": ["x0"], "b": ["x0"]})
    with pytest.raises(ValueError, match="not a random named input"):
        res.value_of_information("y", groups={"a": ["nope"]})
