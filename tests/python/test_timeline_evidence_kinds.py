"""Every kind of observation of the ``[evidence]`` tables in a timeline file:
each dated statement runs and gives the posterior worked out independently
(a sum over the prior's pmf at one period), its bad fields are located, and
the same statements built in Python on ``mf.Timeline`` series check and draw.

The flows are Poisson with fixed rates, so a running total at a date is
Poisson (rate x periods) a priori and each posterior is a one-dimensional sum.
"""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest
from poisson_timeline import BASE
from scipy import stats
from scipy.special import gammaln

import munflow as mf

matplotlib.use("Agg")

N = 40_000


def run(statements: str, n: int = N, seed: int = 1) -> mf.TimelineResults:
    sc = mf.Scenario.from_toml(BASE + statements, origin="t.toml")
    return sc.run(n, seed=seed, progress=False)


def at(res: mf.TimelineResults, series: str, label: str) -> np.ndarray:
    return res.series(series)[:, res.timeline.labels.index(label)]


def posterior_mean(prior_rate: float, log_lik) -> float:
    """The posterior mean of a Poisson(prior_rate) count under `log_lik`."""
    totals = np.arange(0, int(prior_rate * 4) + 200)
    log_post = stats.poisson.logpmf(totals, prior_rate) + log_lik(totals)
    post = np.exp(log_post - np.max(log_post))
    return float(np.dot(totals, post) / post.sum())


def test_serial_numbers_on_a_running_total_at_a_date():
    seen = [3, 17, 35, 41, 44]
    res = run(
        f"""
[evidence.debris]
kind = "serial_numbers"
total = "cumulative.ballistic_missile"
date = "2024-02"
seen = {seen}
"""
    )
    k, largest = len(seen), max(seen)

    def log_lik(n):  # 1 / C(n, k) for n >= the largest serial
        ok = n >= largest
        return np.where(
            ok, -(gammaln(n + 1) - gammaln(k + 1) - gammaln(np.maximum(n - k, 0) + 1)), -np.inf
        )

    got = at(res, "cumulative.ballistic_missile", "2024-02")
    assert got.min() >= largest
    assert got.mean() == pytest.approx(posterior_mean(40, log_lik), rel=0.01)


def test_serials_by_lot_read_each_periods_deliveries():
    """A lot per period: each table reads `<m>.delivered` at its own date."""
    lots = {"2024-01": [2, 9, 18], "2024-03": [5, 26]}
    tables = "".join(
        f"""
[evidence.lot_{label.replace("-", "_")}]
kind = "serial_numbers"
total = "ballistic_missile.delivered"
date = "{label}"
seen = {serials}
"""
        for label, serials in lots.items()
    )
    res = run(tables)
    for label, serials in lots.items():
        k, largest = len(serials), max(serials)

        def log_lik(n, k=k, largest=largest):
            comb = gammaln(n + 1) - gammaln(k + 1) - gammaln(np.maximum(n - k, 0) + 1)
            return np.where(n >= largest, -comb, -np.inf)

        got = at(res, "ballistic_missile.delivered", label)
        assert got.mean() == pytest.approx(posterior_mean(20, log_lik), rel=0.01), label
    # The period no lot speaks of keeps its prior.
    assert at(res, "ballistic_missile.delivered", "2024-02").mean() == pytest.approx(20, rel=0.03)


def test_image_count_is_a_thinned_poisson_without_false_positives():
    """k of Poisson(mu) units each seen with p: the unseen are Poisson(mu (1 - p))."""
    res = run(
        """
[evidence.quay]
kind = "image_count"
k = 20
n = "cumulative.voyages"
p = 0.6
false_positives = 0
p_double = 0
date = "2024-02"
"""
    )
    got = at(res, "cumulative.voyages", "2024-02")
    assert got.mean() == pytest.approx(20 + 30 * 0.4, rel=0.01)


