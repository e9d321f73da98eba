"""Overlapping sightings (capture-recapture): the posterior of the total
against exact enumeration with the capture probabilities integrated
numerically, Chapman's estimator at large counts, coverage over data drawn
from the prior, dependence between lists, bad input, files, persistence."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from scipy.special import gammaln

import munflow as mf

SMALL = """
[munitions.shell_152]
category = "shell"
per_container = 430
[mix]
fixed = { shell_152 = 1, other = 0 }
[channels.voyages.rajin]
dark_seen = 19
p_detect = { beta = [4, 2] }
containers_per_voyage = 150
"""

SEEN = """
[evidence.seen]
kind = "sightings"
total = "rajin.voyages"
unit = "voyages"
lists = ["AIS", "imagery"]
counts = { AIS = 14, imagery = 9, "AIS+imagery" = 21 }
"""


def posterior_of(total, observation, n, seed, **options):
    model = mf.Model({"N": total}).observe(observation)
    return model.run(n, seed=seed, progress=False, **options)


def two_list_posterior_by_quadrature(n10, n01, n11, totals):
    """P(N | table) for a flat prior on N over `totals`, the four cells'
    multinomial integrated over flat capture probabilities of A and B by
    Gauss-Legendre quadrature on the square (no closed form used)."""
    x, w = np.polynomial.legendre.leggauss(200)
    p = (x + 1) / 2
    w = w / 2
    pa, pb = np.meshgrid(p, p, indexing="ij")
    weight = np.outer(w, w)
    cells = [pa * (1 - pb), (1 - pa) * pb, pa * pb, (1 - pa) * (1 - pb)]
    seen = n10 + n01 + n11
    log_lik = []
    for total in totals:
        counts = [n10, n01, n11, total - seen]
        log_pmf = gammaln(total + 1) - sum(gammaln(c + 1) for c in counts)
        log_pmf = log_pmf + sum(c * np.log(q) for c, q in zip(counts, cells, strict=True))
        log_lik.append(np.log(np.sum(weight * np.exp(log_pmf))))
    post = np.exp(np.array(log_lik) - max(log_lik))
    return post / post.sum()


def test_two_lists_give_the_posterior_of_exact_enumeration():
    lo, hi = 15, 120
    totals = np.arange(lo, hi + 1)
    want = two_list_posterior_by_quadrature(6, 4, 5, totals)
    total = mf.integers(lo, hi, name="N")
    seen = mf.evidence.sightings({"A": 6, "B": 4, ("A", "B"): 5}, total=total)
    res = posterior_of(total, seen, 200_000, seed=3)
    draws = res["N"]
    got_cdf = np.array([np.mean(draws <= t) for t in totals])
    assert np.max(np.abs(got_cdf - np.cumsum(want))) < 0.01
    assert res.summary().loc["N", "mean"] == pytest.approx(np.dot(totals, want), rel=0.01)


def test_large_counts_give_a_median_near_chapmans_estimator():
    n10, n01, n11 = 120, 80, 200
    chapman = (n10 + n11 + 1) * (n01 + n11 + 1) / (n11 + 1) - 1
    total = mf.integers(400, 700, name="N")
    seen = mf.evidence.sightings({"A": n10, "B": n01, "A+B": n11}, total=total, unit="voyages")
    median = np.median(posterior_of(total, seen, 50_000, seed=4)["N"])
    assert abs(median / chapman - 1) < 0.05, (median, chapman)


def test_ninety_percent_intervals_cover_ninety_percent_of_totals_drawn_from_the_prior():
    rng = np.random.default_rng(5)
    lo, hi = 10, 40
    total = mf.integers(lo, hi, name="N")
    inside, runs = 0, 0
    while runs < 1_000:
        true_total = rng.integers(lo, hi + 1)
        pa, pb = rng.uniform(size=2)
        a = rng.uniform(size=true_total) < pa
        b = rng.uniform(size=true_total) < pb
        counts = {"A": int(np.sum(a & ~b)), "B": int(np.sum(~a & b)), "A+B": int(np.sum(a & b))}
        if sum(counts.values()) == 0:
            continue  # no unit seen: no observation to make
        seen = mf.evidence.sightings(counts, total=total)
        draws = posterior_of(total, seen, 4_000, seed=runs, method="weighting")["N"]
        # The randomised PIT of a discrete posterior: uniform when calibrated.
        u = np.mean(draws < true_total) + rng.uniform() * np.mean(draws == true_total)
        inside += 0.05 < u < 0.95
        runs += 1
    # Binomial(1000, 0.9) sd is 9.5; allow ~3 sd and the posteriors' Monte Carlo error.
    assert abs(inside - 900) < 32, inside


def test_an_interaction_recovers_the_total_where_independence_is_biased():
    # A and B positively dependent (on B 60% of those on A, 15% of the
    # others); C independent of both.
    rng = np.random.default_rng(6)
    true_total = 5_000
    a = rng.uniform(size=true_total) < 0.3
    b = rng.uniform(size=true_total) < np.where(a, 0.6, 0.15)
    c = rng.uniform(size=true_total) < 0.4
    counts = {}
    for pattern in range(1, 8):
        on = [bool(pattern & 1), bool(pattern & 2), bool(pattern & 4)]
        key = tuple(name for name, x in zip("ABC", on, strict=True) if x)
        counts[key] = int(np.sum((a == on[0]) & (b == on[1]) & (c == on[2])))
    seen = sum(counts.values())
    total = mf.integers(seen, 12_000, name="N")
    dependent = mf.evidence.sightings(counts, total=total, interactions=[("A", "B")])
    independent = mf.evidence.sightings(counts, total=total)
    fit = posterior_of(total, dependent, 40_000, seed=7).summary().loc["N"]
    assert fit["p5"] <= true_total <= fit["p95"], fit
    assert abs(fit["p50"] / true_total - 1) < 0.04, fit
    naive = posterior_of(total, independent, 40_000, seed=7).summary().loc["N"]
    assert naive["p95"] < 0.9 * true_total, naive


def test_bad_counts_and_lists_raise_value_errors_naming_them():
    total = mf.integers(10, 100, name="N")
    cases = [
        ({"A": 3}, {}, "lists.*2 to 5"),
        ({"A": 3, "B": 1.5}, {}, "counts.*'B'.*whole number"),
        ({"A": 3, "B": -1}, {}, "counts.*whole number"),
        ({"A": 0, "B": 0}, {}, "counts.*no unit was seen"),
        ({"A": 3, "A+C": 1}, {"lists": ["A", "B"]}, "counts.*'C'.*not one of the lists"),
        ({"A": 3, "A+B": 1, "B+A": 2}, {}, "counts.*given twice"),
        ({"A": 3, "B": 1}, {"unit": "trucks"}, "unit.*'vessels' or 'voyages'.*trucks"),
        ({"A": 3, "B": 1}, {"interactions": [("A", "B")]}, "interactions.*saturated"),
        ({"A": 3, "B": 1, "C": 1}, {"interactions": ["A", "B"]}, "interactions must be groups"),
        ({"A": 3, "B": 1, "C": 1}, {"interactions": [("A", "D")]}, "interactions.*'D'"),
        (
            {"A": 1, "B": 1, "C": 1, "D": 1},
            {"interactions": [("A", "B"), ("B", "C"), ("C", "D"), ("D", "A")]},
            "interactions A–B, B–C, C–D, D–A make a cycle of 4 lists.*A–C or B–D",
        ),
    ]
    for counts, options, message in cases:
        with pytest.raises(ValueError, match=message):
            mf.evidence.sightings(counts, total=total, **options)
    with pytest.raises(TypeError, match="counts must be a dict"):
        mf.evidence.sightings([("A", 3)], total=total)  # type: ignore[arg-type]


def test_a_fractional_total_is_an_error_naming_the_observation():
    total = mf.uniform(50, 60, name="N")
    seen = mf.evidence.sightings({"A": 3, "B": 4, "A+B": 5}, total=total, name="imagery")
    with pytest.raises(ValueError, match="sightings 'imagery': the total must be a whole number"):
        posterior_of(total, seen, 1_000, seed=1)


def test_observations_pickle_and_saved_results_round_trip(tmp_path):
    total = mf.integers(44, 200, name="N")
    seen = mf.evidence.sightings(
        {"AIS": 14, "imagery": 9, "port": 2, "AIS+imagery": 21, "imagery+port": 3},
        total=total,
        interactions=[("AIS", "imagery")],
        unit="voyages",
        name="voyages seen",
    )
    assert seen.figures == {
        "lists": ["AIS", "imagery", "port"],
        "counts": {"AIS": 14, "imagery": 9, "AIS+imagery": 21, "port": 2, "imagery+port": 3},
        "unit": "voyages",
        "interactions": [["AIS", "imagery"]],
    }
    again = pickle.loads(pickle.dumps(seen))
    assert (again.figures, again.description) == (seen.figures, seen.description)
    res = posterior_of(total, seen, 5_000, seed=2)
    path = res.save(tmp_path / "sightings.npz")
    loaded = mf.load(path)
    assert [o.figures for o in loaded.model.evidence] == [seen.figures]
    assert np.array_equal(loaded["N"], res["N"])


def test_check_evidence_says_sightings_are_not_checked():
    total = mf.integers(44, 200, name="N")
    seen = mf.evidence.sightings({"AIS": 14, "imagery": 9, "AIS+imagery": 21}, total=total)
    table = posterior_of(total, seen, 5_000, seed=2).check_evidence()
    row = table.loc[seen.name]
    assert np.isnan(row["p_given_prior"]) and not row["conflict"]
    assert row["verdict"].startswith("not checked")


def test_scenario_files_take_sightings():
    sc = mf.Scenario.from_toml(SMALL + SEEN, origin="small.toml")
    assert sc.evidence[0].kind == "sightings"
    assert sc.evidence[0].figures["counts"] == {"AIS": 14, "imagery": 9, "AIS+imagery": 21}
    assert mf.Scenario.from_toml(sc.to_toml()) == sc
    res = sc.run(20_000, seed=1)
    # Chapman's estimate is 49.7 voyages; the prior (19 seen + unseen) allows it.
    assert 44 <= np.median(res["rajin.voyages"]) <= 60


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (('"AIS+imagery" = 21', '"AIS+imagry" = 21'), "counts", "'imagry'"),
        (("imagery = 9", "imagery = 9.5"), "counts", "whole number"),
        (('lists = ["AIS", "imagery"]', 'lists = ["AIS"]'), "lists", "2 to 5"),
        (('unit = "voyages"', 'unit = "ships"'), "unit", "'ships'"),
        (
            ('unit = "voyages"', 'unit = "voyages"\ninteractions = [["AIS", "imagery"]]'),
            "interactions",
            "saturated",
        ),
        (('total = "rajin.voyages"', 'total = "rajin.voyage"'), "total", "rajin.voyages"),
    ],
)
def test_bad_sightings_tables_are_located(change, field, message):
    text = SMALL + SEEN.replace(*change)
    with pytest.raises(mf.ScenarioError, match=message) as err:
        mf.Scenario.from_toml(text, origin="small.toml")
    assert err.value.path == f"evidence.seen.{field}"
    assert err.value.line is not None and err.value.line > SMALL.count("\n")
