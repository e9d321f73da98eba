"""Property searches for wrong numbers, hangs and panics, each in a child
process under a watchdog (see properties/watchdog.py): a Rust loop holding the
GIL would defeat any timeout inside this process.

- scenario_mutations: the bundled scenario mutated (values, lines, tables) as
  TOML text and as JSON; every file runs consistently, or is refused by
  `munflow validate` with a located line, or fails at run time naming its field;
  the bundled timeline file too, its channels, dates and dated statements.
- expression_graphs: random graphs of distributions, arithmetic, functions,
  comparisons and compound draws; results (bit-identical on 1 and 2 threads)
  or a ModelError naming the node, never a panic.

Both are derandomized: the same cases every run, so a failure reproduces.
"""

from __future__ import annotations

import re
from pathlib import Path

from properties.watchdog import run_search

# Each search takes ~10 s here; the limits leave room for a slow CI machine.
TIMEOUT_SECONDS = 240


def cases(report: str, what: str) -> int:
    match = re.search(rf"(\d+) {what}", report)
    assert match, report
    return int(match.group(1))


def test_mutated_scenarios_run_consistently_or_fail_located(tmp_path: Path) -> None:
    report = run_search(
        "scenario_mutations", tmp_path / "cases.log", TIMEOUT_SECONDS, "--examples", "1200"
    )
    assert cases(report, "mutated scenarios") >= 500, report
    # The search reaches all three outcomes, not only refusals.
    assert cases(report, "ran") >= 100 and cases(report, "refused") >= 100, report
    print(report)


def test_mutated_timeline_files_run_consistently_or_fail_located(tmp_path: Path) -> None:
    # Small: about 5 s for 1,000 cases (most are refused while read).
    report = run_search(
        "scenario_mutations", tmp_path / "cases.log", TIMEOUT_SECONDS, "--examples", "1000",
        "--timeline",
    )  # fmt: skip
    assert cases(report, "mutated timeline files") >= 500, report
    assert cases(report, "ran") >= 50 and cases(report, "refused") >= 100, report
    print(report)


def test_random_expression_graphs_give_results_or_located_errors(tmp_path: Path) -> None:
    report = run_search(
        "expression_graphs", tmp_path / "cases.log", TIMEOUT_SECONDS, "--examples", "2500"
    )
    assert cases(report, "random graphs") >= 1000, report
    assert cases(report, "ran") >= 500 and cases(report, "model errors") >= 10, report
    print(report)