def test_image_count_with_false_positives_and_double_counts():
    res = run(
        """
[evidence.quay]
kind = "image_count"
k = 20
n = "cumulative.voyages"
p = 0.6
false_positives = 2
p_double = 0.1
date = "2024-02"
"""
    )

    def log_lik(n):
        # P(k) summed over units counted twice (b) and false positives (f).
        p, d, lam, k = 0.6, 0.1, 2.0, 20
        q = p * (1 - d) / (1 - p * d)
        out = []
        for units in n:
            total = 0.0
            for b in range(0, k // 2 + 1):
                for f in range(0, k - 2 * b + 1):
                    once = k - 2 * b - f
                    total += (
                        stats.binom.pmf(b, units, p * d)
                        * stats.binom.pmf(once, units - b, q)
                        * stats.poisson.pmf(f, lam)
                    )
            out.append(np.log(total) if total > 0 else -np.inf)
        return np.array(out)

    got = at(res, "cumulative.voyages", "2024-02")
    assert got.mean() == pytest.approx(posterior_mean(30, log_lik), rel=0.01)


def test_sightings_of_voyages_by_a_date():
    """Two independent lists, capture probabilities flat: the likelihood of
    N is N!/(N - M)! B(n_A + 1, N - n_A + 1) B(n_B + 1, N - n_B + 1)."""
    res = run(
        """
[evidence.seen]
kind = "sightings"
total = "cumulative.voyages"
date = "2024-03"
unit = "voyages"
lists = ["AIS", "imagery"]
counts = { AIS = 14, imagery = 9, "AIS+imagery" = 11 }
"""
    )
    seen, n_ais, n_img = 34, 25, 20

    def log_lik(n):
        nn = np.maximum(n, seen)
        lik = (
            gammaln(nn + 1)
            - gammaln(nn - seen + 1)
            + gammaln(n_ais + 1)
            + gammaln(nn - n_ais + 1)
            - gammaln(nn + 2)
            + gammaln(n_img + 1)
            + gammaln(nn - n_img + 1)
            - gammaln(nn + 2)
        )
        return np.where(n >= seen, lik, -np.inf)

    got = at(res, "cumulative.voyages", "2024-03")
    assert got.min() >= seen
    assert got.mean() == pytest.approx(posterior_mean(45, log_lik), rel=0.01)


def test_a_paired_statement_with_a_fixed_conversion_says_what_its_count_says():
    """With per_unit a number the conversion weighs every sample alike, so
    the posterior is the measured statement's, draw for draw."""
    said = """
[evidence.minister]
kind = "{kind}"
quantity = "cumulative.containers"
date = "2024-03"
about = "2024-02"
value = 2500
rel_error = 0.15
{more}
"""
    paired = run(
        said.format(
            kind="paired", more="converted = 1000000\nper_unit = 430\nconversion_rel_error = 0.3"
        )
    )
    measured = run(said.format(kind="measured", more=""))
    got = at(paired, "cumulative.containers", "2024-02")
    assert np.array_equal(got, at(measured, "cumulative.containers", "2024-02"))
    assert got.mean() < 3000 * 0.97  # it moved from the prior's 3,000 towards 2,500


def test_a_paired_statement_reads_an_input_as_its_per_unit():
    text = """
[evidence.minister]
kind = "paired"
quantity = "cumulative.containers"
date = "2024-03"
value = 4000
rel_error = 0.15
converted = 1000000
per_unit = "rajin.containers_per_voyage"
converted_2 = 300000
per_unit_2 = 75
conversion_sd = 0.2
"""
    res = run(text, n=2000)
    [obs] = res.model.evidence
    assert obs.kind == "paired" and len(obs.nodes) == 3
    assert "cumulative.containers[2024-03]" in obs.description


@pytest.mark.parametrize(
    ("table", "field", "says"),
    [
        (
            'kind = "sightings"\ntotal = "cumulative.containers"\nlists = ["A", "B"]\n'
            'counts = { A = 3, B = 2, "A+B" = 1 }',
            "evidence.bad.total",
            "whole number",
        ),
        (
            'kind = "sightings"\ntotal = "cumulative.voyages"\nlists = ["A", "B"]\n'
            "counts = { A = 3, C = 2 }",
            "evidence.bad.counts",
            "C",
        ),
        (
            'kind = "image_count"\nk = 3\nn = "cumulative.voyages"\np = 1.5\n'
            "false_positives = 0\np_double = 0",
            "evidence.bad.p",
            "1.5",
        ),
        (
            'kind = "serial_numbers"\ntotal = "cumulative.voyages"\nseen = [4, 4]',
            "evidence.bad.seen",
            "4",
        ),
        (
            'kind = "paired"\nquantity = "cumulative.voyage"\nvalue = 3\nrel_error = 0.1\n'
            "converted = 9\nper_unit = 3\nconversion_sd = 0.1",
            "evidence.bad.quantity",
            "cumulative.voyages",
        ),
    ],
)
def test_bad_statements_of_the_new_kinds_are_located(table: str, field: str, says: str):
    text = BASE + f'\n[evidence.bad]\ndate = "2024-02"\n{table}\n'
    with pytest.raises(mf.ScenarioError) as err:
        mf.Scenario.from_toml(text, origin="t.toml")
    message = str(err.value)
    assert message.startswith("t.toml:"), message
    assert field in message and says in message, message


def python_timeline() -> tuple[mf.TimelineModel, dict[str, mf.evidence.Observation]]:
    """A timeline built in Python with one dated statement of every kind."""
    tl = mf.Timeline("2024-01", "2024-04")
    rate = tl.input("voyages_per_month", mf.lognormal_ci(10, 20))
    voyages = tl.draw("voyages", lambda r: mf.poisson(r), rate)
    per_voyage = tl.input("containers_per_voyage", mf.pert(80, 150, 300))
    containers = mf.Series(tl, (voyages * per_voyage).items, "containers")
    missiles = tl.draw("missiles", lambda r: mf.poisson(r), tl.input("missiles_per_month", 20.0))
    voyages_by, containers_by = voyages.cumulative(), containers.cumulative()
    missiles_by = missiles.cumulative()
    ev = mf.evidence
    lots = ev.serial_lots(
        {"2024-01": [2, 9, 18], "2024-03": [5, 16]},
        totals={"2024-01": missiles.at("2024-01"), "2024-03": missiles.at("2024-03")},
    )
    said = {
        "count": ev.count(3, n=missiles_by.at("2024-02"), p=0.1),
        "poisson": ev.poisson(12, rate=rate.at("2024-01")),
        "measured": ev.measured(containers_by.at("2024-02"), 4000, rel_error=0.2),
        "at_least": ev.at_least(voyages_by.at("2024-03"), 30),
        "at_most": ev.at_most(voyages_by.at("2024-04"), 80),
        "between": ev.between(voyages_by.at("2024-02"), 10, 60),
        "log_likelihood": ev.log_likelihood(-0.001 * voyages_by.at("2024-04")),
        "serial_numbers": ev.serial_numbers([3, 30], total=missiles_by.at("2024-02")),
        "image_count": ev.image_count(
            20, n=voyages_by.at("2024-02"), p=0.6, false_positives=1, p_double=0.05
        ),
        "paired": ev.paired(
            containers_by.at("2024-03"),
            5000,
            rel_error=0.15,
            converted=2e6,
            per_unit=430,
            conversion_rel_error=0.3,
        ),
        "sightings": ev.sightings(
            {"AIS": 14, "imagery": 9, "AIS+imagery": 11},
            total=voyages_by.at("2024-03"),
            unit="voyages",
        ),
    }
    outputs = {
        "cumulative.voyages": voyages_by,
        "cumulative.containers": containers_by,
        "missiles": missiles,
        "cumulative.missiles": missiles_by,
    }
    return tl.model(outputs).observe(*said.values(), *lots), said


def test_python_built_statements_of_every_kind_check_and_draw():
    assert set(python_timeline()[1]) == set(mf._core.OBSERVATION_KINDS)
    model, said = python_timeline()
    res = model.run(4000, seed=1, progress=False)
    table = res.check_evidence(n_check=4000)
    assert list(table.index) == [obs.name for obs in model.evidence]
    # Each statement reads as the series and date it speaks of.
    for kind, obs in said.items():
        if kind not in ("poisson", "log_likelihood"):
            assert " at 2024-0" in table.loc[obs.name, "description"], kind
    # Drawn: the kinds that state a figure of the series; the rest left off.
    drawn = {
        "cumulative.voyages": {"at_least", "at_most", "between"},
        "cumulative.containers": {"measured", "paired"},
        "missiles": set(),
        "cumulative.missiles": set(),
    }
    for series, kinds in drawn.items():
        labels = {text.get_text() for text in res.plot_fan(series).texts}
        assert {kind for kind, obs in said.items() if obs.name in labels} == kinds, series


def test_sightings_reach_the_posterior_by_tempering():
    """A total just below the units seen is as impossible as one far below:
    tempering (which check_evidence uses) must not stall on its last step."""
    total = mf.integers(30, 200, name="N")
    seen = mf.evidence.sightings({"AIS": 14, "imagery": 9, "AIS+imagery": 11}, total=total)
    model = mf.Model({"N": total}).observe(seen)
    tempered = model.run(4000, seed=1, progress=False, method="tempering")
    weighted = model.run(4000, seed=1, progress=False, method="weighting")
    assert tempered["N"].min() >= 34
    assert tempered["N"].mean() == pytest.approx(weighted["N"].mean(), rel=0.05)
