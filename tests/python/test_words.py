"""Words of estimative probability: the bands of each scale at and around
every boundary, PHIA's gaps, the Monte Carlo interval of p, and the words
columns of compare() and summary-only events."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import munflow as mf
from munflow.words import SCALES, describe, samples_behind, wilson_interval

BUNDLED = mf.scenarios.path("dprk_russia_2023_2024")
EPS = 1e-12

# (p, words), written out by hand from the published tables: a boundary goes
# to the band nearer even chance; below 1% and above 99% ICD 203's outermost terms.
ICD203 = [
    (0.0, "almost no chance"),
    (0.001, "almost no chance"),
    (0.01 - EPS, "almost no chance"),
    (0.01, "almost no chance"),
    (0.05 - EPS, "almost no chance"),
    (0.05, "very unlikely"),
    (0.05 + EPS, "very unlikely"),
    (0.2 - EPS, "very unlikely"),
    (0.2, "unlikely"),
    (0.2 + EPS, "unlikely"),
    (0.45 - EPS, "unlikely"),
    (0.45, "roughly even chance"),
    (0.5, "roughly even chance"),
    (0.55, "roughly even chance"),
    (0.55 + EPS, "likely"),
    (0.8 - EPS, "likely"),
    (0.8, "likely"),
    (0.8 + EPS, "very likely"),
    (0.95, "very likely"),
    (0.95 + EPS, "almost certain"),
    (0.99, "almost certain"),
    (0.99 + EPS, "almost certain"),
    (0.999, "almost certain"),
    (1.0, "almost certain"),
]
NATO = [
    (0.0, "highly unlikely"),
    (0.1 - EPS, "highly unlikely"),
    (0.1, "unlikely"),
    (0.1 + EPS, "unlikely"),
    (0.4 - EPS, "unlikely"),
    (0.4, "even chance"),
    (0.4 + EPS, "even chance"),
    (0.6 - EPS, "even chance"),
    (0.6, "even chance"),
    (0.6 + EPS, "likely"),
    (0.9 - EPS, "likely"),
    (0.9, "likely"),
    (0.9 + EPS, "highly likely"),
    (1.0, "highly likely"),
]
PHIA = [
    (0.0, "remote chance"),
    (0.05 - EPS, "remote chance"),
    (0.05, "remote chance"),
    (0.05 + EPS, "between remote chance and highly unlikely"),
    (0.07, "between remote chance and highly unlikely"),
    (0.1 - EPS, "between remote chance and highly unlikely"),
    (0.1, "highly unlikely"),
    (0.2, "highly unlikely"),
    (0.2 + EPS, "between highly unlikely and unlikely"),
    (0.25 - EPS, "between highly unlikely and unlikely"),
    (0.25, "unlikely"),
    (0.35, "unlikely"),
    (0.35 + EPS, "between unlikely and realistic possibility"),
    (0.4 - EPS, "between unlikely and realistic possibility"),
    (0.4, "realistic possibility"),
    (0.5, "realistic possibility"),
    (0.5 + EPS, "between realistic possibility and likely"),
    (0.55 - EPS, "between realistic possibility and likely"),
    (0.55, "likely"),
    (0.75, "likely"),
    (0.75 + EPS, "between likely and highly likely"),
    (0.8 - EPS, "between likely and highly likely"),
    (0.8, "highly likely"),
    (0.9, "highly likely"),
    (0.9 + EPS, "between highly likely and almost certain"),
    (0.95 - EPS, "between highly likely and almost certain"),
    (0.95, "almost certain"),
    (1.0, "almost certain"),
]


@pytest.mark.parametrize(
    ("scale", "p", "expected"),
    [("icd203", p, w) for p, w in ICD203]
    + [("nato", p, w) for p, w in NATO]
    + [("phia", p, w) for p, w in PHIA],
)
def test_every_boundary_of_every_scale(scale, p, expected):
    assert mf.words(p, scale=scale) == expected
    # A numpy float says the same.
    assert mf.words(np.float64(p), scale=scale) == expected


def test_icd203_is_the_default_and_mirrors_around_even_chance():
    mirror = {
        "almost no chance": "almost certain",
        "very unlikely": "very likely",
        "unlikely": "likely",
        "roughly even chance": "roughly even chance",
    }
    # Boundaries and points between them that are exact in binary both ways.
    for p in [0.0, 0.03125, 0.0625, 0.125, 0.25, 0.375, 0.4375, 0.5]:
        assert mf.words(1 - p) == mirror[mf.words(p)], p
    for p in [0.05, 0.2, 0.45]:  # 1 - p is a float away from the boundary
        assert mf.words(p, scale="icd203") == mf.words(p)


@pytest.mark.parametrize("scale", list(SCALES))
def test_each_scale_says_exactly_one_thing_for_every_p(scale):
    places = SCALES[scale].places
    grid = np.concatenate(
        [np.linspace(0, 1, 10_001), [b.low for b in places], [b.high for b in places]]
    )
    for p in grid:
        for q in (p, np.nextafter(p, 0), np.nextafter(p, 1)):
            if 0 <= q <= 1:
                holding = [b.term for b in places if b.holds(float(q))]
                assert len(holding) == 1, (q, holding)


def test_the_published_tables():
    icd = mf.words.table()
    assert icd["term"].tolist() == [
        "almost no chance",
        "very unlikely",
        "unlikely",
        "roughly even chance",
        "likely",
        "very likely",
        "almost certain",
    ]
    assert icd["band"].tolist() == [
        "0% <= p < 5%",
        "5% <= p < 20%",
        "20% <= p < 45%",
        "45% <= p <= 55%",
        "55% < p <= 80%",
        "80% < p <= 95%",
        "95% < p <= 100%",
    ]
    assert icd["standard"].iloc[0] == "01-05%" and icd["standard"].iloc[-1] == "95-99%"
    assert icd["also"].iloc[0] == "remote"
    phia = mf.words.table("phia")
    assert len(phia) == 13  # seven terms and the six gaps between them
    gaps = phia[phia["term"].str.startswith("between")]
    assert gaps["band"].tolist() == [
        "5% < p < 10%",
        "20% < p < 25%",
        "35% < p < 40%",
        "50% < p < 55%",
        "75% < p < 80%",
        "90% < p < 95%",
    ]
    assert phia.attrs["scale"] == "phia"
    assert mf.words.table("nato")["band"].iloc[0] == "0% <= p < 10%"


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: mf.words(float("nan")),
            ValueError,
            "p must be a probability between 0 and 1, got nan",
        ),
        (lambda: mf.words(-0.1), ValueError, "p must be a probability between 0 and 1, got -0.1"),
        (lambda: mf.words(1.5), ValueError, "got 1.5"),
        (lambda: mf.words(math.inf), ValueError, "got inf"),
        (lambda: mf.words("0.5"), TypeError, "p must be a number, got '0.5'"),
        (lambda: mf.words(True), TypeError, "p must be a number, got True"),
        (lambda: mf.words(0.5, n=0), ValueError, "n must be .* at least 1; got 0"),
        (lambda: mf.words(0.5, n=float("nan")), ValueError, "n must be .*got nan"),
        (lambda: mf.words(0.5, n=10, level=1.5), ValueError, "level must be .*got 1.5"),
        (lambda: mf.words(0.5, n=10, level=0), ValueError, "level must be .*got 0"),
        (lambda: mf.words(0.5, scale="ipcc"), ValueError, "scale must be one of .*got 'ipcc'"),
        (lambda: mf.words.table("ipcc"), ValueError, "got 'ipcc'"),
        (lambda: mf.words(0.5, scale=["nato"]), ValueError, "got \\['nato'\\]"),
        (lambda: mf.words(0.5, interval=(0.6, 0.7)), ValueError, "interval must hold p"),
        (lambda: mf.words(0.5, interval=(0.4, 1.2)), ValueError, "interval high .*got 1.2"),
        (lambda: mf.words(0.5, interval=0.4), ValueError, "interval must be a pair"),
        (lambda: mf.words(0.5, n=10, interval=(0.4, 0.6)), ValueError, "not both"),
    ],
)
def test_bad_input_names_the_parameter_and_value(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_an_interval_across_a_boundary_says_both_words():
    said = describe(0.79, n=2_000)
    assert said.words == "likely or very likely" and said.straddles
    assert said.terms == ("likely", "very likely")
    assert str(said) == "likely or very likely (p = 0.79, 95% interval 0.772-0.807, n = 2,000)"
    # Enough samples and the interval stays inside one band.
    assert mf.words(0.79, n=10**7) == "likely"
    assert not describe(0.79, n=10**7).straddles
    # A wide interval names every band it reaches.
    assert mf.words(0.5, n=10) == "unlikely, roughly even chance or likely"
    # An interval ending on a boundary reaches the band that owns it.
    assert mf.words(0.82, interval=(0.8, 0.85)) == "likely or very likely"
    assert mf.words(0.82, interval=(0.8 + EPS, 0.85)) == "very likely"
    assert mf.words(0.82, interval=(0.8 + EPS, 0.95 + EPS)) == "very likely or almost certain"
    # Given as such, the interval has no level.
    assert str(describe(0.82, interval=(0.8, 0.85))).endswith("(p = 0.82, interval 0.8-0.85)")


def test_phia_gaps_in_an_interval():
    phia = {"scale": "phia"}
    assert mf.words(0.37, interval=(0.33, 0.42), **phia) == "unlikely or realistic possibility"
    assert mf.words(0.37, interval=(0.36, 0.39), **phia) == (
        "between unlikely and realistic possibility"
    )
    assert mf.words(0.37, interval=(0.36, 0.42), **phia) == (
        "between unlikely and realistic possibility or realistic possibility"
    )
    assert mf.words(0.3, interval=(0.3, 0.38), **phia) == (
        "unlikely or between unlikely and realistic possibility"
    )
    # Across a whole band and two gaps: the gaps inside are implied.
    assert mf.words(0.3, interval=(0.22, 0.45), **phia) == (
        "between highly unlikely and unlikely, unlikely or realistic possibility"
    )


@pytest.mark.parametrize("level", [0.9, 0.95, 0.99])
@pytest.mark.parametrize(
    ("k", "n"), [(0, 10), (1, 10), (5, 10), (10, 10), (213, 1000), (7, 20_000)]
)
def test_the_interval_is_wilsons(k, n, level):
    expected = stats.binomtest(k, n).proportion_ci(confidence_level=level, method="wilson")
    lo, hi = wilson_interval(k / n, n, level)
    assert lo == pytest.approx(expected.low, abs=1e-12)
    assert hi == pytest.approx(expected.high, abs=1e-12)
    assert describe(k / n, n=n, level=level).interval == (lo, hi)


def test_an_effective_sample_size_widens_the_interval():
    lo_n, hi_n = wilson_interval(0.3, 10_000)
    lo_ess, hi_ess = wilson_interval(0.3, 812.5)
    assert lo_ess < lo_n < 0.3 < hi_n < hi_ess


def test_describe_as_plain_values():
    said = describe(0.12, n=400, scale="nato")
    plain = said.as_dict()
    assert plain["words"] == "highly unlikely or unlikely"
    assert plain["terms"] == ["highly unlikely", "unlikely"]
    assert plain["scale"] == "nato" and plain["n"] == 400 and plain["level"] == 0.95
    assert plain["interval"] == list(said.interval)
    assert describe(0.12).as_dict()["interval"] is None


# --- the words columns -------------------------------------------------------


def test_compare_has_the_words_of_p_a_over_b():
    sc = mf.Scenario.from_file(BUNDLED)
    res = sc.run(n=2_000, seed=3)
    compare = res.compare()
    p = compare["P(a > b)"].iloc[0]
    assert 0.2 < p < 0.22  # near the 20% boundary: 2,000 samples cannot tell
    assert compare["words"].iloc[0] == "very unlikely or unlikely"
    assert compare["words"].iloc[0] == mf.words(p, n=2_000)
    nato = res.compare(scale="nato")
    assert nato["words"].iloc[0] == mf.words(p, n=2_000, scale="nato") == "unlikely"
    # The words column comes after the columns that were there.
    assert list(compare.columns)[-2:] == ["P(a > b)", "words"]
    # 100,000 samples can.
    assert sc.run(n=100_000, seed=3).compare()["words"].iloc[0] == "unlikely"


def test_a_posteriors_words_rest_on_its_effective_samples():
    sc = mf.Scenario.from_file(BUNDLED).with_added(
        "evidence.minister",
        {
            "kind": "measured",
            "quantity": "total.containers[defence_minister]",
            "value": 7000,
            "rel_error": 0.15,
        },
    )
    res = sc.run(n=4_000, seed=2)
    assert isinstance(res, mf.PosteriorResults)
    assert samples_behind(res) == res.ess < res.n
    p = res.compare()["P(a > b)"].iloc[0]
    assert res.compare()["words"].iloc[0] == mf.words(p, n=res.ess)


def test_summary_only_runs_have_the_same_words():
    sc = mf.Scenario.from_file(BUNDLED)
    kept, streamed = sc.run(n=2_000, seed=6), sc.run(n=2_000, seed=6, store="summary")
    assert streamed.compare()["words"].tolist() == kept.compare()["words"].tolist()
    x = mf.uniform(0, 1, name="x")
    res = mf.run(
        {"x": x}, n=1_000, seed=1, store="summary", events={"high": x > 0.7, "low": x < 0.01}
    )
    table = res.events_table()
    assert table.index.name == "event" and list(table.index) == ["high", "low"]
    assert list(table.columns) == ["probability", "low", "high", "words"]
    for name, row in table.iterrows():
        said = describe(res.events[name], n=1_000)
        assert (row["low"], row["high"]) == said.interval
        assert row["words"] == said.words
    assert table.at["low", "words"] == "almost no chance"
    assert res.events_table(scale="phia").at["low", "words"] == "remote chance"
