"""Timeline files are read by the scenario reader of every scenario file: one
dialect. Misspelt keys are refused (they used to be dropped: a dud rate of 0,
a supplied share of 1), type errors are one located line, `munflow validate`
and `Scenario.from_file` read timeline files, and the bundled timeline gives
the numbers it gave when it was read by a second reader in Python."""

from __future__ import annotations

import json
import pickle
import re

import numpy as np
import pytest

import munflow as mf
from munflow import cli, scenarios
from munflow.timeline import TimelineScenario

BUNDLED = scenarios.path("dprk_russia_timeline")
TEXT = BUNDLED.read_text(encoding="utf-8")


def line_of(text: str, fragment: str) -> int:
    """The 1-based line of the first line holding ``fragment``."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)


def refused(old: str, new: str) -> tuple[str, str]:
    """The ScenarioError message for the bundled file with one edit, and the edited text."""
    assert old in TEXT, old
    text = TEXT.replace(old, new, 1)
    with pytest.raises(mf.ScenarioError) as info:
        mf.Scenario.from_toml(text, origin="tl.toml")
    return str(info.value), text


@pytest.mark.parametrize(
    ("old", "new", "path", "nearest"),
    [
        (
            "dud_rate = { beta = [2, 8] }",
            "dud_rat = { beta = [2, 8] }",
            "munitions.shell_152.dud_rat",
            "dud_rate",
        ),
        (
            "supplied_share = { beta",
            "suplied_share = { beta",
            "munitions.shell_152.suplied_share",
            "supplied_share",
        ),
        (
            'sharing = "independent"',
            'shareing = "independent"',
            "channels.missiles.shareing",
            "sharing",
        ),
        ('active = [["2023-08"', 'activex = [["2023-08"', "channels.rajin.activex", "active"),
        (
            "dud_rate = { beta = [2, 8] }",
            "DUD_RATE = { beta = [2, 8] }",
            "munitions.shell_152.DUD_RATE",
            "dud_rate",
        ),
    ],
)
def test_a_misspelt_key_is_refused_with_file_line_field_and_the_nearest_name(
    old: str, new: str, path: str, nearest: str
) -> None:
    message, text = refused(old, new)
    key = path.rsplit(".", 1)[1]
    line = line_of(text, new.split(" =")[0] + " =")
    assert message.startswith(
        f"tl.toml:{line}: {path}: unknown field `{key}`, did you mean `{nearest}`?"
    ), message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("old", "new", "path", "says"),
    [
        (
            'active = [["2023-12", "2025-06"]]',
            "active = 5",
            "channels.missiles.active",
            "invalid type: integer `5`, expected a sequence",
        ),
        (
            'quantity = "cumulative.voyages"',
            "quantity = [1, 2]",
            "evidence.vessels_seen.quantity",
            "expected a string",
        ),
        (
            'munition = "ballistic_missile"',
            'munition = ["ballistic_missile"]',
            "channels.missiles.munition",
            "expected a string",
        ),
        ("value = 7000", "value = [7000]", "evidence.defence_minister.value", "expected a number"),
        (
            "rel_error = 0.15",
            'rel_error = "15%"',
            "evidence.officials_2023_11.rel_error",
            "expected a number",
        ),
        (
            'end = "2025-06"\nperiod = "month"',
            'end = "9999-12-31"\nperiod = "week"',
            "timeline.end",
            "the year must be from 1 to 9998",
        ),
        (
            'end = "2025-06"\nperiod = "month"',
            'end = "2900-12-31"\nperiod = "week"',
            "timeline.end",
            "45782 weeks; a timeline has at most 3660 periods",
        ),
        (
            'end = "2025-06"',
            'end = "2023-06"',
            "timeline.end",
            "end 2023-06 is before start 2023-08",
        ),
        ('start = "2023-08"', 'start = "2023-02-30"', "timeline.start", "February 2023 has 28"),
        ("[timeline]\n", "timeline = 5\n[timelines]\n", "timeline", "expected a table"),
    ],
)
def test_a_type_error_is_one_located_line(old: str, new: str, path: str, says: str) -> None:
    message, text = refused(old, new)
    first_new_line = new.splitlines()[0]
    line = line_of(text, first_new_line)
    assert message.startswith(f"tl.toml:{line}: {path}: "), message
    assert says in message and "\n" not in message, message


def test_the_old_statement_spelling_says_how_it_is_written_now() -> None:
    message, text = refused("value = 7000", "measured = 7000")
    line = line_of(text, "measured = 7000")
    assert message.startswith(
        f"tl.toml:{line}: evidence.defence_minister.measured: unknown field `measured`: "
        'a reported figure is written kind = "measured" and value = ...'
    ), message


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        # Fields that the second reader silently ignored.
        ("rel_error = 0.15", "rel_error = 0.15\nlower = 1", "'lower' does not apply"),
        ('sharing = "independent"', 'sharing = "independent"\nrho = 0.5', "rho is for sharing"),
        (
            "dud_rate = { beta = [12, 13] }",
            "dud_rate = { beta = [12, 13] }\nsupplied_share = 0.5",
            "a share of fired_per_day",
        ),
        (
            'quantity = "cumulative.voyages"',
            'quantity = "cumulative.voyage"',
            "did you mean 'cumulative.voyages'",
        ),
        (
            'munition = "ballistic_missile"',
            'munition = "ballistic_misile"',
            "did you mean 'ballistic_missile'",
        ),
        (
            'date = "2023-12"',
            'date = "2030-12"',
            "2030-12 is outside the timeline 2023-08 .. 2025-06",
        ),
        ('date = "2023-12"\n', "", "a dated statement needs date"),
        (
            "share = { beta = [15, 5] }",
            "share = { normal = [0.5, 0.1] }",
            "a rate must lie in [0, 1]",
        ),
        ('sharing = "changepoint"', 'sharing = "changepiont"', "did you mean `changepoint`?"),
        ("hazard = 0.15", "hazard = 1.5", "in (0, 1), got 1.5"),
        (
            "rounds_per_period = { lognormal_ci = [3, 20] }",
            "rounds_per_period = 1e300",
            "a rate a period must stay below 1e15",
        ),
    ],
)
def test_what_would_be_ignored_or_fail_later_is_refused_where_it_is_written(
    old: str, new: str, says: str
) -> None:
    message, _ = refused(old, new)
    assert re.match(r"tl\.toml:\d+: \S+: ", message), message
    assert says in message, message


def test_the_bundled_timeline_file_gives_the_numbers_of_the_python_reader() -> None:
    # Medians at a fixed seed from the second reader in Python (main at
    # 8e06d0a), its statements respelt `kind = ...` and `value = ...` only.
    # The file's rate process was then persistent (changepoint since the
    # back-test of notebooks/07_forecasting.ipynb): the pins are of that model.
    text = BUNDLED.read_text().replace(
        'sharing = "changepoint"\nhazard = 0.15', 'sharing = "persistent"\nrho = 0.7'
    )
    assert 'sharing = "persistent"' in text
    sc = TimelineScenario(text, str(BUNDLED))
    prior = sc.model.without_evidence().run(3000, seed=11)
    pins = {
        "cumulative.containers": (11962.230171134648, 39938.405891517774),
        "functioning.shell_152": (2976016.665987135, 9919259.376806527),
        "shell_152.stock": (2149280.6244794414, 7263017.4829690205),
        "cumulative.ballistic_missile": (26.0, 171.0),
        "shell_152.days_of_fire": (293.05764093577477, 971.7475911039595),
    }
    for name, (february_2024, june_2025) in pins.items():
        s = prior.series(name)
        assert float(np.median(s[:, 6])) == february_2024, name
        assert float(np.median(s[:, -1])) == june_2025, name
    # The posterior's figures at a seed changed with the posterior engine in
    # the same release (docs/reproducibility.md); the prior pins above show
    # the two readers build the same model, and the statements are the same.
    post = sc.run(3000, seed=11)
    assert [o.name for o in post.model.evidence] == [
        "vessels_seen",
        "officials_2023_10",
        "officials_2023_11",
        "officials_2023_12",
        "officials_2024_02",
        "defence_minister",
        "missiles_by_may",
    ]


def test_from_file_and_validate_read_timeline_files(capsys: pytest.CaptureFixture[str]) -> None:
    sc = mf.Scenario.from_file(BUNDLED)
    assert isinstance(sc, TimelineScenario)
    assert sc.timeline.labels[0] == "2023-08" and len(sc.timeline) == 23
    assert isinstance(mf.scenarios.load("dprk_russia_timeline"), TimelineScenario)
    assert cli.main(["validate", str(BUNDLED)]) == 0
    out = capsys.readouterr().out
    assert out.strip().endswith("ok (2 munitions, 13 series over 23 months, 7 dated statements)")


def test_validate_reports_a_timeline_problem_located(tmp_path, capsys) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(TEXT.replace("dud_rate = { beta = [2, 8] }", "dud_rat = { beta = [2, 8] }"))
    assert cli.main(["validate", str(bad)]) != 0
    err = capsys.readouterr().err
    line = line_of(bad.read_text(), "dud_rat =")
    assert f"bad.toml:{line}: munitions.shell_152.dud_rat: unknown field `dud_rat`" in err


def test_a_timeline_file_reads_as_json_too(tmp_path) -> None:
    sc = mf.Scenario.from_file(BUNDLED)
    as_json = tmp_path / "timeline.json"
    as_json.write_text(json.dumps(sc.to_dict(), indent=1))
    back = mf.Scenario.from_file(as_json)
    assert isinstance(back, TimelineScenario) and back.to_dict() == sc.to_dict()
    a = sc.model.without_evidence().run(500, seed=2).series("cumulative.containers")
    b = back.model.without_evidence().run(500, seed=2).series("cumulative.containers")
    np.testing.assert_array_equal(a, b)


def test_a_timeline_scenario_pickles() -> None:
    sc = mf.Scenario.from_file(BUNDLED)
    back = pickle.loads(pickle.dumps(sc))
    assert back.to_dict() == sc.to_dict() and back.origin == sc.origin


def test_bare_toml_dates_read_as_written_dates() -> None:
    text = TEXT.replace('start = "2023-08"', "start = 2023-08-01")
    sc = mf.Scenario.from_toml(text)
    assert isinstance(sc, TimelineScenario) and sc.timeline.labels[0] == "2023-08"


def test_an_ordinary_file_refuses_a_date_on_its_evidence() -> None:
    path = scenarios.path("dprk_russia_2023_2024_combined")
    text = path.read_text(encoding="utf-8")
    head = text.index("[evidence.")
    at = text.index("\n", head) + 1
    with pytest.raises(mf.ScenarioError, match=r"\.date: a date places a statement in a timeline"):
        mf.Scenario.from_toml(text[:at] + 'date = "2024-03"\n' + text[at:]).validate()


def test_with_value_changes_one_assumption_and_keeps_the_other_draws() -> None:
    sc = mf.Scenario.from_file(BUNDLED)
    better = sc.with_value("munitions.shell_152.dud_rate", {"beta": [1, 9]})
    assert isinstance(better, TimelineScenario)
    a = sc.model.without_evidence().run(400, seed=5)
    b = better.model.without_evidence().run(400, seed=5)
    np.testing.assert_array_equal(
        a.series("cumulative.containers"), b.series("cumulative.containers")
    )
    assert not np.array_equal(a.series("functioning.shell_152"), b.series("functioning.shell_152"))


def test_edits_are_checked_like_a_file() -> None:
    sc = mf.Scenario.from_file(BUNDLED)
    with pytest.raises(
        mf.ScenarioError, match=r"munitions\.shell_152\.dud_rat: .*did you mean `dud_rate`"
    ):
        sc.with_value("munitions.shell_152.dud_rat", 0.1)
    with pytest.raises(mf.ScenarioError, match=r"no 'munitions\.shell_122' table"):
        sc.with_value("munitions.shell_122.dud_rate", 0.1)
    with pytest.raises(mf.ScenarioError, match=r"no channel delivers 'ballistic_missile'"):
        sc.without("channels.missiles")
    with pytest.raises(mf.ScenarioError, match="exists already"):
        sc.with_added("channels.rajin", {})
    assert len(sc.without("evidence.vessels_seen").model.evidence) == 6


def test_with_added_takes_a_dated_statement_in_the_evidence_syntax() -> None:
    sc = mf.Scenario.from_file(BUNDLED)
    more = sc.with_added(
        "evidence.gur",
        {"kind": "between", "quantity": "cumulative.containers", "date": "2024-08",
         "lower": 9000, "upper": 16000},
    )  # fmt: skip
    assert [o.name for o in more.model.evidence][-1] == "gur"
    # Not a misplaced line number: an edited copy has no lines.
    with pytest.raises(mf.ScenarioError) as info:
        sc.with_added("evidence.bad", {"kind": "between", "quantity": "containers"})
    assert str(info.value).startswith(
        f"{sc.origin} with evidence.bad edited: evidence.bad: a dated statement needs date"
    )


def test_a_run_time_error_names_the_file_line_and_field() -> None:
    text = TEXT.replace(
        "fired_per_day = { lognormal_ci = [5000, 20000] }",
        "fired_per_day = { uniform = [0, 1e-320] }",
    )
    sc = mf.Scenario.from_toml(text, origin="tl.toml")
    with pytest.raises(mf.ModelError) as info:
        sc.model.without_evidence()  # the model builds; the run meets the overflow
        sc.without("evidence").run(200, seed=1)
    message = str(info.value)
    assert "\n" not in message and "the model produced inf" in message, message
    err = info.value
    assert err.path.startswith(("munitions.", "channels.")), message
    assert message.startswith(f"{err.file}: {err.path}: "), message
    line_run = TimelineScenario(text, "tl.toml")
    with pytest.raises(mf.ModelError, match=r"^tl\.toml:\d+: (munitions|channels)\.\S+: "):
        line_run.run(200, seed=1)


MISSILES = """
[timeline]
start = "2024-01"
end = "2024-06"
[munitions.missile]
dud_rate = { beta = [2, 2] }
[channels.launches]
munition = "missile"
rounds_per_period = { gamma = [4, 5] }
containers_per_voyage = 1
"""


def posterior_mean(res: object, name: str) -> float:
    values = np.asarray(res.results[name])  # type: ignore[attr-defined]
    return float(np.average(values, weights=res.weights))  # type: ignore[attr-defined]


def test_a_count_statement_reads_a_whole_series_at_its_date_and_an_input() -> None:
    from scipy import stats

    text = MISSILES.replace("containers_per_voyage = 1\n", "") + (
        '[evidence.failures]\nkind = "count"\nk = 60\nn = "cumulative.missile"\n'
        'p = "missile.dud_rate"\ndate = "2024-04"\n'
    )
    sc = mf.Scenario.from_toml(text, origin="c.toml")
    (said,) = sc.model.evidence
    assert said.description.startswith("count: 60 of cumulative.missile[2024-04] trials")
    got = posterior_mean(sc.run(20_000, seed=3), "missile.dud_rate")
    # Independently: the prior's draws weighted by scipy's binomial likelihood.
    prior = sc.model.without_evidence().run(400_000, seed=4)
    p = np.asarray(prior.results["missile.dud_rate"])
    n = prior.series("cumulative.missile")[:, 3]
    expected = float(np.average(p, weights=stats.binom.pmf(60, n, p)))
    assert expected > 0.6  # the statement moves the prior's 0.5
    assert got == pytest.approx(expected, abs=0.01)


def test_a_poisson_statement_on_an_input_is_conjugate() -> None:
    text = (
        '[timeline]\nstart = "2024-01"\nend = "2024-03"\n[channels.port]\n'
        "voyages_per_period = 2\ncontainers_per_voyage = { gamma = [2, 10] }\n"
        '[evidence.boxes]\nkind = "poisson"\nk = 30\nrate = "port.containers_per_voyage"\n'
    )
    res = mf.Scenario.from_toml(text).run(40_000, seed=2)
    # Gamma(2, scale 10) prior, 30 events: Gamma(32, scale 10/11), mean 29.09.
    assert posterior_mean(res, "port.containers_per_voyage") == pytest.approx(320 / 11, rel=0.02)


@pytest.mark.parametrize(
    ("statement", "says"),
    [
        (
            'kind = "count"\nk = 1\nn = "functioning.missile"\np = 0.5\ndate = "2024-02"',
            "evidence.s.n: n counts trials, a whole number in every sample",
        ),
        (
            'kind = "poisson"\nk = 1\nrate = "launches.rounds_per_period"\ndate = "2024-02"',
            "evidence.s.date: this statement is about inputs, the same in every period",
        ),
        (
            'kind = "count"\nk = 1\nn = "cumulative.missile"\np = "missile.dudrate"\n'
            'date = "2024-02"',
            "evidence.s.p: names no series or input: 'missile.dudrate' (did you mean "
            "'missile.dud_rate'?)",
        ),
        (
            'kind = "count"\nk = 1.5\nn = "cumulative.missile"\np = 0.5\ndate = "2024-02"',
            "evidence.s.k: ",
        ),
    ],
)
def test_count_and_poisson_statements_are_checked_where_written(statement: str, says: str) -> None:
    text = MISSILES.replace("containers_per_voyage = 1\n", "") + "[evidence.s]\n" + statement
    with pytest.raises(mf.ScenarioError) as info:
        mf.Scenario.from_toml(text, origin="c.toml")
    message = str(info.value)
    assert re.match(r"c\.toml:\d+: ", message) and says in message, message


def test_a_channel_of_both_kinds_is_refused() -> None:
    with pytest.raises(
        mf.ScenarioError,
        match=r"c\.toml:10: channels\.launches\.containers_per_voyage|"
        r"c\.toml:8: channels\.launches\.munition: munition does not go with",
    ):
        mf.Scenario.from_toml(MISSILES, origin="c.toml")


def test_from_dict_reads_a_timeline_dict_and_locates_its_errors_by_field() -> None:
    data = mf.Scenario.from_file(BUNDLED).to_dict()
    sc = mf.Scenario.from_dict(data)
    assert isinstance(sc, TimelineScenario) and sc.to_dict() == data
    data["munitions"]["shell_152"]["dud_rat"] = data["munitions"]["shell_152"].pop("dud_rate")
    with pytest.raises(mf.ScenarioError) as info:
        mf.Scenario.from_dict(data)
    assert str(info.value).startswith(
        "<dict>: munitions.shell_152.dud_rat: unknown field `dud_rat`, did you mean `dud_rate`?"
    )
