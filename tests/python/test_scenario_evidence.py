"""`[evidence]` tables in scenario files: located errors, the posterior of a
scenario against a closed form, the bundled combined scenario, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from scipy import stats

import munflow as mf

COMBINED = mf.scenarios.path("dprk_russia_2023_2024_combined")

SMALL = """
[munitions.shell_152]
category = "shell"
per_container = 430
[mix]
fixed = { shell_152 = 1, other = 0 }
[channels.reported.minister]
containers = { lognormal = [8.8, 0.4] }
"""


def small(evidence: str) -> mf.Scenario:
    return mf.Scenario.from_toml(SMALL + evidence, origin="small.toml")


def test_a_measured_total_gives_the_closed_form_posterior():
    sc = small(
        """
[evidence.report]
kind = "measured"
quantity = "total.containers"
value = 9000
sd = 0.1
"""
    )
    res = sc.run(20_000, seed=1)
    assert isinstance(res, mf.PosteriorResults)
    var = 1 / (1 / 0.4**2 + 1 / 0.1**2)
    mu = var * (8.8 / 0.4**2 + np.log(9000) / 0.1**2)
    law = stats.lognorm(var**0.5, scale=np.exp(mu))
    got = res.summary(grouped=False).loc["total.containers", ["mean", "p5", "p50", "p95"]]
    want = [law.mean(), *law.ppf([0.05, 0.5, 0.95])]
    assert np.allclose(got.to_numpy(dtype=float), want, rtol=0.01)
    # Shells are the containers times the fixed load, on the posterior's rows.
    assert np.array_equal(res["shell_152.delivered"], np.round(res["total.containers"] * 430))


def test_the_bundled_combined_scenario_runs_to_a_posterior():
    sc = mf.Scenario.from_file(COMBINED)
    assert [o.name for o in sc.evidence] == ["defence_minister", "missile_failures"]
    res = sc.run(20_000, seed=2)
    assert res.observations == ["defence_minister", "missile_failures"]
    table = res.summary()
    containers = table.loc[("total", "containers"), "p50"]
    # The voyages alone put the median near 9,000; the minister's 7,000 pulls it down.
    prior = res.prior.summary().loc["total.containers", "p50"]
    assert 6_500 < containers < 8_000 < prior
    check = res.check_evidence()
    assert not check["conflict"].any()
    # The failure rate's prior is uniform: the count alone sets it near 24/51.
    rate = res.summary(columns=["ballistic_missile.failure_rate"], grouped=False)
    assert 0.4 < rate.iloc[0]["p50"] < 0.56


@pytest.mark.parametrize(
    ("evidence", "path", "message"),
    [
        (
            'kind = "measured"\nquantity = "total.container"\nvalue = 7000\nrel_error = 0.1',
            "evidence.report.quantity",
            "nearest are 'total.containers'",
        ),
        (
            'kind = "measured"\nquantity = "total.containers"\nrel_error = 0.1',
            "evidence.report.kind",
            "needs 'value'",
        ),
        (
            'kind = "count"\nk = 3\nn = 10\np = 0.5\nvalue = 2',
            "evidence.report.value",
            "does not apply to a 'count'",
        ),
        (
            'kind = "measured"\nquantity = "total.containers"\nvalue = 7000\nrel_error = -0.1',
            "evidence.report.rel_error",
            "rel_error must be",
        ),
        (
            'kind = "count"\nk = 2.5\nn = 10\np = "minister.containers"',
            "evidence.report.k",
            "whole number",
        ),
        (
            'kind = "guess"\nquantity = "total.containers"',
            "evidence.report.kind",
            "unknown variant",
        ),
    ],
)
def test_bad_evidence_tables_are_located(evidence, path, message):
    with pytest.raises(mf.ScenarioError, match=message) as err:
        small("\n[evidence.report]\n" + evidence + "\n")
    assert err.value.path == path
    assert err.value.line is not None and err.value.line > SMALL.count("\n")


def test_evidence_fields_can_be_set_and_round_trip():
    sc = mf.Scenario.from_file(COMBINED)
    higher = sc.with_value("evidence.defence_minister.value", 9_000)
    assert higher.evidence[0].figures["value"] == 9_000
    assert mf.Scenario.from_dict(sc.to_dict()) == sc
    again = mf.Scenario.from_toml(sc.to_toml())
    assert [o.description for o in again.evidence] == [o.description for o in sc.evidence]
    with pytest.raises(ValueError, match="dependent"):
        sc.sobol("total.containers", n=128)


def test_cli_prints_the_posterior_and_the_evidence_check():
    def munflow(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "munflow.cli", *args],
            capture_output=True,
            text=True,
            timeout=600,
        )

    out = munflow("run", str(COMBINED), "-n", "5000", "--seed", "3")
    assert out.returncode == 0, out.stderr
    assert "posterior given defence_minister, missile_failures" in out.stdout
    assert "prior p50" in out.stdout
    assert "evidence:" in out.stdout and "agrees (p = " in out.stdout
    assert "what the evidence moved" in out.stdout
    doc = json.loads(
        munflow("run", str(COMBINED), "-n", "5000", "--seed", "3", "--format", "json").stdout
    )
    assert [e["observation"] for e in doc["posterior"]["evidence"]] == [
        "defence_minister",
        "missile_failures",
    ]
