"""Correlated inputs: the achieved rank correlation against the target, the
marginals against scipy and against the uncorrelated run, ties, repair of
impossible targets, refusals, and determinism."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import time
import warnings

import numpy as np
import pytest
import scipy.stats as st

import munflow as mf

N = 100_000
TARGET_3 = np.array([[1.0, 0.5, 0.2], [0.5, 1.0, -0.4], [0.2, -0.4, 1.0]])


def inputs_3():
    return [mf.normal(0, 1, name="a"), mf.gamma(2, 1, name="b"), mf.beta(2, 5, name="c")]


def target_10() -> np.ndarray:
    """A 10 x 10 correlation matrix from a three-factor model (PSD by construction)."""
    rng = np.random.default_rng(11)
    w = rng.uniform(-0.6, 0.6, size=(10, 3))
    cov = w @ w.T + np.eye(10)
    d = np.sqrt(np.diag(cov))
    return cov / np.outer(d, d)


def achieved(res, names) -> np.ndarray:
    return st.spearmanr(np.column_stack([res[n] for n in names])).statistic


@pytest.mark.parametrize("method", ["iman-conover", "gaussian-copula"])
def test_a_3x3_target_is_met_within_002(method):
    a, b, c = mf.correlate(inputs_3(), TARGET_3, method=method)
    res = mf.run({"y": a + b + c}, n=N, seed=5)
    np.testing.assert_allclose(achieved(res, "abc"), TARGET_3, atol=0.02)
    check = res.correlation_check()
    assert len(check) == 3 and (check["difference"].abs() < 0.02).all()
    np.testing.assert_allclose(check["target"], [0.5, 0.2, -0.4])


@pytest.mark.parametrize("method", ["iman-conover", "gaussian-copula"])
def test_a_10x10_target_is_met_within_002(method):
    target = target_10()
    laws = [mf.lognormal(0, 0.5), mf.uniform(0, 1), mf.pert(1, 2, 5), mf.gamma(3, 2)]
    xs = [
        mf.named(laws[i % 4] if i < 4 else mf.triangular(0, i, 2 * i), f"x{i}") for i in range(10)
    ]
    xs = mf.correlate(xs, target, method=method)
    total = xs[0]
    for x in xs[1:]:
        total = total + x
    res = mf.run({"total": total}, n=N, seed=9)
    got = achieved(res, [f"x{i}" for i in range(10)])
    assert np.abs(got - target).max() < 0.02
    np.testing.assert_allclose(res.rank_correlation_matrix().to_numpy(), got, atol=1e-12)


def test_iman_conover_keeps_each_inputs_sample_exactly():
    plain = inputs_3() + [mf.poisson(2, name="d")]
    coupled = mf.correlate(plain, np.eye(4) * 0.3 + 0.7, method="iman-conover")
    res0 = mf.run({"y": sum(plain[1:], plain[0])}, n=30_000, seed=4)
    res1 = mf.run({"y": sum(coupled[1:], coupled[0])}, n=30_000, seed=4)
    for name in "abcd":
        assert not np.array_equal(res0[name], res1[name])  # reordered
        np.testing.assert_array_equal(np.sort(res0[name]), np.sort(res1[name]))


@pytest.mark.parametrize("method", ["iman-conover", "gaussian-copula"])
def test_marginals_are_the_distributions(method):
    a, b, c = mf.correlate(inputs_3(), TARGET_3, method=method)
    res = mf.run({"y": a * b + c}, n=N, seed=2)
    for name, law in [("a", st.norm()), ("b", st.gamma(2)), ("c", st.beta(2, 5))]:
        assert st.kstest(res[name], law.cdf).pvalue > 1e-3, name


def most_spearman_ties_allow(x: np.ndarray, y: np.ndarray) -> float:
    """The largest Spearman correlation of two samples: paired in order."""
    return st.spearmanr(np.sort(x), np.sort(y)).statistic


@pytest.mark.parametrize("method", ["iman-conover", "gaussian-copula"])
def test_a_tied_discrete_input_reaches_what_its_ties_allow(method):
    count = mf.poisson(0.7, name="count")
    load = mf.normal(430, 30, name="load")
    count, load = mf.correlate([count, load], 0.99, method=method)
    res = mf.run({"y": count * load}, n=N, seed=8)
    best = most_spearman_ties_allow(res["count"], res["load"])
    assert best < 0.95  # the ties bind: 0.99 is out of reach
    got = st.spearmanr(res["count"], res["load"]).statistic
    assert abs(got - best) < 0.02
    counts = np.bincount(np.minimum(res["count"], 4).astype(int), minlength=5)
    law = st.poisson(0.7)
    expected = N * np.append(law.pmf(np.arange(4)), law.sf(3))
    assert st.chisquare(counts, expected).pvalue > 1e-3


def test_an_impossible_target_is_repaired_to_the_nearest_correlation_matrix():
    impossible = np.array([[1.0, 0.9, -0.9], [0.9, 1.0, 0.9], [-0.9, 0.9, 1.0]])
    assert np.linalg.eigvalsh(impossible).min() < 0
    with pytest.warns(mf.CorrelationRepairWarning, match="nearest correlation") as record:
        a, b, c = mf.correlate(inputs_3(), impossible)
    used = np.array(mf.dependence.couplings_of([a + b + c])[0][3])
    assert np.linalg.eigvalsh(used).min() > -1e-10
    np.testing.assert_allclose(np.diag(used), 1.0)
    # The warning shows the matrix used.
    assert f"{used[0, 1]:.3f}".rstrip("0") in str(record[0].message)
    # Nearest: no nearer than clipping the eigenvalues and rescaling, a
    # correlation matrix built independently here.
    w, v = np.linalg.eigh(impossible)
    clipped = v @ np.diag(np.maximum(w, 0)) @ v.T
    d = np.sqrt(np.diag(clipped))
    clipped = clipped / np.outer(d, d)
    dist = np.linalg.norm(used - impossible)
    assert dist <= np.linalg.norm(clipped - impossible) + 1e-6
    assert dist < 1.0
    res = mf.run({"y": a + b + c}, n=N, seed=1)
    np.testing.assert_allclose(achieved(res, "abc"), used, atol=0.02)


@pytest.mark.parametrize(
    ("matrix", "message"),
    [
        ([[1, 0.5, 0], [0.3, 1, 0], [0, 0, 1]], "symmetric"),
        ([[1, 1.5, 0], [1.5, 1, 0], [0, 0, 1]], r"\[-1, 1\], got 1.5"),
        ([[0.9, 0, 0], [0, 1, 0], [0, 0, 1]], "diagonal must be 1"),
        ([[1, np.nan, 0], [np.nan, 1, 0], [0, 0, 1]], r"\[-1, 1\], got NaN"),
        ([[1, 0.5], [0.5, 1]], "2 x 2 but 3 inputs"),
        (0.5, "single number"),
        ([1, 0.5, 0.5], "square matrix"),
    ],
)
def test_invalid_targets_are_value_errors_naming_the_problem(matrix, message):
    with pytest.raises(ValueError, match=message):
        mf.correlate(inputs_3(), matrix)


def test_what_cannot_be_correlated_is_refused_by_name():
    a, b, _ = inputs_3()
    with pytest.raises(ValueError, match=r"'a \* 2' is derived"):
        mf.correlate([a * 2, b], 0.3)
    with pytest.raises(ValueError, match="constant"):
        mf.correlate([mf.constant(3.0), b], 0.3)
    with pytest.raises(ValueError, match="parameters are random"):
        mf.correlate([mf.normal(a, 1), b], 0.3)
    with pytest.raises(ValueError, match="given twice"):
        mf.correlate([a, a], 0.3)
    a2, b2 = mf.correlate([a, b], 0.3)
    with pytest.raises(ValueError, match="already correlated"):
        mf.correlate([a2, mf.uniform(0, 1)], 0.3)
    with pytest.raises(ValueError, match="method must be"):
        mf.correlate([a, b], 0.3, method="spearman")
    with pytest.raises(ValueError, match="at least two"):
        mf.correlate([a], [[1.0]])
    with pytest.raises(TypeError, match="inputs"):
        mf.correlate(a, 0.3)
    with pytest.raises(TypeError, match="bool"):
        mf.correlate([a, b], True)
    # Mixing an input with its correlated version is a name clash, not a
    # silent second draw.
    with pytest.raises(ValueError, match="'a'"):
        mf.run({"y": a + a2}, n=10)


@pytest.mark.parametrize("method", ["iman-conover", "gaussian-copula"])
def test_correlated_runs_are_the_same_on_1_2_and_7_threads_and_in_summary_runs(method):
    a, b, c = mf.correlate(inputs_3(), TARGET_3, method=method)
    model = mf.Model({"y": a * b + c})
    runs = [model.run(n=50_000, seed=3, threads=t)["y"] for t in (1, 2, 7)]
    np.testing.assert_array_equal(runs[0], runs[1])
    np.testing.assert_array_equal(runs[0], runs[2])
    kept = model.run(n=50_000, seed=3, store_inputs=False).summary()
    streamed = model.run(n=50_000, seed=3, store="summary").summary()
    assert (kept.to_numpy() == streamed.to_numpy()).all()


def test_a_pickled_model_keeps_its_correlations():
    a, b, c = mf.correlate(inputs_3(), TARGET_3, method="gaussian-copula")
    model = mf.Model({"y": a * b + c})
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(
        model.run(n=10_000, seed=1)["y"], again.run(n=10_000, seed=1)["y"]
    )
    assert mf.dependence.couplings_of(list(again.outputs.values()))[0][0] == "gaussian-copula"


def test_the_given_inputs_stay_independent():
    a, b, c = inputs_3()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mf.correlate([a, b, c], TARGET_3)
    res = mf.run({"y": a + b + c}, n=N, seed=5)
    assert abs(st.spearmanr(res["a"], res["b"]).statistic) < 0.02


@pytest.mark.parametrize("method", ["iman-conover", "gaussian-copula"])
def test_rows_of_a_chunk_range_are_the_rows_of_the_full_run(method):
    """Coupling is per chunk, so a Dask task evaluating chunks 3..9 sees
    exactly those rows of the whole run."""
    a, b, c = mf.correlate(inputs_3(), TARGET_3, method=method)
    outputs = [("y", a * b + c)]
    full = mf.run(dict(outputs), n=40_000, seed=5, store_inputs=False)
    (part,) = mf._core._run_chunk_range(outputs, 40_000, 5, 3, 9)
    np.testing.assert_array_equal(part, full["y"][3 * 4096 : 9 * 4096])


def test_tempering_is_refused_and_weighting_works_with_correlated_inputs():
    rate, load = mf.correlate(
        [mf.beta(2, 8, name="rate"), mf.pert(300, 430, 500, name="load")], 0.5
    )
    model = mf.Model({"y": rate * load}).observe(mf.evidence.count(3, n=20, p=rate))
    with pytest.raises(ValueError, match="weighting"):
        model.run(n=20_000, seed=1, method="tempering")
    post = model.run(n=20_000, seed=1, method="weighting")
    assert post.n == 20_000


def nearest_correlation_numpy(a: np.ndarray) -> np.ndarray:
    """Higham's (2002) alternating projections with Dykstra's correction,
    written independently with numpy's eigh, run to a tight tolerance."""
    y, correction = a.copy(), np.zeros_like(a)
    for _ in range(100_000):
        r = y - correction
        w, v = np.linalg.eigh(r)
        x = (v * np.maximum(w, 0.0)) @ v.T
        correction = x - r
        new = x.copy()
        np.fill_diagonal(new, 1.0)
        done = np.linalg.norm(new - y) < 1e-14 * np.linalg.norm(y)
        y = new
        if done:
            break
    return y


