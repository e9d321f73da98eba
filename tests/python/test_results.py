"""Results: columns without copies, summaries, probabilities, display."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import munflow as mf


@pytest.fixture(scope="module")
def res() -> mf.Results:
    containers = mf.lognormal_ci(6000, 8000, name="containers")
    per_container = mf.pert(300, 430, 500, name="per_container")
    shells = containers * per_container
    return mf.run({"shells": shells, "doubled": 2 * shells}, n=200_001, seed=11)


def test_columns_are_read_only_numpy_views_without_copies(res: mf.Results) -> None:
    shells = res["shells"]
    assert shells.dtype == np.float64 and shells.shape == (res.n,)
    assert not shells.flags.owndata  # the buffer belongs to the Rust vector
    assert not shells.flags.writeable
    assert res["shells"] is shells
    with pytest.raises(ValueError):
        shells[0] = 1.0


def test_unknown_columns_say_which_exist(res: mf.Results) -> None:
    with pytest.raises(KeyError, match="columns are: shells, doubled, containers, per_container"):
        res["missiles"]


def test_summary_matches_numpy(res: mf.Results) -> None:
    table = res.summary()
    assert list(table.index) == ["shells", "doubled"]
    assert list(table.columns) == ["mean", "sd", "p5", "p25", "p50", "p75", "p95"]
    x = res["shells"]
    expected = np.quantile(x, [0.05, 0.25, 0.5, 0.75, 0.95])
    np.testing.assert_allclose(table.loc["shells", ["p5", "p25", "p50", "p75", "p95"]], expected)
    assert table.loc["shells", "mean"] == pytest.approx(x.mean(), rel=1e-12)
    assert table.loc["shells", "sd"] == pytest.approx(x.std(ddof=1), rel=1e-10)


def test_summary_quantiles_are_selectable(res: mf.Results) -> None:
    table = res.summary(quantiles=[0.025, 0.5, 0.975], include_inputs=True)
    assert list(table.columns) == ["mean", "sd", "p2.5", "p50", "p97.5"]
    assert list(table.index) == ["shells", "doubled", "containers", "per_container"]
    with pytest.raises(ValueError, match="quantiles must be in"):
        res.summary(quantiles=[1.5])


def test_the_seed_interval_is_about_right(res: mf.Results) -> None:
    containers = res.summary(columns=["containers"], quantiles=[0.05, 0.95])
    assert containers.loc["containers", "p5"] == pytest.approx(6000, rel=0.01)
    assert containers.loc["containers", "p95"] == pytest.approx(8000, rel=0.01)


def test_prob_of_an_expression_uses_the_same_samples(res: mf.Results) -> None:
    shells = res.model.outputs["shells"]
    by_expr = res.prob(shells > 3e6)
    by_array = res.prob(res["shells"] > 3e6)
    assert by_expr == by_array
    assert 0.1 < by_expr < 0.9


def test_prob_rejects_non_events(res: mf.Results) -> None:
    with pytest.raises(ValueError, match="true/false"):
        res.prob(res.model.outputs["shells"])
    with pytest.raises(ValueError, match="shape"):
        res.prob(np.ones(3, dtype=bool))
    with pytest.raises(TypeError):
        res.prob("shells > 3e6")


def test_to_pandas_has_every_stored_column(res: mf.Results) -> None:
    frame = res.to_pandas()
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ["shells", "doubled", "containers", "per_container"]
    assert len(frame) == res.n
    assert list(res.to_pandas(include_inputs=False).columns) == ["shells", "doubled"]


def test_reprs_name_n_and_seed(res: mf.Results) -> None:
    text = repr(res)
    assert "n=200,001" in text and "seed=11" in text and "shells" in text
    html = res._repr_html_()
    assert "<table" in html and "seed=11" in html


def test_a_model_runs_repeatedly() -> None:
    model = mf.Model(x=mf.normal(0, 1, name="z") * 2)
    a, b = model.run(n=1000, seed=1), model.run(n=1000, seed=2)
    assert not np.array_equal(a["x"], b["x"])
    assert np.array_equal(a["x"], 2 * a["z"])
    assert "x" in repr(model)
