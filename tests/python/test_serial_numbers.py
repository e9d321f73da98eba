"""Serial numbers read on recovered items (the German tank problem): the
posterior of how many were numbered against its closed form under a uniform
prior, P(N | seen) proportional to 1 / C(N, k) for N >= m (Höhle and Held
2006), the coverage of its 90% interval, bad figures in Python and in files,
and observations that pickle and save."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from scipy.special import gammaln

import munflow as mf


def closed_form(lo: int, hi: int, k: int, span: int) -> tuple[np.ndarray, np.ndarray]:
    """The values lo..hi and their posterior probabilities under a uniform
    prior on them: proportional to 1 / C(N, k) for N >= span, else 0."""
    values = np.arange(lo, hi + 1)
    log_lik = gammaln(k + 1) + gammaln(values - k + 1.0) - gammaln(values + 1.0)
    log_lik = np.where(values >= span, log_lik, -np.inf)
    pmf = np.exp(log_lik - log_lik.max())
    return values, pmf / pmf.sum()


def weighted_pmf(res, name: str, values: np.ndarray) -> np.ndarray:
    rows = res.weighted_rows()
    draws = rows[name].to_numpy()
    return np.array([rows["weight"][draws == v].sum() for v in values])


@pytest.mark.parametrize(
    ("seen", "hi"),
    [([7, 31], 60), ([12, 3, 40], 80), ([5, 17, 22, 48], 90)],
)
def test_small_k_posterior_pmf_is_the_closed_form(seen, hi):
    lo = 1
    total = mf.integers(lo, hi, name="total")
    model = mf.Model({"total": total}).observe(
        mf.evidence.serial_numbers(seen, total=total, name="serials")
    )
    n = 100_000
    res = model.run(n, seed=3, method="weighting")
    values, want = closed_form(lo, hi, len(seen), max(seen))
    got = weighted_pmf(res, "total", values)
    # Draws of one value share one weight: a value's estimate errs only by
    # how many prior draws it got (binomial), relative sd sqrt((1 - q) / (n q)).
    q = 1.0 / len(values)
    se = want * np.sqrt((1 - q) / (n * q)) + 1e-12
    assert np.max(np.abs(got - want) / se) < 4.5
    assert got[values < max(seen)].sum() == 0.0


def test_large_k_posterior_is_the_closed_form_whichever_method():
    rng = np.random.default_rng(11)
    seen = rng.choice(np.arange(1, 1201), size=45, replace=False)
    lo, hi = 1, 3000
    total = mf.integers(lo, hi, name="total")
    model = mf.Model({"total": total}).observe(
        mf.evidence.serial_numbers(seen.tolist(), total=total, name="serials")
    )
    values, want = closed_form(lo, hi, len(seen), int(seen.max()))
    cdf = np.cumsum(want)
    # Weighting: per-value estimates, as for small k.
    n = 200_000
    res = model.run(n, seed=5, method="weighting")
    got = weighted_pmf(res, "total", values)
    q = 1.0 / len(values)
    se = want * np.sqrt((1 - q) / (n * q)) + 1e-12
    assert np.max(np.abs(got - want) / se) < 5
    # Auto (tempering when weighting keeps too few samples): the cdf at the
    # closed form's quantiles, within Monte Carlo error of its effective samples.
    res = model.run(20_000, seed=6)
    draws = res["total"]
    for p in (0.05, 0.25, 0.5, 0.75, 0.95):
        v = values[np.searchsorted(cdf, p)]
        below = np.mean(draws <= v)
        exact = cdf[values == v][0]
        error = 4 * np.sqrt(exact * (1 - exact) / res.ess) + 0.01
        assert abs(below - exact) < error, (p, res.method)


def test_the_90_percent_interval_covers_the_truth_nine_times_in_ten():
    # Data sets with N drawn from the prior; the posterior depends on a data
    # set only through the largest serial (k fixed), so each largest is run
    # through munflow once.
    rng = np.random.default_rng(2024)
    lo, hi, k, sets = 20, 400, 3, 2_000
    truth = rng.integers(lo, hi + 1, size=sets)
    largest = np.array([rng.choice(n, size=k, replace=False).max() + 1 for n in truth])
    total = mf.integers(lo, hi, name="total")
    intervals: dict[int, tuple[float, float]] = {}
    for m in np.unique(largest):
        seen = [1, 2, int(m)] if m > 2 else [1, 2, 3]
        res = (
            mf.Model({"total": total})
            .observe(mf.evidence.serial_numbers(seen, total=total, name="serials"))
            .run(4_000, seed=int(m))
        )
        row = res.summary().loc["total"]
        intervals[int(m)] = (row["p5"], row["p95"])
    inside = np.array(
        [intervals[m][0] <= n <= intervals[m][1] for n, m in zip(truth, largest, strict=True)]
    )
    coverage = inside.mean()
    mc_error = np.sqrt(0.9 * 0.1 / sets)
    assert abs(coverage - 0.9) < 3.5 * mc_error, coverage


def test_serials_from_a_known_first_serial_shift_the_series():
    # Serials 1001.. of a series starting at 1001 say what serials 1.. say of one starting at 1.
    total = mf.integers(1, 80, name="total")
    from_one = mf.evidence.serial_numbers([3, 30, 9], total=total, name="s")
    from_1001 = mf.evidence.serial_numbers([1003, 1030, 1009], total=total, first=1001, name="s")
    a = mf.Model({"total": total}).observe(from_one).run(5_000, seed=1, method="weighting")
    b = mf.Model({"total": total}).observe(from_1001).run(5_000, seed=1, method="weighting")
    assert np.array_equal(a.draw_weights, b.draw_weights)
    assert from_1001.figures == {"seen": 3, "largest": 1030, "first": 1001}


def test_production_lots_are_one_observation_each():
    made = {"A": mf.integers(10, 200, name="made_A"), "B": mf.integers(10, 200, name="made_B")}
    obs = mf.evidence.serial_lots(
        {"A": [4, 57, 19], "B": [512, 530]}, totals=made, first={"A": 1, "B": 501}
    )
    assert [o.name for o in obs] == ["serials[A]", "serials[B]"]
    assert [o.figures["first"] for o in obs] == [1, 501]
    res = (
        mf.Model({"made": made["A"] + made["B"], **made})
        .observe(obs)
        .run(50_000, seed=2, method="weighting")
    )
    # Independent lots: each lot's posterior is its own closed form.
    for lot, seen, span in (("A", 3, 57), ("B", 2, 30)):
        values, want = closed_form(10, 200, seen, span)
        got = weighted_pmf(res, f"made_{lot}", values)
        assert abs(got @ values - want @ values) < 0.03 * (want @ values)
    with pytest.raises(ValueError, match="totals: no total for lot 'B'"):
        mf.evidence.serial_lots({"A": [1], "B": [2]}, totals={"A": 10})
    with pytest.raises(ValueError, match="lot 'B': seen: serial 2 is below first = 501"):
        mf.evidence.serial_lots({"B": [2]}, totals={"B": 10}, first=501)


def test_diagnostics_check_the_largest_serial():
    total = mf.integers(50, 100, name="total")
    # Serials up to 60 agree with 50..100 numbered; the largest, 99, of just
    # 3 serials from a prior that allows up to 100 is no surprise either ...
    agree = mf.evidence.serial_numbers([5, 41, 60], total=total, name="serials")
    res = mf.Model({"total": total}).observe(agree).run(20_000, seed=4)
    check = res.check_evidence()
    assert not check.loc["serials", "conflict"]
    assert 0.05 < check.loc["serials", "p_given_prior"] <= 1
    # ... but 40 serials all below 45 from a series of at least 50 are.
    low = mf.evidence.serial_numbers(list(range(2, 42)), total=total, name="serials")
    said = mf.evidence.at_least(total, 50, name="at least 50")
    res = mf.Model({"total": total}).observe(low, said).run(20_000, seed=4)
    check = res.check_evidence()
    assert check.loc["serials", "conflict"]
    assert res.shifts("total").loc[("serials", "total"), "median_with"] == 50


@pytest.mark.parametrize(
    ("seen", "first", "error", "message"),
    [
        ([], 1, ValueError, "seen must list at least one serial"),
        ([3, 4.5], 1, ValueError, r"seen: each serial must be a whole number, got 4\.5"),
        ([3, "7"], 1, TypeError, "seen: each serial must be a whole number, got str"),
        ([3, 9, 3], 1, ValueError, "distinct.*3 appears twice"),
        ([3, 9], 5, ValueError, "seen: serial 3 is below first = 5"),
        ([3, 9], -1, ValueError, "first .* must be >= 0, got -1"),
        ([3, 9], 0.5, ValueError, "first must be a whole number, got 0.5"),
        ("12", 1, TypeError, "seen must be a list"),
    ],
)
def test_bad_serials_raise_naming_the_parameter_and_value(seen, first, error, message):
    with pytest.raises(error, match=message):
        mf.evidence.serial_numbers(seen, total=100, first=first)


def test_a_fractional_total_is_reported_at_run_time():
    total = mf.uniform(50, 100, name="total")
    model = mf.Model({"total": total}).observe(
        mf.evidence.serial_numbers([3, 9], total=total, name="serials")
    )
    with pytest.raises(mf.EvidenceError, match=r"serials.*total numbered must be a whole number"):
        model.run(1_000, seed=1)


def test_the_observation_pickles_and_saves(tmp_path):
    total = mf.integers(20, 200, name="total")
    obs = mf.evidence.serial_numbers([61, 19, 56, 24, 16], total=total, name="tanks")
    back = pickle.loads(pickle.dumps(obs))
    assert (back.kind, back.name, back.figures) == (obs.kind, obs.name, obs.figures)
    assert (
        back.description
        == obs.description
        == ("serial_numbers: 5 serials of total numbered from 1, largest 61")
    )
    res = mf.Model({"total": total}).observe(obs).run(2_000, seed=1)
    loaded = mf.load(res.save(tmp_path / "tanks.npz"))
    assert [o.description for o in loaded.model.evidence] == [obs.description]
    assert loaded.summary().equals(res.summary())


SCENARIO = """
[munitions.ballistic_missile]
category = "missile"
per_container = 1
failure_rate = { beta = [1, 1] }
[mix]
fixed = { ballistic_missile = 1, other = 0 }
[channels.reported.launchers]
containers = { integers = [20, 120] }
"""


def scenario(evidence: str) -> mf.Scenario:
    return mf.Scenario.from_toml(SCENARIO + evidence, origin="serials.toml")


def test_a_scenario_file_observes_serials_of_an_output():
    sc = scenario(
        """
