"""A scenario file with several problems reports them all in one pass:
`ScenarioError.errors` in Python, one line each from `munflow validate`."""

from __future__ import annotations

import textwrap

import pytest

import munflow as mf
from munflow import cli

BAD = textwrap.dedent(
    """\
    [munitions.shell_152]
    category = "shell"
    per_container = { pert = [-5, 400, 600] }
    dud_rate = { normal = [0.1, 0.5] }

    [munitions.rocket]
    category = "rocket"
    per_container = 20
    failure_rate = 0.1

    [channels.reported.minister]
    containers = { normal = [7000, 9000] }

    [mix]
    fixed = { shell_152 = 0.5, rocket = 0.5, other = 0 }
    """
)


def _write(tmp_path, text: str, name: str = "bad.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_every_independent_problem_is_reported_in_the_files_order(tmp_path) -> None:
    path = _write(tmp_path, BAD)
    with pytest.raises(mf.ScenarioError) as caught:
        mf.Scenario.from_file(path)
    err = caught.value
    found = [(e["line"], e["path"]) for e in err.errors]
    assert found == [
        (3, "munitions.shell_152.per_container"),
        (4, "munitions.shell_152.dud_rate"),
        (9, "munitions.rocket.failure_rate"),
        (12, "channels.reported.minister.containers"),
    ]
    assert all(e["file"] == str(path) for e in err.errors)
    assert "only missiles have a failure_rate" in err.errors[2]["message"]
    # The exception itself locates the first, as before.
    assert (err.line, err.path) == (3, "munitions.shell_152.per_container")
    assert len(str(err).splitlines()) == 4


def test_a_single_problem_is_a_list_of_one(tmp_path) -> None:
    path = _write(tmp_path, BAD.replace("dud_rate = { normal = [0.1, 0.5] }", "dud_rte = 0.1"))
    with pytest.raises(mf.ScenarioError) as caught:
        mf.Scenario.from_file(path)
    assert [e["path"] for e in caught.value.errors] == ["munitions.shell_152.dud_rte"]


def test_dependent_checks_wait_for_the_others(tmp_path) -> None:
    # A misspelt munition in the mix is one problem, not also "never arrives".
    text = BAD.replace("per_container = { pert = [-5, 400, 600] }", "per_container = 400")
    text = text.replace("dud_rate = { normal = [0.1, 0.5] }", "dud_rate = 0.1")
    text = text.replace("failure_rate = 0.1", "dud_rate = 0.1")
    text = text.replace("containers = { normal = [7000, 9000] }", "containers = 7000")
    text = text.replace("rocket = 0.5", "rockett = 0.5")
    assert "rockett" in text
    with pytest.raises(mf.ScenarioError) as caught:
        mf.Scenario.from_file(_write(tmp_path, text))
    assert len(caught.value.errors) == 1
    assert "rockett" in caught.value.errors[0]["message"]


def test_a_dict_scenario_reports_all_its_problems_without_lines() -> None:
    import tomllib

    with pytest.raises(mf.ScenarioError) as caught:
        mf.Scenario.from_dict(tomllib.loads(BAD))
    assert len(caught.value.errors) == 4
    assert {e["line"] for e in caught.value.errors} == {None}


def test_validate_prints_one_line_per_problem_and_caps_the_list(tmp_path, capsys) -> None:
    assert cli.main(["validate", str(_write(tmp_path, BAD))]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 4
    assert all(line.startswith(f"munflow: error: {tmp_path}") for line in lines)

    many = "".join(
        f'[munitions.m{i}]\ncategory = "shell"\nper_container = -{i + 1}\n\n' for i in range(30)
    )
    shares = ", ".join(f"m{i} = {1 / 30!r}" for i in range(30))
    many += f"[channels.reported.r]\ncontainers = 10\n\n[mix]\nfixed = {{ {shares}, other = 0 }}\n"
    assert cli.main(["validate", str(_write(tmp_path, many, "many.toml"))]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 21
    assert lines[-1] == "munflow: error: ... and 10 more problems"
    with pytest.raises(mf.ScenarioError) as caught:
        mf.Scenario.from_file(tmp_path / "many.toml")
    assert len(caught.value.errors) == 30
