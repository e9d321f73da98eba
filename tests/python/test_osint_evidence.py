"""Evidence the way open-source investigators collect it: image counts with
false positives and double counting, paired statements, and tonnage with a
packaging share, each against a hand computation (enumeration or closed form)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import munflow as mf

# ---------------------------------------------------------------- image counts


def image_count_pmf(k: int, n: int, p: float, lam: float, d: float) -> float:
    """P(k) by enumeration: a units counted once, b twice, f false positives."""
    total = 0.0
    for b in range(n + 1):
        for a in range(n - b + 1):
            f = k - a - 2 * b
            if f < 0:
                continue
            units = math.comb(n, a) * math.comb(n - a, b)
            units *= (p * (1 - d)) ** a * (p * d) ** b * (1 - p) ** (n - a - b)
            total += units * stats.poisson.pmf(f, lam)
    return total


def test_an_image_count_gives_the_posterior_enumeration_gives():
    # N uniform on 0..12; 9 counted with p 0.6, false positives of mean 1.5,
    # one in five counted units counted twice.
    k, p, lam, d = 9, 0.6, 1.5, 0.2
    units = mf.integers(0, 12, name="units")
    model = mf.Model({"units": units}).observe(
        mf.evidence.image_count(k, n=units, p=p, false_positives=lam, p_double=d)
    )
    res = model.run(200_000, seed=3, method="weighting")
    like = np.array([image_count_pmf(k, n, p, lam, d) for n in range(13)])
    want = like / like.sum()
    got = np.bincount(res["units"].astype(int), minlength=13) / len(res["units"])
    assert np.abs(got - want).max() < 0.01, (got, want)
    mean = float(res.summary().loc["units", "mean"])
    assert mean == pytest.approx(float(want @ np.arange(13)), abs=0.03)


def test_an_uncertain_rate_of_false_positives_is_integrated_by_quadrature():
    # N fixed at 10; false positives of mean lam ~ gamma(2, 1): the posterior
    # mean of lam from a grid of its density times the enumerated likelihood.
    k, n, p, d = 12, 10, 0.7, 0.1
    lam = mf.gamma(2, 1, name="lam")
    model = mf.Model({"lam": lam}).observe(
        mf.evidence.image_count(k, n=n, p=p, false_positives=lam, p_double=d)
    )
    res = model.run(100_000, seed=4, method="weighting")
    grid = np.linspace(1e-6, 25, 5001)
    post = stats.gamma(2).pdf(grid) * [image_count_pmf(k, n, p, x, d) for x in grid]
    want = np.trapezoid(grid * post, grid) / np.trapezoid(post, grid)
    mean = float(res.summary().loc["lam", "mean"])
    assert mean == pytest.approx(want, rel=0.02)


def test_without_false_positives_or_double_counting_it_is_a_count():
    units = mf.integers(5, 40, name="units")
    rate = mf.beta(3, 3, name="rate")
    outputs = {"units": units, "rate": rate}
    plain = mf.Model(outputs).observe(mf.evidence.count(11, n=units, p=rate))
    images = mf.Model(outputs).observe(mf.evidence.image_count(11, n=units, p=rate))
    a = plain.run(20_000, seed=5, method="weighting")
    b = images.run(20_000, seed=5, method="weighting")
    assert np.array_equal(a["units"], b["units"])
    assert np.array_equal(a["rate"], b["rate"])


@pytest.mark.parametrize(
    ("field", "value"),
    [("p", 1.2), ("false_positives", -1.0), ("p_double", 1.5), ("n", 2.5)],
)
def test_bad_image_count_figures_raise_naming_them(field, value):
    figures = {"n": 20, "p": 0.5, "false_positives": 1.0, "p_double": 0.1, field: value}
    with pytest.raises(ValueError, match=rf"{field} \(.*got {value:g}"):
        mf.evidence.image_count(9, **figures)


def test_a_rate_that_goes_bad_in_a_sample_names_the_figure():
    bad = mf.normal(0, 1, name="fp")
    model = mf.Model({"fp": bad}).observe(
        mf.evidence.image_count(3, n=10, p=0.5, false_positives=bad)
    )
    with pytest.raises(mf.EvidenceError, match="false_positives"):
        model.run(1000, seed=1)


# ---------------------------------------------------------------- paired statements

# Log-normal priors on the containers and the load per container make the
# posterior normal in logs: the closed form the paired statement must give.
MU_C, TAU_C = math.log(9000), 0.4
MU_R, TAU_R = math.log(350), 0.3
STATED, SHELLS = 7000.0, 3_000_000.0
SD_C, SD_R = 0.1, 0.2


def log_normal_posterior(mu, tau, observed, sd):
    """Mean and sd of a normal prior N(mu, tau²) after one normal observation."""
    var = 1 / (1 / tau**2 + 1 / sd**2)
    return var * (mu / tau**2 + observed / sd**2), math.sqrt(var)


def paired_model(per_unit=None) -> tuple[mf.Model, dict]:
    containers = mf.lognormal(MU_C, TAU_C, name="containers")
    load = mf.lognormal(MU_R, TAU_R, name="load") if per_unit is None else per_unit
    outputs = {"containers": containers}
    if per_unit is None:
        outputs["load"] = load
    said = mf.evidence.paired(
        containers, STATED, sd=SD_C, converted=SHELLS, per_unit=load, conversion_sd=SD_R
    )
    return mf.Model(outputs).observe(said), outputs


def log_moments(res, column):
    logs = np.log(res[column])
    return logs.mean(), logs.std()


def test_a_paired_statement_gives_the_closed_form_posterior():
    model, _ = paired_model()
    res = model.run(100_000, seed=6, method="weighting")
    mean_c, sd_c = log_normal_posterior(MU_C, TAU_C, math.log(STATED), SD_C)
    mean_r, sd_r = log_normal_posterior(MU_R, TAU_R, math.log(SHELLS / STATED), SD_R)
    got_c, got_sd_c = log_moments(res, "containers")
    got_r, got_sd_r = log_moments(res, "load")
    assert got_c == pytest.approx(mean_c, abs=0.005)
    assert got_sd_c == pytest.approx(sd_c, rel=0.03)
    assert got_r == pytest.approx(mean_r, abs=0.01)
    assert got_sd_r == pytest.approx(sd_r, rel=0.03)


def test_a_paired_statement_does_not_count_its_sentence_twice():
    # With a known load the conversion says nothing of the containers: the
    # pair's posterior on them is the count statement's alone ...
    pair, outputs = paired_model(per_unit=430.0)
    containers = outputs["containers"]
    alone = mf.Model(outputs).observe(mf.evidence.measured(containers, STATED, sd=SD_C))
    a = pair.run(50_000, seed=7, method="weighting")
    b = alone.run(50_000, seed=7, method="weighting")
    np.testing.assert_allclose(a["containers"], b["containers"], rtol=1e-12)
    # ... while the sentence read as two independent measurements (containers,
    # and containers x 430 = shells) overcounts: its posterior is the closed
    # form of two measurements, narrower than the one statement's.
    shells = containers * 430.0
    naive = mf.Model(outputs).observe(
        mf.evidence.measured(containers, STATED, sd=SD_C),
        mf.evidence.measured(shells, SHELLS, sd=SD_C),
    )
    c = naive.run(50_000, seed=7, method="weighting")
    _, once_sd = log_normal_posterior(MU_C, TAU_C, math.log(STATED), SD_C)
    twice_var = 1 / (1 / TAU_C**2 + 2 / SD_C**2)
    assert log_moments(a, "containers")[1] == pytest.approx(once_sd, rel=0.03)
    assert log_moments(c, "containers")[1] == pytest.approx(math.sqrt(twice_var), rel=0.03)
    assert log_moments(c, "containers")[1] < 0.8 * log_moments(a, "containers")[1]


def test_a_paired_statement_takes_several_hypotheses_and_pickles():
    import pickle

    containers = mf.lognormal_ci(4000, 12000, name="containers")
    shells = mf.pert(150, 350, 550, name="shells_per_container")
    rockets = mf.pert(50, 75, 110, name="rounds_122_per_container")
    said = mf.evidence.paired(
        containers,
        6700,
        rel_error=0.15,
        converted=[3_000_000, 500_000],
        per_unit=[shells, rockets],
        conversion_rel_error=0.3,
        name="February 2024",
    )
    assert said.figures["converted_2"] == 500_000
    again = pickle.loads(pickle.dumps(said))
    assert again.description == said.description
    res = mf.Model({"shells": shells, "rockets": rockets}).observe(said).run(20_000, seed=8)
    # 500,000 / 6,700 = ~75 a container: the prior's mode, so little moves.
    assert 60 < float(res.summary().loc["rockets", "p50"]) < 90


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"converted": -3e6, "conversion_sd": 0.2}, r"converted .*got -3"),
        ({"converted": 3e6}, "conversion_rel_error"),
        ({"converted": [3e6, 5e5], "conversion_sd": 0.2}, "got 2 converted and 1 per_unit"),
        ({"converted": 3e6, "conversion_sd": 0.2, "sd": -1}, r"got -1"),
    ],
)
def test_bad_paired_figures_raise_naming_them(kwargs, message):
    with pytest.raises(ValueError, match=message):
        mf.evidence.paired(mf.constant(7000.0), 7000, **{"sd": 0.1, "per_unit": 430, **kwargs})


# ---------------------------------------------------------------- tonnage


def test_tonnes_count_packaging_as_a_share_of_the_shipped_mass():
    assert mf.tonnes(1000, mass_kg=43.5) == pytest.approx(43.5)
    # 43.5 t of rounds are 75% of the shipped mass: 58 t shipped.
    assert mf.tonnes(1000, mass_kg=43.5, packaging_share=0.25) == pytest.approx(58.0)
    with pytest.raises(ValueError, match=r"packaging_share must be in \[0, 1\).*got 1"):
        mf.tonnes(1000, mass_kg=43.5, packaging_share=1)
    with pytest.raises(ValueError, match="mass_kg must be .*got -2"):
        mf.tonnes(1000, mass_kg=-2)


SHIPPED = """
[munitions.shell_152]
category = "shell"
per_container = 400
mass_kg = 45
packaging_share = {share}
[munitions.rocket_122]
category = "rocket"
per_container = 80
mass_kg = 66
[mix]
fixed = {{ shell_152 = 0.75, rocket_122 = 0.25, other = 0 }}
[channels.reported.minister]
containers = 1000
"""


def test_a_scenarios_tonnes_include_the_packaging_share():
    sc = mf.Scenario.from_toml(SHIPPED.format(share=0.2), origin="shipped.toml")
    res = sc.run(1000, seed=1)
    # 750 containers x 400 shells x 45 kg / 0.8 = 16,875 t; 250 x 80 x 66 kg = 1,320 t.
    assert np.allclose(res["shell_152.tonnes"], 16_875.0)
    assert np.allclose(res["rocket_122.tonnes"], 1_320.0)
    assert np.allclose(res["total.tonnes"], 18_195.0)
    varied = mf.Scenario.from_toml(
        SHIPPED.format(share="{ beta = [4, 16] }"), origin="shipped.toml"
    ).run(2000, seed=1)
    share = varied["shell_152.packaging_share"]
    np.testing.assert_allclose(varied["shell_152.tonnes"], 300_000 * 45 / (1 - share) / 1000)


@pytest.mark.parametrize(
    ("share", "message"), [("1", "below 1"), ("{ uniform = [0.5, 1.5] }", "a rate must lie")]
)
def test_a_bad_packaging_share_is_located(share, message):
    with pytest.raises(mf.ScenarioError, match=message) as err:
        mf.Scenario.from_toml(SHIPPED.format(share=share), origin="shipped.toml")
    assert "packaging_share" in str(err.value)


# ---------------------------------------------------------------- scenario files

SMALL = """
[munitions.shell_152]
category = "shell"
per_container = { lognormal = [5.8579, 0.3] }
[mix]
fixed = { shell_152 = 1, other = 0 }
[channels.reported.minister]
containers = { lognormal = [9.10498, 0.4] }
"""


def test_a_paired_statement_in_a_file_gives_the_closed_form():
    sc = mf.Scenario.from_toml(
        SMALL
        + """