def test_a_large_impossible_target_is_repaired_to_the_nearest_correlation_matrix():
    # 120 inputs with random pairwise targets: far from any joint law (a
    # repair of this size took about 30 s with Jacobi rotations).
    k = 120
    rng = np.random.default_rng(4)
    target = rng.uniform(-1, 1, size=(k, k))
    target = (target + target.T) / 2
    np.fill_diagonal(target, 1.0)
    assert np.linalg.eigvalsh(target).min() < -5
    inputs = [mf.normal(0, 1, name=f"x{i}") for i in range(k)]
    with pytest.warns(mf.CorrelationRepairWarning):
        coupled = mf.correlate(inputs, target)
    used = np.array(mf.dependence.couplings_of([sum(coupled[1:], coupled[0])])[0][3])
    np.testing.assert_allclose(used, nearest_correlation_numpy(target), atol=1e-6)
    np.testing.assert_allclose(
        mf._core.nearest_correlation(target.tolist()), nearest_correlation_numpy(target), atol=1e-9
    )


def test_a_long_repair_answers_ctrl_c(tmp_path):
    # A 700 x 700 repair takes tens of seconds; Ctrl-C a second in stops it
    # within about one of its steps.
    script = tmp_path / "repair.py"
    script.write_text(
        "import sys, numpy as np, munflow._core as core\n"
        "rng = np.random.default_rng(1)\n"
        "a = rng.uniform(-1, 1, (700, 700)); a = (a + a.T) / 2; np.fill_diagonal(a, 1)\n"
        "print('start', flush=True)\n"
        "try:\n"
        "    core.nearest_correlation(a.tolist())\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted', flush=True)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, text=True, env=env
    )
    assert proc.stdout.readline().strip() == "start"
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    sent = time.perf_counter()
    out, _ = proc.communicate(timeout=60)
    assert out.strip() == "interrupted"
    assert time.perf_counter() - sent < 3.0


