"""The engine through Python: determinism, streams, interruption, memory, NaN."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import munflow as mf


def seed_model() -> dict[str, mf.Expr]:
    containers = mf.lognormal_ci(6000, 8000, name="containers")
    per_container = mf.pert(300, 430, 500, name="per_container")
    dud_rate = mf.beta(2, 8, name="dud_rate")
    shells = mf.floor(containers * per_container)
    return {"shells": shells, "good_shells": mf.binomial(shells, 1 - dud_rate)}


@pytest.mark.parametrize("threads", [2, 8])
def test_a_seed_gives_bit_identical_results_for_any_thread_count(threads: int) -> None:
    model = seed_model()
    one = mf.run(model, n=50_003, seed=7, threads=1)
    many = mf.run(model, n=50_003, seed=7, threads=threads)
    for name in one:
        assert np.array_equal(one[name], many[name]), name


def test_rayon_num_threads_does_not_change_results() -> None:
    script = textwrap.dedent(
        """
        import hashlib, munflow as mf
        x = mf.binomial(mf.floor(mf.lognormal_ci(6000, 8000) * 400), 1 - mf.beta(2, 8))
        res = mf.run({"x": x}, n=30_001, seed=3)
        print(hashlib.sha256(res["x"].tobytes()).hexdigest())
        """
    )
    digests = set()
    for threads in ("1", "2", "8"):
        env = {**os.environ, "RAYON_NUM_THREADS": threads}
        out = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
        )
        digests.add(out.stdout.strip())
    assert len(digests) == 1


def test_the_seed_is_recorded_and_reproduces_the_run() -> None:
    model = seed_model()
    first = mf.run(model, n=10_000)
    assert isinstance(first.seed, int)
    again = mf.run(model, n=10_000, seed=first.seed)
    assert np.array_equal(first["shells"], again["shells"])
    assert mf.run(model, n=10_000).seed != first.seed


def test_rebuilding_the_model_reproduces_the_draws() -> None:
    a = mf.run(seed_model(), n=20_000, seed=1)
    b = mf.run(seed_model(), n=20_000, seed=1)
    assert np.array_equal(a["good_shells"], b["good_shells"])


def test_changing_one_named_input_keeps_the_others_draws() -> None:
    containers = mf.lognormal_ci(6000, 8000, name="containers")
    base = mf.run({"x": containers * mf.beta(2, 8, name="dud_rate")}, n=20_000, seed=5)
    changed = mf.run({"x": containers * mf.beta(4, 6, name="dud_rate")}, n=20_000, seed=5)
    assert np.array_equal(base["containers"], changed["containers"])
    assert not np.array_equal(base["dud_rate"], changed["dud_rate"])


def test_the_same_object_is_the_same_draw() -> None:
    x = mf.normal(0, 1)
    res = mf.run({"zero": x - x, "twice": x + x, "x": x}, n=10_000, seed=2)
    assert np.all(res["zero"] == 0)
    assert np.array_equal(res["twice"], 2 * res["x"])


def test_distinct_objects_are_independent_draws() -> None:
    a, b = mf.normal(0, 1), mf.normal(0, 1)
    res = mf.run({"a": a, "b": b}, n=100_000, seed=2)
    assert abs(np.corrcoef(res["a"], res["b"])[0, 1]) < 0.015


def test_a_nan_is_reported_with_the_node_that_made_it() -> None:
    z = mf.normal(0, 1, name="z")
    with pytest.raises(mf.ModelError, match=r"NaN at node 'log\(z\)'"):
        mf.run({"y": mf.log(z) + 1}, n=10_000, seed=1)
    res = mf.run({"y": mf.log(z) + 1}, n=10_000, seed=1, allow_nan=True)
    assert 0.4 < np.isnan(res["y"]).mean() < 0.6


def test_a_division_by_zero_is_reported_too() -> None:
    with pytest.raises(mf.ModelError, match="inf"):
        mf.run({"r": 1 / (mf.poisson(0.5, name="k"))}, n=1000, seed=1)


def test_an_invalid_compound_parameter_names_the_draw() -> None:
    delivered = mf.normal(100, 10, name="delivered")
    with pytest.raises(mf.ModelError, match="binomial: n must be a whole number"):
        mf.run({"good": mf.binomial(delivered, 0.5)}, n=100, seed=1)


def test_a_run_too_big_for_memory_fails_up_front() -> None:
    with pytest.raises(MemoryError, match=r"needs \d+ bytes"):
        mf.run({"x": mf.normal(0, 1)}, n=2**50, seed=1)


def test_ctrl_c_stops_a_long_run_cleanly() -> None:
    script = textwrap.dedent(
        """
        import signal, sys, munflow as mf
        signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started ignored
        x = mf.binomial(mf.floor(mf.lognormal_ci(6000, 8000) * 400), 1 - mf.beta(2, 8))
        print("started", flush=True)
        try:
            for _ in range(1000):
                mf.run({"x": x}, n=5_000_000, seed=1, store_inputs=False, progress=False)
        except KeyboardInterrupt:
            print("interrupted", flush=True)
            sys.exit(3)
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "started"
    time.sleep(1.0)
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    elapsed = time.monotonic() - sent
    assert proc.returncode == 3, err
    assert "interrupted" in out
    assert "PanicException" not in err
    # "within about a second"; generous here because CI machines are shared.
    assert elapsed < 5, elapsed


def test_progress_callbacks_report_every_chunk() -> None:
    seen: list[tuple[int, int]] = []
    from munflow import _core

    x = mf.normal(0, 1)
    _core._run([("x", x)], 100_000, 1, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1][0] == seen[-1][1] == -(-100_000 // 4096)


def test_store_inputs_false_keeps_only_outputs() -> None:
    res = mf.run(seed_model(), n=1000, seed=1, store_inputs=False)
    assert res.keys() == ["shells", "good_shells"]
    assert res.inputs == []


@pytest.mark.parametrize(
    ("outputs", "error"),
    [
        ({}, ValueError),
        ({"x": "shells"}, TypeError),
        ([mf.normal(0, 1)], TypeError),
        (42, TypeError),
        ({"x": mf.normal(0, 1, name="a") + mf.normal(0, 1, name="a")}, ValueError),
    ],
)
def test_bad_models_raise_clear_errors(outputs: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        mf.run(outputs, n=10, seed=1)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n": 0}, ValueError, "n must be >= 1, got 0"),
        ({"n": -5}, ValueError, "n must be >= 1, got -5"),
        ({"n": 1.5}, ValueError, "n must be a whole number"),
        ({"n": 2**62}, ValueError, "n is too large"),
        ({"seed": -1}, ValueError, "seed must be in"),
        ({"seed": "abc"}, TypeError, "seed must be an int"),
        ({"threads": 0}, ValueError, "threads must be >= 1"),
    ],
)
def test_bad_run_options(kwargs: dict, error: type[Exception], match: str) -> None:
    options = {"n": 10, "seed": 1, **kwargs}
    with pytest.raises(error, match=match):
        mf.run({"x": mf.normal(0, 1)}, **options)


def test_an_expression_has_no_truth_value() -> None:
    with pytest.raises(TypeError, match="no single truth value"):
        if mf.normal(0, 1) > 0:
            pass


def test_numpy_arrays_do_not_broadcast_over_expressions() -> None:
    with pytest.raises(TypeError):
        np.array([1.0, 2.0]) + mf.normal(0, 1)
