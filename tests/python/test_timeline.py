"""Timelines: hand-computed totals, flows against scipy, the variance of a
cumulative under each way of sharing uncertainty against its closed form,
dated evidence against a conjugate posterior, date-keyed streams,
determinism and located errors."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import munflow as mf
from munflow.timeline import Series


def test_cumulative_totals_and_stock_by_hand() -> None:
    tl = mf.Timeline("2023-08", "2023-11")
    assert tl.labels == ["2023-08", "2023-09", "2023-10", "2023-11"]
    assert list(tl.days) == [31, 30, 31, 30]
    voyages = tl.values([2, 0, 3, 1])
    delivered = voyages * tl.input("per_voyage", 100.0)
    stock = tl.stock(delivered, fired_per_day=5.0)
    model = tl.model({"delivered": delivered, "cumulative": delivered.cumulative(), "stock": stock})
    res = model.run(10, seed=1)
    np.testing.assert_array_equal(res.series("cumulative")[0], [200, 200, 500, 600])
    # 200 - 5 x 31 = 45; 45 + 0 - 150 floors at 0; 300 - 155 = 145; 145 + 100 - 150 = 95.
    np.testing.assert_array_equal(res.series("stock")[0], [45, 0, 145, 95])
    ran_out = res.run_out("stock")
    assert ran_out["2023-09"] == 1.0 and ran_out.sum() == pytest.approx(1.0)
    reached = res.reached("cumulative", 550)
    assert reached["2023-11"] == 1.0
    assert res.reached("cumulative", 601)[mf.results.timeline.NOT_BY_THE_END] == 1.0


def test_total_of_a_running_total_or_a_stock_is_refused() -> None:
    """Adding a running total's periods counts the same rounds again: three
    months of 1 gave 6, not 3 (a new user got 103M shells for ~8M)."""
    tl = mf.Timeline("2024-01", "2024-03")
    monthly = tl.values([1.0, 1.0, 1.0])
    res = tl.model({"total": monthly.total()}).run(10, seed=1)
    assert res.results["total"][0] == 3.0
    cumulative = monthly.cumulative()
    stock = tl.stock(monthly * 10, fired_per_day=0.1)
    for held in (cumulative, 2 * cumulative, cumulative - monthly, stock, stock.map(abs)):
        with pytest.raises(ValueError, match=r"running total.*\.at\('2024-03'\)"):
            held.total()
    at_end = tl.model({"end": cumulative.at("2024-03")}).run(10, seed=1)
    assert at_end.results["end"][0] == 3.0


@pytest.mark.parametrize("level", [math.nan, math.inf, -math.inf])
def test_a_level_that_is_not_a_finite_number_is_refused(level: float) -> None:
    tl = mf.Timeline("2024-01", "2024-03")
    res = tl.model({"cum": tl.values([1.0, 1.0, 1.0]).cumulative()}).run(10, seed=1)
    with pytest.raises(ValueError, match="level"):
        res.reached("cum", level)
    with pytest.raises(ValueError, match="level"):
        res.prob_by("cum", level, "2024-02")
    with pytest.raises(TypeError, match="level"):
        res.reached("cum", "100")


def test_weeks_and_days_have_their_own_labels() -> None:
    weeks = mf.Timeline("2024-03-06", "2024-03-20", period="week")
    assert weeks.labels == ["2024-03-04", "2024-03-11", "2024-03-18"]
    assert list(weeks.days) == [7, 7, 7]
    days = mf.Timeline("2024-02-28", "2024-03-01", period="day")
    assert days.labels == ["2024-02-28", "2024-02-29", "2024-03-01"]
    assert days.period_of("2024-02-29") == 1


def test_a_constant_rate_poisson_flow_is_poisson_over_the_whole_timeline() -> None:
    tl = mf.Timeline("2024-01", "2024-12")
    voyages = tl.draw("voyages", lambda rate: mf.poisson(rate), tl.values([3.0] * 12))
    res = tl.model({"total": voyages.total()}).run(100_000, seed=4)
    total = res.results["total"]
    truth = stats.poisson(36)
    for k in (25, 30, 36, 42, 48):
        p = np.mean(total <= k)
        assert (
            abs(p - truth.cdf(k)) < 4 * math.sqrt(truth.cdf(k) * truth.sf(k) / total.size) + 1e-3
        ), k
    assert total.mean() == pytest.approx(36, rel=0.01)
    assert total.var() == pytest.approx(36, rel=0.03)


def _sum_variance(
    sharing: str, law: mf.Distribution, periods: int, rho: float | None = None
) -> float:
    tl = mf.Timeline("2024-01", "2024-12")
    assert len(tl) == periods
    rate = tl.input("rate", law, sharing=sharing, rho=rho)
    res = tl.model({"total": rate.total()}).run(200_000, seed=7)
    return float(np.var(res.results["total"], ddof=1))


@pytest.mark.parametrize(
    ("sharing", "expected"),
    [("shared", 12**2 * 4.0), ("independent", 12 * 4.0)],
)
def test_shared_and_independent_variances_of_a_cumulative(sharing: str, expected: float) -> None:
    assert _sum_variance(sharing, mf.normal(10, 2), 12) == pytest.approx(expected, rel=0.02)


def test_a_persistent_gaussian_process_has_the_ar1_variance() -> None:
    rho, var, periods = 0.6, 4.0, 12
    expected = var * (periods + 2 * sum((periods - k) * rho**k for k in range(1, periods)))
    assert _sum_variance("persistent", mf.normal(10, 2), periods, rho) == pytest.approx(
        expected, rel=0.02
    )


def test_a_persistent_lognormal_rate_has_the_exact_lognormal_covariance() -> None:
    # log r_t = m + s z_t with z a stationary AR(1) of correlation rho:
    # cov(r_s, r_t) = E[r]^2 (exp(s^2 rho^|t-s|) - 1), E[r]^2 = exp(2m + s^2).
    rho, m, s, periods = 0.7, math.log(5.0), 0.3, 12
    lags = np.abs(np.subtract.outer(np.arange(periods), np.arange(periods)))
    expected = float(np.sum(math.exp(2 * m + s * s) * (np.exp(s * s * rho**lags) - 1)))
    law = mf.lognormal(m, s)
    assert _sum_variance("persistent", law, periods, rho) == pytest.approx(expected, rel=0.02)


def test_a_dated_statement_gives_the_conjugate_posterior_and_forecast() -> None:
    # A shared rate r ~ N(100, 20) per month; 4r observed as 480 with sd 40:
    # precision 1/400 + 16/1600, so r | data ~ N(116, 80); by month 6, 6r.
    tl = mf.Timeline("2024-01", "2024-06")
    rate = tl.input("rate", mf.normal(100, 20))
    cumulative = rate.cumulative()
    said = mf.evidence.measured(
        cumulative.at("2024-04"), 480, sd=40, error="normal", name="statement"
    )
    model = tl.model({"cumulative": cumulative}).observe(said)
    res = model.run(200_000, seed=3)
    table = res.period_summary("cumulative").set_index("period")
    assert table.loc["2024-06", "mean"] == pytest.approx(
        6 * 116, abs=4 * 6 * math.sqrt(80 / 50_000)
    )
    assert table.loc["2024-06", "sd"] == pytest.approx(6 * math.sqrt(80), rel=0.02)
    assert table.loc["2024-06", "p5"] == pytest.approx(
        6 * stats.norm(116, math.sqrt(80)).ppf(0.05), rel=0.01
    )


def test_period_streams_are_keyed_by_date_not_position() -> None:
    def march(start: str, end: str) -> np.ndarray:
        tl = mf.Timeline(start, end)
        rate = tl.input("rate", mf.gamma(2, 1), sharing="independent")
        res = tl.model({"rate": rate}).run(1000, seed=11)
        return res.series("rate")[:, tl.period_of("2024-03")]

    np.testing.assert_array_equal(march("2024-01", "2024-06"), march("2023-10", "2024-12"))


def test_same_numbers_whatever_the_threads() -> None:
    tl = mf.Timeline("2024-01", "2024-09")
    rate = tl.input("rate", mf.lognormal_ci(2, 8), sharing="persistent", rho=0.5)
    voyages = tl.draw("voyages", lambda r: mf.poisson(r), rate)
    model = tl.model({"cumulative": voyages.cumulative()})
    runs = [model.run(30_000, seed=2, threads=t).series("cumulative") for t in (1, 2, 7)]
    for other in runs[1:]:
        np.testing.assert_array_equal(runs[0], other)


def test_summary_only_per_period_summaries_equal_the_stored_ones() -> None:
    tl = mf.Timeline("2024-01", "2024-06")
    voyages = tl.draw(
        "voyages", lambda r: mf.poisson(r), tl.input("rate", mf.gamma(3, 1), sharing="independent")
    )
    model = tl.model({"cumulative": voyages.cumulative()})
    stored = model.run(50_000, seed=5).period_summary()
    streamed = model.run(50_000, seed=5, store="summary").period_summary()
    np.testing.assert_array_equal(
        stored[["mean", "sd", "p5", "p50", "p95"]], streamed[["mean", "sd", "p5", "p50", "p95"]]
    )


def test_to_xarray_has_dates_as_coordinates() -> None:
    tl = mf.Timeline("2024-01", "2024-03")
    model = tl.model({"rate": tl.input("rate", mf.uniform(0, 1), sharing="independent")})
    ds = model.run(100, seed=1).to_xarray()
    assert ds["rate"].dims == ("sample", "period")
    assert str(ds["period"].values[1])[:10] == "2024-02-01"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: mf.Timeline("2024-05", "2024-01"), "end 2024-01 is before start 2024-05"),
        (lambda: mf.Timeline("2024-01", "2024-05", period="fortnight"), "period must be one of"),
        (lambda: mf.Timeline("2024-13", "2024-05"), "start must be a date"),
        (
            lambda: mf.Timeline("2024-01", "2024-05").active(("2024-04", "2024-08")),
            "active range 2024-04..2024-08: end 2024-08 is outside the timeline 2024-01 .. 2024-05",
        ),
        (
            lambda: mf.Timeline("2024-01", "2024-05").values([1.0] * 5).at("2024-07"),
            "at 2024-07 is outside the timeline",
        ),
        (
            lambda: mf.Timeline("2024-01", "2024-05").input(
                "rate", mf.beta(2, 2), sharing="persistent", rho=0.5
            ),
            "AR(1) process on a normal input",
        ),
        (
            lambda: mf.Timeline("2024-01", "2024-05").input(
                "rate", mf.normal(1, 1), sharing="persistent", rho=1.0
            ),
            "rho",
        ),
        (
            lambda: mf.Timeline("2024-01", "2024-05").input(
                "rate", mf.normal(1, 1), sharing="monthly"
            ),
            "sharing must be one of",
        ),
    ],
)
def test_bad_timeline_input_is_a_located_error(make, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        make()


def test_a_fan_chart_draws_bands_median_and_the_statement() -> None:
    import matplotlib

    matplotlib.use("Agg")
    tl = mf.Timeline("2024-01", "2024-06")
    cumulative = tl.input("rate", mf.lognormal_ci(80, 120)).cumulative()
    said = mf.evidence.measured(cumulative.at("2024-03"), 330, rel_error=0.2, name="statement")
    res = tl.model({"cumulative": cumulative}).observe(said).run(20_000, seed=1)
    ax = res.plot_fan("cumulative")
    assert len(ax.collections) >= 2  # the two bands
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["90% range", "50% range", "median", "statement (90% error)"]
    assert [t.get_text() for t in ax.texts] == ["statement"]


def test_a_fan_chart_draws_a_held_total_at_the_periods_end_and_bounds_one_sided() -> None:
    """A total held at the end of March was drawn on March 1st, a month
    early; at_least statements were plain points; close labels overlapped."""
    import matplotlib
    import matplotlib.dates as mdates

    matplotlib.use("Agg")
    tl = mf.Timeline("2024-01", "2024-06")
    monthly = tl.input("rate", mf.lognormal_ci(80, 120))
    cumulative = monthly.cumulative()
    said = [
        mf.evidence.measured(cumulative.at("2024-03"), 330, rel_error=0.2, name="a measurement"),
        mf.evidence.at_least(cumulative.at("2024-03"), 250, name="at least 250 by March"),
        mf.evidence.at_most(cumulative.at("2024-02"), 260, name="at most 260 by February"),
        mf.evidence.at_least(cumulative.at("2024-02"), 150, name="at least 150 by February"),
    ]
    res = tl.model({"cumulative": cumulative, "monthly": monthly}).observe(*said)
    res = res.run(20_000, seed=1, method="tempering")
    ax = res.plot_fan("cumulative")
    ends = (
        mdates.date2num(np.datetime64("2024-01-31")),
        mdates.date2num(np.datetime64("2024-06-30")),
    )
    median = ax.get_lines()[0].get_xdata()
    assert (mdates.date2num(median[0]), mdates.date2num(median[-1])) == ends
    statements = {s["name"]: s for s in res._statements("cumulative", True)}
    assert statements["at least 250 by March"]["date"] == pd.Timestamp("2024-03-31")
    assert statements["at least 250 by March"]["side"] == "above"
    assert statements["at most 260 by February"]["side"] == "below"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"at least", "at most", "statement (90% error)"} <= set(labels)
    # One-sided: a caret up (lolims) for at_least, down for at_most.
    carets = {line.get_marker() for line in ax.get_lines()}
    assert {matplotlib.lines.CARETUPBASE, matplotlib.lines.CARETDOWNBASE} <= carets
    renderer = ax.figure.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in ax.texts]
    assert len(boxes) == 4
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    # A flow per period is still drawn at the period's first day.
    flow = res.plot_fan("monthly", evidence=False).get_lines()[0].get_xdata()
    assert mdates.date2num(flow[0]) == mdates.date2num(np.datetime64("2024-01-01"))


# -- timeline scenario files -----------------------------------------------

TIMELINE_FILE = """\
title = "two ports"
[timeline]
start = "2024-01"
end = "2024-06"