[evidence.debris]
kind = "serial_numbers"
total = "ballistic_missile.delivered"   # the missiles delivered are the whole series
seen = [14, 37, 9, 52]
first = 1
"""
    )
    (obs,) = sc.evidence
    assert obs.kind == "serial_numbers"
    assert obs.figures == {
        "seen": 4,
        "largest": 52,
        "first": 1,
        "labels": ["ballistic_missile.delivered"],
    }
    assert obs.description == (
        "serial_numbers: 4 serials of ballistic_missile.delivered numbered from 1, largest 52"
    )
    res = sc.run(50_000, seed=1, method="weighting")
    values, want = closed_form(20, 120, 4, 52)
    got = weighted_pmf(res, "ballistic_missile.delivered", values)
    assert abs(got @ values - want @ values) < 0.01 * (want @ values)
    assert mf.Scenario.from_toml(sc.to_toml(), origin="again.toml").evidence[0].figures == (
        obs.figures
    )


@pytest.mark.parametrize(
    ("evidence", "path", "message"),
    [
        (
            'total = "ballistic_missile.delivered"\nseen = [4, 9, 4]',
            "evidence.debris.seen",
            "4 appears twice",
        ),
        (
            'total = "ballistic_missile.delivered"\nseen = []',
            "evidence.debris.seen",
            "at least one serial",
        ),
        (
            'total = "ballistic_missile.delivered"\nseen = [4, 9.5]',
            "evidence.debris.seen",
            "whole numbers, got 9.5",
        ),
        (
            'total = "ballistic_missile.delivered"\nseen = [4, 9]\nfirst = 5',
            "evidence.debris.seen",
            "serial 4 is below first = 5",
        ),
        (
            'total = "ballistic_missile.delivered"\nseen = [4, 9]\nfirst = -2',
            "evidence.debris.first",
            "whole number >= 0, got -2",
        ),
        ("seen = [4, 9]", "evidence.debris.kind", "needs 'total'"),
        ('total = "ballistic_missile.delivere"\nseen = [4]', "evidence.debris.total", "nearest"),
        (
            'total = "ballistic_missile.delivered"\nseen = [4]\nk = 1',
            "evidence.debris.k",
            "does not apply",
        ),
    ],
)
def test_bad_serial_tables_are_located(evidence, path, message):
    text = '\n[evidence.debris]\nkind = "serial_numbers"\n' + evidence + "\n"
    with pytest.raises(mf.ScenarioError, match=message) as err:
        scenario(text)
    assert err.value.path == path
    assert err.value.line is not None and err.value.line > SCENARIO.count("\n")
