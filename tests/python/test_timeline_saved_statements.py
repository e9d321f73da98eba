"""A saved timeline posterior keeps its dated statements, with the readable
names built in Python ("cum at 2024-03", not the running sum's expression),
whether it kept its samples or only a summary; loaded in a fresh process,
where nothing remembers the names given when the statements were built."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import munflow as mf

BUILD = """
import munflow as mf
tl = mf.Timeline("2024-01", "2024-06")
rate = tl.input("rate", mf.lognormal_ci(5, 15))
voyages = tl.draw("voyages", lambda r: mf.poisson(r), rate)
cum = voyages.cumulative()
cum.name = "cum"
said = [
    mf.evidence.measured(cum.at("2024-03"), 30, rel_error=0.2, name="minister"),
    mf.evidence.at_least(cum.at("2024-05"), 40, name="seen"),
]
model = mf.TimelineModel(tl, {"voyages": voyages, "cum": cum}, said)
"""

LOAD = """
import json, sys
import munflow as mf
res = mf.load(sys.argv[1])
facets = ("TimelineResults", "PosteriorResults", "SummaryResults")
out = {"kind": [f for f in facets if isinstance(res, getattr(mf, f))],
       "statements": [[o.name, o.description] for o in res.model.evidence],
       "marks": [m["name"] for m in res._statements("cum", True)]}
if sys.argv[2] == "columns":
    out["checked"] = res.check_evidence()["description"].tolist()
print(json.dumps(out))
"""


def in_a_fresh_process(path: Path, store: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", LOAD, str(path), store],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


@pytest.mark.parametrize("store", ["columns", "summary"])
def test_a_saved_timeline_posterior_keeps_its_statements_and_their_names(
    tmp_path: Path, store: str
) -> None:
    scope: dict = {}
    exec(BUILD, scope)
    res = scope["model"].run(2000, seed=1, store=store)
    path = res.save(tmp_path / "posterior.npz")
    statements = [[o.name, o.description] for o in res.model.evidence]
    assert statements[0] == [
        "minister",
        "measured: cum at 2024-03 = 30 (errors in proportion, log-scale sd 0.111)",
    ]
    back = in_a_fresh_process(path, store)
    summary = ["SummaryResults"] if store == "summary" else []
    assert back["kind"] == ["TimelineResults", "PosteriorResults", *summary]
    assert back["statements"] == statements
    # The fan chart of the series marks both statements again.
    assert (
        back["marks"] == ["minister", "seen"] == [m["name"] for m in res._statements("cum", True)]
    )
    if store == "columns":
        assert back["checked"] == res.check_evidence()["description"].tolist()
    # And in this process, loaded results answer the same.
    assert [[o.name, o.description] for o in mf.load(path).model.evidence] == statements