[munitions.shell]
share = 0.5
per_container = 400
dud_rate = 0.25

[channels.port]
active = [["2024-02", "2024-04"]]
voyages_per_period = 1000
containers_per_voyage = 10
"""


def test_a_timeline_file_gives_hand_computed_totals() -> None:
    from munflow.timeline import TimelineScenario

    sc = TimelineScenario(TIMELINE_FILE, "two_ports.toml")
    res = sc.run(20_000, seed=1, store_inputs=False)
    voyages = res.series("voyages")
    # Poisson(1000) voyages in the three active months only.
    assert (voyages[:, [0, 4, 5]] == 0).all()
    assert voyages[:, 1:4].mean() == pytest.approx(1000, rel=0.005)
    # Per voyage 10 containers, half of them 400 shells, a quarter duds.
    np.testing.assert_allclose(
        res.series("functioning.shell"), res.series("cumulative.voyages") * 10 * 0.5 * 400 * 0.75
    )


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            ('2024-04"]]', '2024-09"]]'),
            "two_ports.toml:12: channels.port.active[0]: active range 2024-02..2024-09: "
            "end 2024-09 is outside the timeline",
        ),
        (
            ("per_container = 400", "per_container = { weibull = [1, 2] }"),
            "two_ports.toml:8: munitions.shell.per_container: unknown distribution 'weibull'",
        ),
        (
            ('end = "2024-06"', 'end = "2023-06"'),
            "two_ports.toml:4: timeline.end: end 2023-06 is before start 2024-01",
        ),
        (
            ("voyages_per_period = 1000", "voyages_per_period = { beta = [2] }"),
            "two_ports.toml:13: channels.port.voyages_per_period: beta takes [alpha, beta], got 1",
        ),
    ],
)
def test_timeline_file_errors_name_the_line_and_field(edit: tuple[str, str], message: str) -> None:
    from munflow.timeline import TimelineScenario

    with pytest.raises(mf.ScenarioError, match=re.escape(message)):
        TimelineScenario(TIMELINE_FILE.replace(*edit), "two_ports.toml")


def test_a_statement_dated_outside_the_timeline_is_a_located_error() -> None:
    from munflow.timeline import TimelineScenario

    text = (
        TIMELINE_FILE
        + '\n[evidence.late]\nkind = "at_least"\nquantity = "cumulative.containers"\n'
        + 'date = "2025-01"\nvalue = 5\n'
    )
    with pytest.raises(
        mf.ScenarioError, match=r"two_ports.toml:19: evidence.late.date: 2025-01 is outside"
    ):
        TimelineScenario(text, "two_ports.toml")


def test_the_bundled_timeline_runs_from_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    from munflow import cli, scenarios

    path = str(scenarios.path("dprk_russia_timeline"))
    assert cli.main(["run", path, "-n", "2000", "--seed", "3", "--every", "6"]) == 0
    out = capsys.readouterr().out
    assert "cumulative.containers (median [5%, 95%])" in out
    assert "defence_minister" in out and "2025-06" in out
    assert cli.main(["run", path, "-n", "1000", "--seed", "3", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "quantity,period,date,mean,sd,p5,p50,p95"
    assert len(lines) == 1 + 23 * len(mf.TimelineScenario.from_file(path).model.series)


def long_chain(days: int) -> tuple[mf.Timeline, Series, Series]:
    """A daily timeline whose period t reads every period before it: an
    AR(1) rate, Poisson arrivals, their running total and a stock."""
    end = (dt.date(2020, 1, 1) + dt.timedelta(days=days - 1)).isoformat()
    tl = mf.Timeline("2020-01-01", end, period="day")
    rate = tl.input("arrivals_per_day", mf.lognormal_ci(2, 8), sharing="persistent", rho=0.8)
    arrivals = tl.draw("arrivals", lambda r: mf.poisson(r), rate)
    load = tl.input("load", mf.pert(80, 150, 300))
    fired = tl.input("fired_per_day", mf.lognormal_ci(100, 600), sharing="independent")
    delivered = arrivals * load
    return tl, delivered.cumulative(), tl.stock(delivered, fired)


# Computed with the code before planning became linear in the graph (one
# walk of the graph instead of one per output): the same draws, bit for bit.
CHAIN_TOTAL = [
    1284531.6184086667, 1623016.048458546, 1282952.1633274388, 1074575.3575125178,
    1490345.2130726052, 1913924.0122947772, 1675271.4770068715, 1189504.204677423,
    1122468.5662691696, 1294703.23407045,
]  # fmt: skip
CHAIN_STOCK_DAY_1000 = [
    336133.3114945893, 494038.41383814387, 394125.09115000593, 248082.00191852078,
    498695.47948752274, 658912.1312698004, 572736.3272576885, 316416.95672771265,
    280283.6987986167, 365191.9084348508,
]  # fmt: skip
CHAIN_300_SHA256 = "98519cf31716289e134fa70d1ebb19def582b0d0b8d433066717cfba7da7eae3"


def test_a_long_daily_chain_plans_in_linear_time_with_the_same_draws():
    # 2,000 days, every period an output (6,000 columns of a graph where
    # period t reads periods 1..t): planning once searched every output's
    # ancestors per output, minutes at n = 10.
    tl, cumulative, stock = long_chain(2000)
    res = tl.model({"cumulative": cumulative, "stock": stock}).run(10, seed=7, threads=2)
    assert res.series("cumulative")[:, -1].tolist() == CHAIN_TOTAL
    assert res.series("stock")[:, 999].tolist() == CHAIN_STOCK_DAY_1000
    # Every column of a shorter chain, against a digest of the old run.
    tl, cumulative, stock = long_chain(300)
    model = tl.model({"cumulative": cumulative, "stock": stock})
    columns = [
        np.column_stack([r.series("cumulative"), r.series("stock")])
        for r in (model.run(10, seed=7, threads=t) for t in (1, 2))
    ]
    np.testing.assert_array_equal(columns[0], columns[1])
    assert (
        hashlib.sha256(np.ascontiguousarray(columns[0]).tobytes()).hexdigest() == CHAIN_300_SHA256
    )


def test_a_timeline_too_long_or_at_the_calendars_end_says_so_without_overflow():
    with pytest.raises(ValueError, match="416168 weeks; a timeline has at most 3660 periods"):
        mf.Timeline("2024-01", "9999-12-31", "week")
    assert mf._core.MAX_PERIODS == 3660
    last_year = mf.Timeline("9999-01", "9999-12-31", "week")
    assert len(last_year) == 53 and last_year.labels[-1] == "9999-12-27"
    assert len(mf.Timeline("2020-01-01", "2030-01-07", "day")) == 3660
