"""A column's summary comes from the core as a named, frozen ``_core.Summary``
(not an unnamed tuple), and every results type's table is built from it by
one function."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import munflow as mf
from munflow import _core
from munflow.results.base import summary_table


def test_a_summary_names_its_figures():
    s = _core._describe([np.array([1.0, 2.0, 3.0, 10.0])], [0.0, 1.0])[0]
    assert isinstance(s, _core.Summary)
    assert (s.mean, s.min, s.max, s.quantiles) == (4.0, 1.0, 10.0, [1.0, 10.0])
    assert s.sd == pytest.approx(np.std([1.0, 2.0, 3.0, 10.0], ddof=1))
    with pytest.raises(AttributeError):
        s.mean = 0.0  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(s)) == s


def test_a_summary_only_run_and_a_full_run_give_the_same_table():
    x = mf.normal(10, 2, name="x")
    qs = [0.05, 0.5, 0.95]
    full = mf.Model({"x": x}).run(2_000, seed=5).summary(qs)
    streamed = mf.Model({"x": x}).run(2_000, seed=5, store="summary", quantiles=qs).summary()
    assert list(full.columns) == list(streamed.columns) == ["mean", "sd", "p5", "p50", "p95"]
    assert full.index.name == streamed.index.name == "quantity"
    np.testing.assert_allclose(full.to_numpy(), streamed.to_numpy(), rtol=1e-12)


def test_the_table_reads_a_subset_of_the_levels_computed_and_puts_errors_beside():
    s = _core.Summary(1.0, 0.5, 0.0, 2.0, [0.2, 1.0, 1.8])
    table = summary_table({"x": s}, [0.95], levels=[0.05, 0.5, 0.95], seed=1, n=10)
    assert table.loc["x"].to_dict() == {"mean": 1.0, "sd": 0.5, "p95": 1.8}
    table = summary_table({"x": s}, [0.5], levels=[0.05, 0.5, 0.95], seed=1, n=10,
                          mcse={"x": (0.01, [0.02])})  # fmt: skip
    assert list(table.columns) == ["mean", "mean_se", "sd", "p50", "p50_se"]
    assert table.attrs == {"seed": 1, "n": 10}