PICKLED_APART = """
import pickle, sys
import numpy as np
import scipy.stats as st
import munflow as mf

folder = sys.argv[1]
a = pickle.load(open(folder + "/a.pkl", "rb"))
b = pickle.load(open(folder + "/b.pkl", "rb"))
res = mf.run({"total": a + b}, n=20_000, seed=3)
alone = mf.run({"alone": pickle.load(open(folder + "/a_alone.pkl", "rb"))}, n=20_000, seed=3)
np.savez(
    folder + "/child.npz",
    spearman=st.spearmanr(res["containers"], res["per_container"]).statistic,
    checks=len(res.correlation_check()),
    total=res["total"],
    alone=alone["alone"],
)
"""


def test_correlated_inputs_pickled_one_by_one_stay_coupled_in_another_process(tmp_path):
    # Dask and multiprocessing users pickle inputs one by one: unpickled in
    # another process, they must be one coupling again (they once drew
    # independently: Spearman 0.005, no correlation check).
    x = mf.lognormal_ci(6000, 8000, name="containers")
    y = mf.pert(300, 430, 500, name="per_container")
    a, b = mf.correlate([x, y], 0.7)
    (tmp_path / "a.pkl").write_bytes(pickle.dumps(a))
    (tmp_path / "b.pkl").write_bytes(pickle.dumps(b))
    # One member alone, from another coupling: its own law, its own draws.
    lone, _ = mf.correlate([mf.gamma(2, 1, name="g"), mf.beta(2, 5, name="q")], 0.5)
    (tmp_path / "a_alone.pkl").write_bytes(pickle.dumps(lone))
    script = tmp_path / "child.py"
    script.write_text(PICKLED_APART)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    subprocess.run([sys.executable, str(script), str(tmp_path)], check=True, env=env, timeout=120)
    child = np.load(tmp_path / "child.npz")
    assert abs(float(child["spearman"]) - 0.7) < 0.03
    assert int(child["checks"]) > 0
    # The same numbers as the pair run here, where they were made.
    here = mf.run({"total": a + b}, n=20_000, seed=3)
    np.testing.assert_array_equal(child["total"], here["total"])
    # A member pickled alone keeps its marginal: the draws it makes here.
    np.testing.assert_array_equal(
        child["alone"], mf.run({"alone": lone}, n=20_000, seed=3)["alone"]
    )
    assert st.kstest(child["alone"], st.gamma(2).cdf).pvalue > 1e-3
