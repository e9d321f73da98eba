"""Regression tests for issue 8, "trustworthy numbers": every way a new user and
a fuzzing campaign found to get a wrong number silently, a hang, a lost file or a
traceback. One test (or a few) per item of the issue, numbered as there; each
failed before its fix. The distribution items (6, 7, 10, 11) are tested in
test_dist_edge_cases.py, the property searches in test_properties_*.py.
"""

from __future__ import annotations

import copy
import json
import math
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import munflow as mf
from munflow import cli
from munflow.cli import commands

BUNDLED = mf.scenarios.path("dprk_russia_2023_2024")


def bundled_dict() -> dict:
    return mf.Scenario.from_file(BUNDLED).to_dict()


def munflow(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "munflow.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def assert_one_line_error(out: subprocess.CompletedProcess[str], *needles: str) -> str:
    """Exit 2, one line on stderr starting `munflow: error:`, no traceback."""
    assert out.returncode == 2, (out.returncode, out.stderr)
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("munflow: error: "), out.stderr
    assert "Traceback" not in out.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


def edited_file(tmp_path: Path, old: str, new: str) -> Path:
    """The bundled scenario with one line replaced, written as a file."""
    text = BUNDLED.read_text()
    assert old in text, old
    path = tmp_path / "edited.toml"
    path.write_text(text.replace(old, new, 1))
    return path


# ---------------------------------------------------------------------------
# 1. prob() on an expression rebuilt with the same names and definitions


def build_shells() -> mf.Expr:
    containers = mf.lognormal_ci(6000, 8000, name="containers")
    return containers * mf.pert(250, 430, 480, name="per")


def test_1_prob_of_a_rebuilt_expression_uses_the_runs_samples():
    res = mf.run({"shells": build_shells()}, n=100_000, seed=5)
    assert res.prob(build_shells() > 3e6) == np.mean(res["shells"] > 3e6)


def test_1_prob_of_a_recompiled_scenario_output_uses_the_runs_samples():
    sc = mf.Scenario.from_file(BUNDLED)
    res = sc.run(n=20_000, seed=3)
    name = "shell_152.functioning[voyages]"
    rebuilt = sc.outputs()[name]
    assert res.prob(rebuilt > 2e6) == np.mean(res[name] > 2e6)


def test_1_rebuilt_nodes_that_cannot_be_matched_are_refused():
    beta = lambda: mf.beta(2, 8)  # noqa: E731
    res = mf.run({"x": beta() + beta()}, n=1000, seed=1)
    with pytest.raises(ValueError, match="matches 2 unnamed draws"):
        res.prob(beta() > 0.5)
    res = mf.run({"shells": build_shells()}, n=1000, seed=1)
    other = mf.lognormal_ci(5000, 9000, name="containers") * 430
    with pytest.raises(ValueError, match="'containers' here is not the 'containers' of the run"):
        res.prob(other > 3e6)
    # A genuinely new uncertain threshold is a new draw, not an error.
    assert 0 < res.prob(build_shells() > mf.normal(3e6, 1e5)) < 1


# ---------------------------------------------------------------------------
# 2. A channel common to every estimate is one draw under each


def test_2_missiles_common_to_both_estimates_are_the_same_draw():
    res = mf.Scenario.from_file(BUNDLED).run(n=20_000, seed=1)
    for quantity in ["delivered", "functioning", "reaching_target"]:
        a = res[f"ballistic_missile.{quantity}[defence_minister]"]
        b = res[f"ballistic_missile.{quantity}[voyages]"]
        np.testing.assert_array_equal(a, b)


def test_2_a_common_part_is_shared_when_an_estimate_adds_its_own():
    # Shells arrive by a common direct channel and by each estimate's own
    # containers; both estimates report 0 containers, so the two estimates
    # must agree sample by sample (only the common part is left).
    d = {
        "munitions": {
            "shell_152": {"category": "shell", "per_container": 430, "dud_rate": {"beta": [2, 8]}}
        },
        "mix": {"fixed": {"shell_152": 1, "other": 0}},
        "channels": {
            "reported": {"a_report": {"containers": 0}, "b_report": {"containers": 0}},
            "direct": {"by_rail": {"munition": "shell_152", "count": {"pert": [1e5, 2e5, 3e5]}}},
        },
        "estimates": {"a": ["a_report"], "b": ["b_report"]},
    }
    res = mf.Scenario.from_dict(d).run(n=10_000, seed=2)
    a, b = res["shell_152.functioning[a]"], res["shell_152.functioning[b]"]
    np.testing.assert_array_equal(a, b)
    assert (a < res["shell_152.delivered[a]"]).mean() > 0.99


# ---------------------------------------------------------------------------
# 3. with_value on a path that does not exist


def test_3_a_misspelt_path_raises_naming_the_nearest_valid_ones():
    sc = mf.Scenario.from_file(BUNDLED)
    with pytest.raises(mf.ScenarioError) as info:
        sc.with_value("channels.reported.minister.containers", 7000)
    assert "channels.reported.defence_minister.containers" in str(info.value)
    assert info.value.path == "channels.reported.minister.containers"
    with pytest.raises(mf.ScenarioError, match="munitions.shell_152.dud_rate"):
        sc.with_value("munitions.shell_152.dud_rte", 0.1)


def test_3_adding_and_removing_are_explicit():
    sc = mf.Scenario.from_file(BUNDLED)
    base = sc.run(n=2_000, seed=1)["total.containers[defence_minister]"]
    added = sc.with_added("channels.reported.second_report", {"containers": 1000})
    assert "second_report" in added.to_dict()["channels"]["reported"]
    # Not in any estimate, so common to both: 1,000 more containers in each.
    more = added.run(n=2_000, seed=1)["total.containers[defence_minister]"]
    np.testing.assert_allclose(more - base, 1000)
    with pytest.raises(mf.ScenarioError, match="exists already"):
        sc.with_added("channels.reported.defence_minister", {"containers": 1})
    removed = sc.without("munitions.shell_152.daily_consumption")
    assert "daily_consumption" not in removed.to_dict()["munitions"]["shell_152"]
    with pytest.raises(mf.ScenarioError, match="no 'munitions.shell_152.mass_kg' to remove"):
        sc.without("munitions.shell_152.mass_kg")
    # An optional field the entry does not have yet can be set.
    heavy = sc.with_value("munitions.shell_152.mass_kg", 43.5)
    assert heavy.to_dict()["munitions"]["shell_152"]["mass_kg"] == 43.5


def test_3_estimates_set_to_none_is_refused_and_removing_them_is_explicit():
    sc = mf.Scenario.from_file(BUNDLED)
    with pytest.raises(mf.ScenarioError, match="None is not a value"):
        sc.with_value("estimates", None)
    d = bundled_dict()
    d["estimates"] = None
    with pytest.raises(mf.ScenarioError, match="None is not a value"):
        mf.Scenario.from_dict(d)
    assert sc.without("estimates").estimates == []


# ---------------------------------------------------------------------------
# 4. Naming a distribution already used elsewhere


def test_4_naming_labels_the_same_draw():
    d = mf.lognormal_ci(6000, 8000)
    per = mf.pert(300, 430, 500)
    shells = d * per
    containers = mf.named(d, "containers")
    res = mf.run({"shells": shells, "again": containers * per}, n=10_000, seed=1)
    np.testing.assert_array_equal(res["shells"], res["again"])
    assert d.name == "containers" and "containers" in res.inputs
    # A second name is a second label of the same values.
    alias = mf.named(containers, "boxes")
    res = mf.run({"a": alias, "b": containers}, n=1000, seed=2)
    np.testing.assert_array_equal(res["a"], res["b"])


# ---------------------------------------------------------------------------
# 5. == and != give indicators


def test_5_equality_gives_an_indicator():
    failures = mf.binomial(50, 0.48, name="failures")
    assert isinstance(failures == 25, mf.Expr)
    assert isinstance(failures != 25, mf.Expr)
    res = mf.run({"failures": failures}, n=50_000, seed=3)
    assert res.prob(failures == 25) == np.mean(res["failures"] == 25)
    assert res.prob(failures != 25) == np.mean(res["failures"] != 25)
    from scipy import stats

    p = stats.binom(50, 0.48).pmf(25)
    assert abs(res.prob(failures == 25) - p) < 5 * math.sqrt(p * (1 - p) / 50_000)
    # Comparing with something that is not a number is plain inequality.
    assert (failures == None) is False  # noqa: E711
    assert failures in [None, failures]


# ---------------------------------------------------------------------------
# 8. dark_seen near 2^64


def test_8_a_huge_dark_voyage_count_is_refused_not_wrapped(tmp_path):
    d = bundled_dict()
    voyage = d["channels"]["voyages"]["rajin_dec_2023_feb_2024"]
    voyage["dark_seen"] = 2**64 - 1  # u64::MAX: `seen + 1` wrapped to 0
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(d))
    with pytest.raises(mf.ScenarioError) as info:
        mf.Scenario.from_file(path)
    assert info.value.path == "channels.voyages.rajin_dec_2023_feb_2024.dark_seen"
    assert "at most 1000000" in str(info.value)
    assert info.value.line is not None


