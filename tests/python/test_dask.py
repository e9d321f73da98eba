"""munflow.dask on a real local cluster (two worker processes): the same bits
as the run on one machine, whatever the task size, and after a worker dies."""

from __future__ import annotations

import functools
import importlib
import os
import re
import signal
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

distributed = pytest.importorskip("distributed")

import dask  # noqa: E402

import munflow as mf  # noqa: E402
import munflow.dask  # noqa: E402
from munflow import _core  # noqa: E402

SEED = 20240611
#: Not a whole number of chunks, so the last task and block are short.
N = 2**21 + 12_345


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        yield cluster


@pytest.fixture(scope="module")
def client(cluster):
    # Not the default client, so that a run without client= finds none.
    with distributed.Client(cluster, set_as_default=False) as client:
        client.wait_for_workers(2, timeout=60)
        yield client


def reference_model():
    """Continuous outputs, counts with ties (binomial, poisson) and a product."""
    containers = mf.lognormal_ci(6000, 8000, name="containers")
    per_container = mf.pert(300, 430, 500, name="per_container")
    dud_rate = mf.beta(2, 8, name="dud_rate")
    shells = mf.floor(containers * per_container)
    missiles = mf.poisson(50, name="missiles")
    return mf.Model(
        {
            "containers": containers,
            "shells": shells,
            "working": mf.binomial(shells, 1 - dud_rate),
            "missiles": missiles,
            "good_missiles": mf.binomial(missiles, 1 - mf.beta(26, 26)),
            "rate_x_count": dud_rate * missiles,
        }
    )


def events_of(model):
    out = model.outputs
    return {
        "over 3M": out["shells"] > 3e6,
        "few missiles": out["missiles"] <= 45,
        "none working": out["good_missiles"] == 0,
    }


def assert_same_summary(got, expected):
    a, b = got.summary(), expected.summary()
    assert list(a.index) == list(b.index) and list(a.columns) == list(b.columns)
    assert (a.values == b.values).all(), (a, b)


def test_summary_equals_local_and_in_memory_runs(client):
    model = reference_model()
    events = events_of(model)
    got = munflow.dask.run(model, N, SEED, client=client, events=events)
    local = model.run(N, SEED, store="summary", events=events)
    kept = model.run(N, SEED)
    assert (got.n, got.seed, got.outputs) == (N, SEED, local.outputs)
    assert_same_summary(got, local)
    assert_same_summary(got, kept)
    assert got.events == local.events
    for name, expr in events.items():
        assert got.prob(name) == kept.prob(expr)
        assert got.prob(expr) == kept.prob(expr)
    assert 0 < got.prob("over 3M") < 1


def test_task_sizes_do_not_change_the_bits(client):
    # Smaller than N: a task of one chunk costs ~10 ms (its histogram is
    # shipped and merged), and N is 515 chunks. The default cuts N in two
    # (the test above).
    model = reference_model()
    events = events_of(model)
    n = 400_000
    local = model.run(n, SEED, store="summary", events=events)
    for task_chunks in (1, 7, 64, None):
        got = munflow.dask.run(
            model, n, SEED, client=client, events=events, task_chunks=task_chunks
        )
        assert_same_summary(got, local)
        assert got.events == local.events


def test_other_quantiles_and_a_seed_picked_on_the_client(client):
    model = reference_model()
    qs = (0.001, 0.3, 0.5, 0.999)
    got = munflow.dask.run(model, 300_000, client=client, quantiles=qs, task_chunks=16)
    assert isinstance(got.seed, int) and 0 <= got.seed < 2**63
    assert_same_summary(got, model.run(300_000, got.seed, store="summary", quantiles=qs))
    assert got.quantiles == list(qs)


def test_a_bundled_scenario(client):
    scenario = mf.scenarios.load()
    assert not scenario.evidence
    local = scenario.to_model().run(200_000, 3, store="summary")
    got = munflow.dask.run(scenario, 200_000, 3, client=client, task_chunks=16)
    assert len(got.outputs) > 10
    assert_same_summary(got, local)


