"""mf.backtest: scores of later statements against forecasts made at
cut-offs, checked on statement series drawn from the model's own prior
(where a calibrated back-test must give uniform PIT values)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import munflow as mf

SERIES = "cumulative.containers"


def _model():
    tl = mf.Timeline("2024-01", "2024-06")
    rate = tl.input("rate", mf.lognormal_ci(300, 1200), sharing="walk", step_sd=0.3)
    return tl.model({SERIES: (rate * 1.0).cumulative()})


def _said(figures, sd=0.1):
    return [
        mf.Statement(SERIES, date, figure, sd=sd, name=f"said {date}")
        for date, figure in figures.items()
    ]


STATEMENTS = _said({"2024-02": 1500, "2024-04": 3500, "2024-06": 6000})


def test_a_backtest_scores_every_later_statement_at_every_cutoff():
    bt = mf.backtest(_model, STATEMENTS, cutoffs=["2024-02", "2024-04"], n=2_000, seed=1)
    table = bt.table
    assert list(table["cutoff"]) == ["2024-02", "2024-02", "2024-04"]
    assert list(table["statement"]) == ["said 2024-04", "said 2024-06", "said 2024-06"]
    assert table["pit"].between(0, 1).all()
    assert (table["p5"] < table["median"]).all() and (table["median"] < table["p95"]).all()
    assert (table["crps"] > 0).all()
    in_90 = (table["figure"] >= table["p5"]) & (table["figure"] <= table["p95"])
    assert list(in_90) == list(table["in_90"])
    assert bt.summary().loc["2024-02", "scored"] == 2


def test_a_backtest_is_the_same_for_a_seed_whatever_the_threads():
    one = mf.backtest(_model, STATEMENTS, cutoffs=["2024-03"], n=1_000, seed=7, threads=1)
    two = mf.backtest(_model(), STATEMENTS, cutoffs=["2024-03"], n=1_000, seed=7, threads=2)
    assert one.table.equals(two.table)


def test_a_bound_later_statement_is_scored_by_the_probability_it_holds():
    bound = mf.Statement(SERIES, "2024-05", 100, kind="at_least", name="more than 100")
    bt = mf.backtest(_model, [*STATEMENTS[:1], bound], cutoffs=["2024-02"], n=1_000, seed=1)
    row = bt.table.iloc[0]
    assert row["p_holds"] > 0.99 and math.isnan(row["pit"])


@pytest.mark.parametrize(
    ("cutoffs", "message"),
    [
        (["2024-01"], "cutoffs: 2024-01 is before any statement"),
        (["2024-06"], "cutoffs: no statement was made after 2024-06"),
        (["June"], "cutoffs must be a date"),
        ([], "cutoffs: give at least one"),
    ],
)
def test_bad_cutoffs_are_refused_naming_them(cutoffs, message):
    with pytest.raises(ValueError, match=message):
        mf.backtest(_model, STATEMENTS, cutoffs=cutoffs, n=200, seed=1)


def test_bad_statements_and_builders_are_refused():
    with pytest.raises(TypeError, match="mf.Statement"):
        mf.backtest(_model, [("2024-02", 1500)], cutoffs=["2024-02"], n=200)
    with pytest.raises(ValueError, match="series 'containers' is not a series"):
        mf.backtest(
            _model,
            [mf.Statement("containers", d, 1, sd=0.1) for d in ("2024-02", "2024-04")],
            cutoffs=["2024-02"],
        )
    with pytest.raises(TypeError, match="must return a timeline model"):
        mf.backtest(lambda: 3, STATEMENTS, cutoffs=["2024-02"], n=200)


def test_the_calibration_plot_reads(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    bt = mf.backtest(_model, STATEMENTS, cutoffs=["2024-02", "2024-04"], n=1_000, seed=1)
    ax = bt.plot()
    assert "inside their 90% interval" in ax.get_title()
    ax.figure.savefig(tmp_path / "pit.png")


def _drawn_from_the_prior(replicate: int) -> list[mf.Statement]:
    """Statements whose figures come from one path of the prior, reported
    with the statements' own error."""
    model = _model()
    dates = ["2024-02", "2024-04", "2024-06"]
    truth = model.run(1, seed=10_000 + replicate).series(SERIES)[0]
    labels = model.timeline.labels
    noise = np.random.default_rng(replicate).normal(0.0, 0.1, len(dates))
    figures = {d: truth[labels.index(d)] * math.exp(z) for d, z in zip(dates, noise, strict=True)}
    return _said(figures)


def test_on_series_drawn_from_the_prior_pit_is_uniform_and_90_percent_intervals_cover_90():
    # The model is right by construction: its forecasts must be calibrated.
    first_pit, in_90 = [], []
    for r in range(100):
        bt = mf.backtest(_model, _drawn_from_the_prior(r), cutoffs=["2024-02"], n=500, seed=r)
        first_pit.append(bt.table["pit"].iloc[0])
        in_90.extend(bt.table["in_90"])
    assert stats.kstest(first_pit, "uniform").pvalue > 0.01
    share = np.mean(in_90)
    # Two scored statements a replicate, correlated: a generous MC band.
    assert abs(share - 0.9) < 3.5 * math.sqrt(0.9 * 0.1 / 100)