# ---------------------------------------------------------------------------
# 9. Decimals read exactly from JSON and dicts


def test_9_json_and_dicts_keep_every_double(tmp_path):
    rng = np.random.default_rng(9)
    values = [float(x) for x in rng.uniform(1, 500, 200)] + [228.95559239774983]
    d = bundled_dict()
    for i, v in enumerate(values):
        d["channels"]["reported"][f"r{i}"] = {"containers": v}
    via_dict = mf.Scenario.from_dict(d)
    back = via_dict.to_dict()["channels"]["reported"]
    assert [back[f"r{i}"]["containers"] for i in range(len(values))] == values
    path = tmp_path / "doubles.json"
    path.write_text(json.dumps(d))
    via_json = mf.Scenario.from_file(path)
    assert via_json == via_dict
    toml_path = tmp_path / "doubles.toml"
    toml_path.write_text(via_dict.to_toml())
    assert mf.Scenario.from_file(toml_path) == via_json
    assert mf.Scenario.from_dict(via_json.to_dict()) == via_json


# ---------------------------------------------------------------------------
# 12. --output keeps the old file until the new one is complete


def test_12_an_interrupted_render_leaves_the_output_file_intact(tmp_path, monkeypatch):
    target = tmp_path / "ranges.csv"
    target.write_text("the previous results\n")

    def interrupted(res: object, out: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setitem(commands.__dict__, "_csv", interrupted)
    status = cli.main(["run", str(BUNDLED), "-n", "2000", "--format", "csv", "-o", str(target)])
    assert status == 130
    assert target.read_text() == "the previous results\n"
    assert [p.name for p in tmp_path.iterdir()] == ["ranges.csv"]  # no temporary left


def test_12_sigint_at_any_moment_leaves_old_or_complete_output(tmp_path):
    target = tmp_path / "ranges.json"
    target.write_text("old")
    for delay in (0.8, 1.6):
        proc = subprocess.Popen(
            [sys.executable, "-m", "munflow.cli", "run", str(BUNDLED), "-n", "1e6"]
            + ["--seed", "1", "--format", "json", "-o", str(target)],
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=120)
        text = target.read_text()
        assert text == "old" or json.loads(text)["n"] == 1_000_000
    mode = stat.S_IMODE(target.stat().st_mode)
    assert mode & 0o600 == 0o600


def test_12_a_new_output_file_gets_the_usual_permissions(tmp_path):
    target = tmp_path / "new.csv"
    assert cli.main(["run", str(BUNDLED), "-n", "1000", "--format", "csv", "-o", str(target)]) == 0
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask


# ---------------------------------------------------------------------------
# 13. Files that are not scenario files


def test_13_devices_pipes_and_huge_files_are_refused_quickly(tmp_path):
    assert_one_line_error(munflow("validate", "/dev/zero", timeout=30), "not a regular file")
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    assert_one_line_error(munflow("validate", str(fifo), timeout=30), "not a regular file")
    huge = tmp_path / "huge.toml"
    with huge.open("wb") as f:
        f.truncate(64 * 1024 * 1024)  # sparse: no disk used
    assert_one_line_error(munflow("validate", str(huge), timeout=30), "larger than a scenario")
    with pytest.raises(mf.ScenarioError, match="not a regular file"):
        mf.Scenario.from_file("/dev/zero")


# ---------------------------------------------------------------------------
# 14. What validate can know, it says; what only a run finds is one located line


@pytest.mark.parametrize(
    ("old", "new", "path"),
    [
        (
            "p_detect = { beta = [4, 2] }",
            "p_detect = { categorical = { values = [0, 1] } }",
            "channels.voyages.rajin_aug_dec_2023.p_detect",
        ),
        (
            "p_detect = { beta = [4, 2] }",
            "p_detect = { beta = [1e-300, 1] }",
            "channels.voyages.rajin_aug_dec_2023.p_detect",
        ),
        (
            "dirichlet = { shell_152 = 15, rocket_122 = 3, other = 2 }",
            "dirichlet = { shell_152 = 0.001, rocket_122 = 0.001, other = 0.001 }",
            "mix.dirichlet",
        ),
        (
            "dark_seen = 19",
            "dark_seen = 1000000000000000",
            "channels.voyages.rajin_aug_dec_2023.dark_seen",
        ),
        (
            "count = { pert = [40, 50, 70] }",
            "count = 1e16",
            "channels.direct.missiles_by_may_2024.count",
        ),
    ],
)
def test_14_validate_refuses_what_the_file_shows(tmp_path, old, new, path):
    file = edited_file(tmp_path, old, new)
    line = next(i for i, text in enumerate(file.read_text().splitlines(), 1) if new in text)
    where = f"{file}:{line}: {path}: "
    message = assert_one_line_error(munflow("validate", str(file)), where)
    assert "ok (" not in message


@pytest.mark.parametrize(
    ("old", "new", "path"),
    [
        (
            "daily_consumption = { lognormal_ci = [5000, 20000] }",
            "daily_consumption = { lognormal_ci = [5000, 20000] }\n"
            "mass_kg = { uniform = [0, 1e308] }",
            "munitions.shell_152.mass_kg",
        ),
        (
            "containers = { lognormal_ci = [6000, 8000] }",
            "containers = 100000000000000",
            "channels.reported.defence_minister.containers",
        ),
    ],
)
def test_14_what_only_a_run_finds_is_one_located_line(tmp_path, old, new, path):
    file = edited_file(tmp_path, old, new)
    assert munflow("validate", str(file)).returncode == 0
    last = new.splitlines()[-1]
    line = next(i for i, text in enumerate(file.read_text().splitlines(), 1) if text == last)
    assert_one_line_error(munflow("run", str(file), "-n", "2000"), f"{file}:{line}: {path}: ")
    with pytest.raises(mf.ModelError) as info:
        mf.Scenario.from_file(file).run(n=2000, seed=1)
    err = info.value
    assert (err.file, err.line, err.path) == (str(file), line, path)
    assert err.traced_to and isinstance(err.sample, dict) and err.row >= 0


# ---------------------------------------------------------------------------
# 15. Errors found while building the graph are located and accurate


def test_15_a_fixed_detection_probability_too_small_is_located(tmp_path):
    file = edited_file(tmp_path, "p_detect = { beta = [4, 2] }", "p_detect = 1e-300")
    with pytest.raises(mf.ScenarioError) as info:
        mf.Scenario.from_file(file)
    assert info.value.path == "channels.voyages.rajin_aug_dec_2023.p_detect"
    assert info.value.file == str(file) and info.value.line is not None


def test_15_a_count_beyond_2_53_names_the_real_limit(tmp_path):
    file = edited_file(tmp_path, "count = { pert = [40, 50, 70] }", "count = 1e16")
    with pytest.raises(mf.ScenarioError, match="2\\^53") as info:
        mf.Scenario.from_file(file)
    assert info.value.path == "channels.direct.missiles_by_may_2024.count"


def test_15_a_binomial_count_beyond_2_53_says_the_real_limit():
    with pytest.raises(ValueError, match=r"binomial: n must be a whole number in \[0, 2\^53"):
        mf.binomial(1e16, 0.5)
    x = mf.uniform(1e16, 2e16, name="x")
    with pytest.raises(mf.ModelError, match=r"2\^53") as info:
        mf.run({"y": mf.binomial(mf.floor(x), 0.5)}, n=10, seed=1)
    assert info.value.traced_to == ["x"]


# ---------------------------------------------------------------------------
# 16. Every CLI user error is one line and exit 2


@pytest.mark.parametrize(
    ("samples", "needle"),
    [
        ("1000000000000", "bytes"),  # more memory than the machine has
        ("1e23", "2**53"),
        ("1e12", "bytes"),
        ("-3", ">= 1"),
        ("many", "whole number"),
    ],
)
def test_16_bad_sample_counts_are_one_line(samples, needle):
    assert_one_line_error(munflow("run", str(BUNDLED), "--samples", samples), needle)


def test_16_float_notation_for_samples_is_accepted():
    out = munflow("run", str(BUNDLED), "--samples", "2e3", "--seed", "1", "--format", "json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["n"] == 2000


# ---------------------------------------------------------------------------
# 17. The same messages whatever the route in


def test_17_nan_gets_the_files_message_from_a_dict(tmp_path):
    file = edited_file(tmp_path, "dud_rate = { beta = [2, 8] }", "dud_rate = nan")
    with pytest.raises(mf.ScenarioError) as from_file:
        mf.Scenario.from_file(file)
    d = bundled_dict()
    d["munitions"]["shell_152"]["dud_rate"] = float("nan")
    with pytest.raises(mf.ScenarioError) as from_dict:
        mf.Scenario.from_dict(d)
    assert from_dict.value.path == from_file.value.path == "munitions.shell_152.dud_rate"
    message = str(from_file.value).split(": ", 2)[-1]
    assert str(from_dict.value).endswith(message), (str(from_dict.value), message)
    assert "finite" in message


def test_17_deep_nesting_is_a_scenario_error_not_a_recursion_error():
    d = bundled_dict()
    deep: dict = {}
    d["munitions"]["shell_152"]["dud_rate"] = deep
    for _ in range(1000):
        deep["mixture"] = {}
        deep = deep["mixture"]
    with pytest.raises(mf.ScenarioError, match="nested more than"):
        mf.Scenario.from_dict(d)
    text = "x = " + "[" * 1000 + "]" * 1000
    with pytest.raises(mf.ScenarioError):
        mf.Scenario.from_toml(text)


# ---------------------------------------------------------------------------
# Typed errors: data as attributes, never parsed from messages


def test_scenario_errors_carry_file_line_and_path(tmp_path):
    file = edited_file(tmp_path, "dud_rate = { beta = [2, 8] }", "dud_rate = { beta = [-1, 8] }")
    with pytest.raises(mf.ScenarioError) as info:
        mf.Scenario.from_file(file)
    err = info.value
    assert err.file == str(file)
    assert err.path == "munitions.shell_152.dud_rate"
    assert file.read_text().splitlines()[err.line - 1].startswith("dud_rate")
    assert isinstance(err, ValueError)


def test_model_errors_carry_the_node_sample_and_trace():
    z = mf.normal(0, 1, name="z")
    with pytest.raises(mf.ModelError) as info:
        mf.run({"bad": mf.log(z) * 2}, n=10_000, seed=1)
    err = info.value
    assert err.node == "log(z)" and math.isnan(err.value)
    assert err.traced_to == ["z"]
    assert err.sample["z"] < 0
    assert err.path is None  # not a scenario


def test_bad_copies_of_the_bundled_dict_are_untouched():
    d = bundled_dict()
    before = copy.deepcopy(d)
    d2 = copy.deepcopy(d)
    d2["munitions"]["shell_152"]["dud_rate"] = float("nan")
    with pytest.raises(mf.ScenarioError):
        mf.Scenario.from_dict(d2)
    assert d == before


def test_categorical_takes_a_value_to_weight_mapping():
    """Found while writing the evidence tests: categorical({5: 0.6, 10: 0.4})
    iterated the dict's keys and drew 5 and 10 with equal weights."""
    per = mf.categorical({5: 0.6, 10: 0.4})
    assert per.mean() == pytest.approx(7.0)
    assert mf.run({"per": per}, n=50_000, seed=1)["per"].mean() == pytest.approx(7.0, abs=0.05)
    with pytest.raises(ValueError, match="weights must not be given too"):
        mf.categorical({5: 0.6, 10: 0.4}, [1, 1])
    with pytest.raises(TypeError, match="got a dict"):
        mf.empirical({1: 2, 3: 4})
