"""Everyday use (issue 9): readable tables, percentiles of published figures,
progress bars only where they can be drawn, helpful messages."""

from __future__ import annotations

import contextlib
import io
import sys
import warnings

import numpy as np
import pytest
from scipy import stats

import munflow as mf
from munflow import progress
from munflow.formatting import readable


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (3_010_000.4, "3,010,000"),
        (999.99, "1,000"),
        (430.0, "430"),
        (17.54, "17.5"),
        (0.2034, "0.203"),
        (-0.0000152, "-0.0000152"),
        (1e-13, "0"),
        (float("nan"), "nan"),
        (float("inf"), "inf"),
    ],
)
def test_numbers_read_as_analysts_write_them(value, text):
    assert readable(value) == text


def test_summaries_display_readable_figures_but_keep_floats():
    x = mf.lognormal_ci(2.5e6, 3.5e6, name="shells")
    rate = mf.beta(2, 8, name="dud_rate")
    res = mf.run({"shells": x, "dud_rate": rate}, n=10_000, seed=1)
    table = res.summary()
    assert table["mean"].dtype == np.float64
    assert table.attrs == {"seed": 1, "n": 10_000}
    text, html = repr(table), table._repr_html_()
    for shown in (text, html):
        assert "e+06" not in shown and "e-0" not in shown
        assert readable(table.loc["shells", "p50"]) in shown
        assert readable(table.loc["dud_rate", "mean"]) in shown
    assert "," in readable(table.loc["shells", "p50"])
    assert res.to_pandas().attrs == {"seed": 1, "n": 10_000}


def test_percentile_of_a_published_figure():
    res = mf.run({"x": mf.poisson(20)}, n=20_000, seed=2)
    for figure in (3, 20, 20.5, 45):
        assert res.percentile_of("x", figure) == pytest.approx(
            stats.percentileofscore(res["x"], figure, kind="mean")
        )
    both = res.percentile_of("x", [10, 30])
    assert both.shape == (2,) and both[0] < both[1]
    with pytest.raises(KeyError, match="no column"):
        res.percentile_of("y", 3)


def test_python_max_on_expressions_points_to_maximum():
    a, b = mf.normal(0, 1), mf.normal(1, 1)
    with pytest.raises(TypeError, match="mf.maximum"):
        max(a, b)
    with pytest.raises(TypeError, match="mf.where"):
        if a > b:
            pass


def test_no_progress_bar_into_a_file_or_pipe(monkeypatch):
    monkeypatch.setattr(progress, "in_jupyter", lambda: False)
    monkeypatch.setattr(progress, "_stderr_is_terminal", lambda: False)
    assert progress.progress_callback(None) is None
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        update = progress.progress_callback(True)
        assert update is not None
        for done in range(0, 41):
            update(done, 40)
    lines = err.getvalue().splitlines()
    assert lines == [
        "munflow: 25% (10/40 chunks)",
        "munflow: 50% (20/40 chunks)",
        "munflow: 75% (30/40 chunks)",
        "munflow: 100% (40/40 chunks)",
    ]
    assert "\r" not in err.getvalue()


def test_a_terminal_gets_a_text_bar(monkeypatch):
    from tqdm import std

    monkeypatch.setattr(progress, "in_jupyter", lambda: False)
    monkeypatch.setattr(progress, "_stderr_is_terminal", lambda: True)
    assert progress._bar_class() is std.tqdm


def test_jupyter_without_ipywidgets_falls_back_to_text_without_a_warning(monkeypatch):
    from tqdm import std

    monkeypatch.setattr(progress, "in_jupyter", lambda: True)
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # import fails
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert progress._bar_class() is std.tqdm
        update = progress.progress_callback(True)
        with contextlib.redirect_stderr(io.StringIO()):
            update(1, 2)
            update(2, 2)


def test_days_of_fire_count_delivered_and_functioning_rounds():
    d = {
        "munitions": {
            "shell_152": {
                "category": "shell",
                "per_container": 430,
                "dud_rate": 0.2,
                "daily_consumption": 10_000,
            }
        },
        "mix": {"fixed": {"shell_152": 1, "other": 0}},
        "channels": {"reported": {"minister": {"containers": 7000}}},
    }
    res = mf.Scenario.from_dict(d).run(n=2000, seed=3)
    assert (res["shell_152.days_of_fire_delivered"] == 301.0).all()
    functioning = res["shell_152.days_of_fire_functioning"]
    assert (functioning == res["shell_152.functioning"] / 10_000).all()
    assert abs(functioning.mean() - 240.8) < 0.1


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (lambda: mf.beta(2, 8), lambda: stats.beta(2, 8)),
        (lambda: mf.gamma(3, 2), lambda: stats.gamma(3, scale=2)),
        (lambda: mf.poisson(20), lambda: stats.poisson(20)),
        (lambda: mf.normal(5, 2), lambda: stats.norm(5, 2)),
    ],
)
def test_scipy_names_for_distributions(ours, theirs):
    d, ref = ours(), theirs()
    x = np.array([0.01, 0.2, 1.0, 3.0, 7.0, 25.0])
    np.testing.assert_allclose(d.sf(x), ref.sf(x), rtol=1e-9, atol=1e-300)
    q = np.array([1e-12, 0.01, 0.5, 0.9])
    np.testing.assert_allclose(d.isf(q), ref.isf(q), rtol=1e-8)
    assert d.median() == pytest.approx(ref.median(), rel=1e-9)
    lo, hi = d.interval(0.9)
    assert (lo, hi) == pytest.approx(ref.interval(0.9), rel=1e-9)
    draws = d.rvs(size=(20, 5), random_state=3)
    assert draws.shape == (20, 5)
    np.testing.assert_array_equal(draws.ravel(), d.sample(100, seed=3))
    assert isinstance(d.rvs(random_state=1), float)
    with pytest.raises(ValueError, match="confidence must be in"):
        d.interval(1.5)
    with pytest.raises(ValueError, match="q must be"):
        d.isf(-0.1)
