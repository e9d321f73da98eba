"""The munflow command line, run in a subprocess as a user would."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys

import munflow as mf

BUNDLED = str(mf.scenarios.path("dprk_russia_2023_2024"))


def munflow(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "munflow.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_run_prints_a_table_of_ranges():
    out = munflow("run", BUNDLED, "--samples", "20000", "--seed", "3")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    header = next(line for line in lines if line.startswith("output"))
    assert header.split() == ["output", "p5", "p50", "p95", "mean"]
    assert "seed = 3" in out.stdout
    for name in [
        "total.containers[defence_minister]",
        "shell_152.functioning[voyages]",
        "shell_152.days_of_fire_functioning[voyages]",
        "ballistic_missile.reaching_target[defence_minister]",
        "total.delivered[voyages]",
    ]:
        assert any(line.startswith(name + " ") for line in lines), name
    assert "P(defence_minister > voyages) = " in out.stdout
    # A seed reproduces the table.
    assert munflow("run", BUNDLED, "--samples", "20000", "--seed", "3").stdout == out.stdout


def test_comparisons_are_said_in_words_with_their_interval():
    out = munflow("run", BUNDLED, "--samples", "2000", "--seed", "3")
    assert out.returncode == 0, out.stderr
    assert "(words: ICD 203, 95% interval from 2,000 samples)" in out.stdout
    line = re.search(r"P\(defence_minister > voyages\) = (\S+): (.+) \((\S+)-(\S+)\)", out.stdout)
    assert line is not None, out.stdout
    p = mf.Scenario.from_file(BUNDLED).run(n=2000, seed=3).compare()["P(a > b)"].iloc[0]
    said = mf.words.describe(p, n=2000)
    assert line.group(1) == f"{p:.3f}"
    assert line.group(2) == said.words == "very unlikely or unlikely"
    assert [float(line.group(3)), float(line.group(4))] == [round(x, 3) for x in said.interval]
    # Another scale, and the structured words in JSON.
    out = munflow(
        "run", BUNDLED, "-n", "2000", "--seed", "3", "--words", "nato", "--format", "json"
    )
    assert out.returncode == 0, out.stderr
    row = json.loads(out.stdout)["comparisons"][0]
    nato = mf.words.describe(p, n=2000, scale="nato")
    assert row["words"] == nato.words == "unlikely"
    assert row["likelihood"] == nato.as_dict()
    assert row["likelihood"]["scale"] == "nato" and row["likelihood"]["level"] == 0.95
    bad = munflow("run", BUNDLED, "--words", "ipcc")
    assert bad.returncode == 2 and "--words" in bad.stderr and "ipcc" in bad.stderr


def test_demo_runs_the_bundled_scenario():
    out = munflow("demo", "--samples", "5000")
    assert out.returncode == 0, out.stderr
    assert "DPRK munitions to Russia" in out.stdout
    assert "seed = 2024" in out.stdout


def test_csv_and_json_formats(tmp_path):
    target = tmp_path / "ranges.csv"
    out = munflow("run", BUNDLED, "-n", "5000", "--seed", "1", "--format", "csv", "-o", str(target))
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(target.open()))
    assert rows[0].keys() >= {"output", "munition", "quantity", "estimate", "p5", "p50", "p95"}
    assert {r["munition"] for r in rows} >= {"shell_152", "total"}
    out = munflow("run", BUNDLED, "-n", "5000", "--seed", "1", "--format", "json")
    doc = json.loads(out.stdout)
    assert doc["seed"] == 1 and doc["n"] == 5000
    assert doc["comparisons"][0]["a"] == "defence_minister"
    shells = {r["output"]: r for r in doc["outputs"]}["shell_152.delivered[voyages]"]
    assert shells["p5"] < shells["p50"] < shells["p95"]


def test_validate_checks_without_running(tmp_path):
    out = munflow("validate", BUNDLED)
    assert out.returncode == 0, out.stderr
    assert "ok" in out.stdout


def test_a_bad_file_exits_2_with_one_line(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[munitions.shell_152]\ncategory = "shell"\ndud_rate = { beta = [2, -8] }\n')
    for command in ("run", "validate"):
        out = munflow(command, str(bad))
        assert out.returncode == 2, out
        assert out.stdout == ""
        lines = out.stderr.strip().splitlines()
        assert len(lines) == 1, out.stderr
        assert lines[0].startswith(f"munflow: error: {bad}:3: munitions.shell_152.dud_rate: beta")
        assert "Traceback" not in out.stderr


def test_a_missing_file_exits_2(tmp_path):
    out = munflow("run", str(tmp_path / "nope.toml"))
    assert out.returncode == 2
    assert "cannot read the file" in out.stderr
    assert "Traceback" not in out.stderr


def test_an_empty_scheduler_address_is_refused_in_one_line():
    out = munflow("run", BUNDLED, "-n", "100", "--scheduler", "")
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.count("\n") == 1 and "scheduler's address" in out.stderr, out.stderr


def test_every_is_refused_for_a_file_without_a_timeline():
    out = munflow("run", BUNDLED, "-n", "100", "--every", "3")
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.count("\n") == 1 and "--every is for timeline files" in out.stderr
    timeline = str(mf.scenarios.path("dprk_russia_timeline"))
    assert munflow("run", timeline, "-n", "100", "--every", "3").returncode == 0


def test_an_internal_error_is_one_line_not_a_traceback(monkeypatch, capsys):
    from munflow import cli

    def panics(*args, **kwargs):
        raise RuntimeError("munflow internal error (please report it): index out of bounds")

    monkeypatch.setattr(mf.Scenario, "run", panics)
    assert cli.main(["run", BUNDLED, "-n", "10"]) == cli.EXIT_ERROR
    err = capsys.readouterr().err
    assert err == "munflow: error: munflow internal error (please report it): index out of bounds\n"