[evidence.minister]
kind = "paired"
quantity = "total.containers"
value = 7000
sd = 0.1
converted = 3000000
per_unit = "shell_152.per_container"
conversion_sd = 0.2
""",
        origin="small.toml",
    )
    res = sc.run(100_000, seed=9, method="weighting")
    mean_c, _ = log_normal_posterior(9.10498, 0.4, math.log(7000), 0.1)
    mean_r, _ = log_normal_posterior(5.8579, 0.3, math.log(3e6 / 7000), 0.2)
    assert np.log(res["total.containers"]).mean() == pytest.approx(mean_c, abs=0.005)
    assert np.log(res["shell_152.per_container"]).mean() == pytest.approx(mean_r, abs=0.01)


def test_an_image_count_in_a_file_reads_its_figures_by_path():
    sc = mf.Scenario.from_toml(
        SMALL
        + """
[evidence.quay]
kind = "image_count"
k = 30
n = 40
p = 0.6
false_positives = 2
p_double = "shell_152.per_container"
""",
        origin="small.toml",
    )
    with pytest.raises(mf.EvidenceError, match=r"p_double .*got \d"):
        sc.run(1000, seed=1)


@pytest.mark.parametrize(
    ("evidence", "field", "message"),
    [
        ("converted_2 = 500000\n", "per_unit_2", "per_unit_2"),
        ("per_unit_2 = 75\n", "per_unit_2", "needs 'converted_2'"),
        ("conversion_sd = -1\n", "conversion_sd", "got -1"),
    ],
)
def test_paired_file_errors_name_file_line_and_field(evidence, field, message):
    text = (
        SMALL
        + """
