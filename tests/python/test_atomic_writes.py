"""Every file munflow writes is written whole or not at all: a writer that
fails midway (an error, a full disk, Ctrl-C) leaves the previous file as it
was and no temporary file behind."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import numpy as np
import pytest

import munflow as mf
from munflow import cli, report
from munflow.io import atomic
from munflow.timeline import scenario as timeline_scenario

SCENARIOS = Path(mf.__file__).parent / "scenarios"
PREVIOUS = b"the previous file"


def previous(path: Path) -> Path:
    path.write_bytes(PREVIOUS)
    os.chmod(path, 0o640)
    return path


def assert_untouched(path: Path) -> None:
    assert path.read_bytes() == PREVIOUS
    assert os.stat(path).st_mode & 0o777 == 0o640
    assert [p.name for p in path.parent.iterdir()] == [path.name], "a temporary file was left"


@pytest.mark.parametrize("interrupt", [OSError(errno.ENOSPC, "No space left"), KeyboardInterrupt()])
def test_a_writer_failing_midway_leaves_the_previous_file(tmp_path, interrupt):
    path = previous(tmp_path / "out.txt")
    with pytest.raises(type(interrupt)), atomic.replacing(path) as out:
        out.write("half a page" * 10_000)
        raise interrupt
    assert_untouched(path)


def test_a_finished_write_replaces_the_file_and_keeps_its_mode(tmp_path):
    path = previous(tmp_path / "out.txt")
    atomic.write_text(path, "new")
    assert path.read_text() == "new" and os.stat(path).st_mode & 0o777 == 0o640
    fresh = atomic.write_text(tmp_path / "fresh.txt", "x")
    assert fresh.read_text() == "x"


def half_then(interrupt):
    """A savez that writes part of the archive, then fails."""

    def savez(out, **arrays):
        out.write(b"PK\x03\x04" + b"\0" * 5000)
        raise interrupt

    return savez


@pytest.mark.parametrize("interrupt", [OSError(errno.ENOSPC, "No space left"), KeyboardInterrupt()])
def test_save_failing_midway_leaves_the_previous_file(tmp_path, monkeypatch, interrupt):
    res = mf.Model({"x": mf.normal(0, 1, name="x")}).run(100, seed=1)
    path = previous(tmp_path / "results.npz")
    monkeypatch.setattr(np, "savez_compressed", half_then(interrupt))
    with pytest.raises(type(interrupt)):
        res.save(path)
    assert_untouched(path)
    monkeypatch.undo()
    assert mf.load(res.save(path))["x"].tolist() == res["x"].tolist()


def half_a_page(self):
    # Encoding fails at the end of the page, after the file was opened.
    return "<!doctype html>" + "x" * 70_000 + "\ud800"


@pytest.fixture(scope="module")
def both_kinds():
    sc = mf.scenarios.load()
    tl = timeline_scenario.TimelineScenario.from_file(SCENARIOS / "dprk_russia_timeline.toml")
    return {
        "scenario": sc.run(n=500, seed=1),
        "timeline": tl.run(200, 1, progress=False, store_inputs=False),
    }


@pytest.mark.parametrize("kind", ["scenario", "timeline"])
def test_a_failed_report_leaves_the_previous_page(tmp_path, monkeypatch, both_kinds, kind):
    path = previous(tmp_path / "report.html")
    monkeypatch.setattr(report.Page, "html", half_a_page)
    with pytest.raises(UnicodeEncodeError):
        both_kinds[kind].report(path)
    assert_untouched(path)


def test_a_failed_cli_report_leaves_the_previous_page(tmp_path, monkeypatch):
    path = previous(tmp_path / "report.html")
    monkeypatch.setattr(report.Page, "html", half_a_page)
    file = SCENARIOS / "dprk_russia_2023_2024.toml"
    assert cli.main(["report", str(file), "-o", str(path), "-n", "500"]) != 0
    assert_untouched(path)


def test_a_failed_scenario_write_leaves_the_previous_file(tmp_path, monkeypatch):
    path = previous(tmp_path / "scenario.toml")
    monkeypatch.setattr(mf.Scenario, "to_toml", lambda self: "title = 'x'\n\ud800")
    with pytest.raises(UnicodeEncodeError):
        mf.scenarios.load().to_file(path)
    assert_untouched(path)