def test_model_and_scenario_run_with_a_client(client):
    # Model.run(client=) and Scenario.run(client=) come here.
    model = reference_model()
    got = model.run(100_000, 2, client=client)
    assert_same_summary(got, model.run(100_000, 2, store="summary"))
    columns = model.run(100_000, 2, client=client, store="columns")
    assert isinstance(columns, munflow.dask.DaskColumns)
    scenario = mf.scenarios.load()
    on_cluster = scenario.run(100_000, 3, client=client)
    here = scenario.run(100_000, 3, store="summary")
    assert type(on_cluster) is type(here)
    assert (on_cluster.summary().values == here.summary().values).all()
    assert on_cluster.compare().equals(here.compare())


def test_without_client_uses_the_current_one(cluster):
    model = reference_model()
    with distributed.Client(cluster):
        got = munflow.dask.run(model, 100_000, 1)
    assert_same_summary(got, model.run(100_000, 1, store="summary"))


@pytest.mark.parametrize("task_chunks", [5, 64])
def test_columns_equal_the_in_memory_run(client, task_chunks):
    model = reference_model()
    n = 300_001
    columns = munflow.dask.run(model, n, SEED, store="columns", task_chunks=task_chunks)
    assert list(columns) == list(model.outputs) and (columns.n, columns.seed) == (n, SEED)
    kept = model.run(n, SEED)
    first = columns["shells"]
    assert first.shape == (n,) and first.dtype == np.float64
    assert _core._chunks_for(n) == -(-n // munflow.dask.CHUNK)  # the core's chunk size
    assert first.numblocks == (-(-n // (munflow.dask.CHUNK * task_chunks)),)
    computed = dask.compute(*columns.values(), scheduler=client)
    for name, values in zip(columns, computed, strict=True):
        assert values.shape == (n,)
        assert np.array_equal(values, kept[name]), name
    # A slice computes only the blocks it needs, with the same values.
    middle = columns["working"][123_456:234_567].compute(scheduler=client)
    assert np.array_equal(middle, kept["working"][123_456:234_567])


def test_a_posterior_by_weighting_equals_the_local_one(client):
    rate = mf.beta(2, 8, name="fail_rate")
    missiles = mf.poisson(50, name="missiles")
    containers = mf.lognormal_ci(6000, 8000, name="containers")
    model = mf.Model(
        {"rate": rate, "containers": containers, "shells": containers * mf.pert(300, 430, 500)}
    ).observe(
        mf.evidence.measured(containers, 7000, rel_error=0.15, name="minister"),
        mf.evidence.count(25, n=missiles, p=rate, name="failures"),
    )
    got = munflow.dask.run(model, 300_000, SEED, client=client, method="weighting", task_chunks=9)
    local = model.run(300_000, SEED, store="summary", method="weighting")
    assert isinstance(got, mf.PosteriorSummaryResults)
    assert_same_summary(got, local)
    assert (got.ess, got.pareto_k, got.log_evidence) == (
        local.ess,
        local.pareto_k,
        local.log_evidence,
    )
    # Evidence weighting cannot carry is refused on the cluster as at home.
    sharp = mf.Model({"rate": rate}).observe(mf.evidence.count(2500, n=5000, p=rate))
    with pytest.raises(mf.EvidenceError, match="needs tempering"):
        munflow.dask.run(sharp, 100_000, SEED, client=client)


@pytest.mark.parametrize("sampling", ["mc", "sobol"])
def test_sobol_evaluated_on_the_cluster_gives_the_same_indices(client, sampling):
    model = reference_model()
    local = mf.sobol(model, "working", 20_000, SEED, sampling=sampling, num_resamples=20)
    got = mf.sobol(
        model, "working", 20_000, SEED, sampling=sampling, num_resamples=20, client=client
    )
    pd.testing.assert_frame_equal(got, local, check_exact=True)
    assert got.attrs == local.attrs


def test_the_cli_runs_on_a_scheduler(cluster, capsys):
    from munflow.cli import main

    args = ["demo", "-n", "200000", "--seed", "3", "--format", "json"]
    assert main([*args, "--summary-only"]) == 0
    local = capsys.readouterr().out
    assert main([*args, "--scheduler", cluster.scheduler_address]) == 0
    assert capsys.readouterr().out == local


def test_model_errors_reach_the_client(client):
    bad = mf.Model({"bad": mf.log(mf.normal(0, 1, name="x"))})
    with pytest.raises(mf.ModelError):
        munflow.dask.run(bad, 100_000, 1, client=client)


def test_clear_errors(client):
    model = reference_model()
    with pytest.raises(ValueError, match="needs a Dask client"):
        munflow.dask.run(model, 1000, 1)
    with pytest.raises(ValueError, match="store must be 'summary' or 'columns'"):
        munflow.dask.run(model, 1000, 1, client=client, store="samples")
    combined = mf.scenarios.load("dprk_russia_2023_2024_combined")
    with pytest.raises(ValueError, match="tempering needs every sample.*in memory"):
        munflow.dask.run(combined, 1000, 1, client=client, method="tempering")
    with pytest.raises(ValueError, match="tempering needs every sample.*in memory"):
        munflow.dask.run(combined.to_model(), 1000, 1, client=client, store="columns")
    with pytest.raises(ValueError, match="task_chunks must be an int >= 1"):
        munflow.dask.run(model, 1000, 1, client=client, task_chunks=0)
    with pytest.raises(ValueError, match="events= is for summary-only runs"):
        munflow.dask.run(model, 1000, 1, store="columns", events=events_of(model))
    with pytest.raises(TypeError, match="seed must be an int"):
        munflow.dask.run(model, 1000, 1.5, client=client)
    with pytest.raises(ValueError, match="n must be"):
        munflow.dask.run(model, 0, 1, client=client)
    with pytest.raises(TypeError, match="needs a munflow.Model"):
        munflow.dask.run(42, 1000, 1, client=client)


def test_import_error_without_distributed(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    monkeypatch.delitem(sys.modules, "munflow.dask")
    message = "munflow.dask needs dask and distributed: pip install 'munflow[dask]'"
    with pytest.raises(ImportError, match=re.escape(message)):
        importlib.import_module("munflow.dask")


#: The first chunk of the task that stalls (task_chunks = 8: the third task).
STALL_AT = 16
#: How long a stalled task waits to be killed before giving up (no hang).
STALL_LIMIT = 120


def stalling_pass(folder, outputs, n, seed, summary_pass, start, end, *, threads, allow_nan):
    """Evaluates a pass, logging each attempt (worker pid and address); the
    first attempt at chunk STALL_AT announces itself and stalls until killed."""
    folder = Path(folder)
    address = distributed.get_worker().address
    with open(folder / "attempts", "a") as log:
        log.write(f"{os.getpid()} {address} {start}\n")
    if start == STALL_AT and not (folder / "stalled").exists():
        (folder / "stalled.tmp").write_text(f"{os.getpid()} {address}")
        os.rename(folder / "stalled.tmp", folder / "stalled")
        deadline = time.monotonic() + STALL_LIMIT
        while time.monotonic() < deadline:
            time.sleep(0.05)
        raise RuntimeError("the stalled task was not killed")
    return _core._run_summary_pass(
        outputs, n, seed, summary_pass, start, end, threads=threads, allow_nan=allow_nan
    )


def test_a_killed_worker_changes_nothing(client, tmp_path, monkeypatch):
    model = reference_model()
    events = events_of(model)
    n = 500_000
    killed = []

    def kill_the_stalled_worker():
        deadline = time.monotonic() + 60
        while not (tmp_path / "stalled").exists():
            if time.monotonic() > deadline:
                return
            time.sleep(0.02)
        pid, address = (tmp_path / "stalled").read_text().split()
        killed.append((int(pid), address))
        os.kill(int(pid), signal.SIGKILL)

    killer = threading.Thread(target=kill_the_stalled_worker)
    monkeypatch.setattr(
        munflow.dask, "_evaluate_pass", functools.partial(stalling_pass, str(tmp_path))
    )
    killer.start()
    try:
        got = munflow.dask.run(model, n, SEED, client=client, events=events, task_chunks=8)
    finally:
        killer.join()
    assert len(killed) == 1, "no task stalled"
    attempts = [line.split() for line in (tmp_path / "attempts").read_text().splitlines()]
    at_stall = [(int(pid), address) for pid, address, start in attempts if int(start) == STALL_AT]
    # The moments pass: the killed attempt, then a retry in another process;
    # then the windows pass.
    assert at_stall[0] == killed[0]
    assert at_stall[1][0] != killed[0][0]
    assert len(at_stall) >= 3
    local = model.run(n, SEED, store="summary", events=events)
    assert_same_summary(got, local)
    assert got.events == local.events
    # The nanny restarts the killed worker.
    client.wait_for_workers(2, timeout=60)