[evidence.minister]
kind = "paired"
quantity = "total.containers"
value = 7000
sd = 0.1
converted = 3000000
per_unit = "shell_152.per_container"
"""
        + ("conversion_sd = 0.2\n" if "conversion_sd" not in evidence else "")
        + evidence
    )
    with pytest.raises(mf.ScenarioError, match=message) as err:
        mf.Scenario.from_toml(text, origin="small.toml")
    assert f"evidence.minister.{field}" in str(err.value)
    assert "small.toml" in str(err.value)


@pytest.mark.parametrize("uncertain", ["false_positives", "p", "p_double", "all"])
def test_an_uncertain_figure_weighs_each_row_as_enumeration_does_whatever_the_threads(uncertain):
    # The rows of a chunk share the units' law when only the false positives
    # vary, what seen units give when only p varies, and a polynomial in the
    # odds of a double count when only p_double varies; when all three
    # vary, rows go sixteen at a time through the recurrence of
    # the count's generating function (and rows with fewer units than the
    # count, batched by their units, through its split into units and false
    # positives). Each row's weight
    # is still its enumerated likelihood (the posterior is the exact one,
    # not an approximation of it), and the same at any thread count.
    k = 9
    units = mf.integers(0, 12, name="units")
    drawn = {
        "p": mf.beta(4, 2, name="p"),
        "false_positives": mf.gamma(2, 1, name="false_positives"),
        "p_double": mf.beta(2, 8, name="p_double"),
    }
    figures: dict[str, object] = {"p": 0.6, "false_positives": 1.5, "p_double": 0.2}
    for name in drawn if uncertain == "all" else [uncertain]:
        figures[name] = drawn[name]
    outputs = {"units": units} | {
        name: x for name, x in figures.items() if name in drawn and x is drawn[name]
    }
    model = mf.Model(outputs).observe(mf.evidence.image_count(k, n=units, **figures))
    res = model.run(6_000, seed=7, method="weighting", threads=1)
    rows = res.weighted_rows()
    column = {
        name: rows[name].to_numpy() if name in outputs else np.full(len(rows), x)
        for name, x in figures.items()
    }
    like = np.array(
        [
            image_count_pmf(k, int(n), p, lam, d)
            for n, p, lam, d in zip(
                rows["units"],
                column["p"],
                column["false_positives"],
                column["p_double"],
                strict=True,
            )
        ]
    )
    want = like / like.sum()
    got = rows["weight"].to_numpy()
    assert np.abs(got - want).max() < 1e-12 * want.max(), np.abs(got - want).max()
    again = model.run(6_000, seed=7, method="weighting", threads=2)
    assert np.array_equal(got, again.weighted_rows()["weight"].to_numpy())
