"""Statements about a window of periods (``since``): a production lot's
serials, or "2,000 containers from October to March". The window's figure
is what the running total added from the start of ``since`` to where the
statement counts to, the same in files and in Python.

The flows are Poisson with fixed rates, so what arrived in a window is
Poisson (rate x periods) a priori, independent of the periods outside it,
and each posterior is a one-dimensional sum.
"""

from __future__ import annotations

import numpy as np
import pytest
from poisson_timeline import BASE
from scipy import stats
from scipy.special import gammaln

import munflow as mf
from munflow.timeline.statements import counted_to

SEEN = [3, 17, 35, 41, 44, 52]


def _lot(extra: str = "") -> str:
    return f"""
[evidence.lot_2024]
kind = "serial_numbers"
total = "cumulative.ballistic_missile"
date = "2024-03"
since = "2024-02"
seen = {SEEN}
{extra}"""


def test_a_window_of_a_running_total_or_a_flow_is_its_growth():
    tl = mf.Timeline("2024-01", "2024-04")
    made = tl.values([10.0, 20.0, 30.0, 40.0])
    cases = {
        "lot": counted_to(made.cumulative(), "2024-03", since="2024-02"),
        "flow": counted_to(made, "2024-03", since="2024-02"),
        "from the start": counted_to(made.cumulative(), "2024-03", since="2024-01"),
        "one period": counted_to(made.cumulative(), "2024-03", since="2024-03"),
        "lagged": counted_to(made.cumulative(), "2024-04", about="2024-03", since="2024-02"),
        "to a day": counted_to(made.cumulative(), "2024-03", as_of="2024-03-16", since="2024-02"),
    }
    res = mf.run(cases, n=1, seed=1)
    got = {name: float(res[name][0]) for name in cases}
    assert got == {
        "lot": 50.0,
        "flow": 50.0,
        "from the start": 60.0,
        "one period": 30.0,
        "lagged": 50.0,
        "to a day": 20.0 + 30.0 * 16 / 31,
    }


def test_a_window_is_refused_on_a_stock_and_when_it_ends_before_it_starts():
    tl = mf.Timeline("2024-01", "2024-04")
    made = tl.values([10.0, 20.0, 30.0, 40.0])
    stock = tl.stock(made, 5.0)
    with pytest.raises(ValueError, match="since counts what arrived in a window"):
        counted_to(stock, "2024-03", since="2024-02")
    with pytest.raises(ValueError, match="since 2024-04 is after 2024-03"):
        counted_to(made.cumulative(), "2024-03", since="2024-04")


def test_serials_of_a_lot_observe_the_lot_and_leave_the_periods_before_it():
    sc = mf.Scenario.from_toml(BASE + _lot(), origin="t.toml")
    res = sc.run(40_000, seed=3, progress=False)
    cum = res.series("cumulative.ballistic_missile")
    labels = res.timeline.labels
    lot = cum[:, labels.index("2024-03")] - cum[:, labels.index("2024-01")]
    k, largest = len(SEEN), max(SEEN)
    # The German tank posterior of a Poisson(40) lot: prior x 1 / C(n, k), n >= largest.
    n = np.arange(largest, 400)
    log_post = stats.poisson.logpmf(n, 40) - (gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1))
    post = np.exp(log_post - log_post.max())
    assert lot.min() >= largest
    assert lot.mean() == pytest.approx(float(n @ post / post.sum()), rel=0.01)
    # January is outside the lot: its deliveries keep their Poisson(20) prior.
    assert cum[:, 0].mean() == pytest.approx(20.0, rel=0.02)
    (description,) = res.check_evidence()["description"]
    assert "cumulative.ballistic_missile[2024-02..2024-03]" in description


def test_a_file_window_is_the_python_statement_s_window():
    text = (
        BASE
        + """
[evidence.said]
kind = "measured"
quantity = "cumulative.containers"
date = "2024-04"
about = "2024-03"
since = "2024-02"
value = 3200
rel_error = 0.1
"""
    )
    from_file = mf.Scenario.from_toml(text, origin="t.toml")
    plain = mf.Scenario.from_toml(BASE, origin="t.toml")
    said = mf.Statement(
        "cumulative.containers", "2024-04", 3200, rel_error=0.1, about="2024-03", since="2024-02"
    )
    model = plain.model.observe(said.observation(plain.model))
    a = from_file.run(5_000, seed=8, progress=False)
    b = model.run(5_000, seed=8, progress=False)
    np.testing.assert_array_equal(
        a.series("cumulative.containers"), b.series("cumulative.containers")
    )


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ('since = "2024-04"', "since", "2024-04 is after 2024-03"),
        ('since = "2023-11"', "since", "outside the timeline"),
    ],
)
def test_bad_windows_in_files_are_located(extra, field, message):
    text = BASE + _lot().replace('since = "2024-02"\n', "") + extra + "\n"
    with pytest.raises(mf.ScenarioError, match=message) as err:
        mf.Scenario.from_toml(text, origin="t.toml")
    assert err.value.path == f"evidence.lot_2024.{field}"
    assert err.value.line == text.splitlines().index(extra) + 1


def test_a_window_needs_a_date_and_a_timeline():
    undated = BASE + _lot().replace('date = "2024-03"\n', "")
    with pytest.raises(mf.ScenarioError, match="date"):
        mf.Scenario.from_toml(undated, origin="t.toml")
    text = mf.scenarios.path("dprk_russia_2023_2024_combined").read_text(encoding="utf-8")
    at = text.index("\n", text.index("[evidence.")) + 1
    ordinary = text[:at] + 'since = "2024-02"\n' + text[at:]
    with pytest.raises(mf.ScenarioError, match=r"\.since: since places a statement in a timeline"):
        mf.Scenario.from_toml(ordinary, origin="o.toml").validate()
