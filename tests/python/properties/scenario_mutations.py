"""Mutate the bundled scenario and check that munflow never gives a silent
wrong answer: each mutated file either

- runs, with finite outputs that are consistent (functioning <= delivered,
  reaching the target <= functioning, totals equal to the sum of their parts),
- or is refused by ``munflow validate`` with one located line
  (``file:line: field.path: message``),
- or fails at run time with one located line naming the field
  (``ModelError`` with ``.file``, ``.path``), never a traceback or a panic.

Half the cases edit the TOML text (a value replaced, a line dropped, doubled or
made up), half edit the parsed scenario and write it as JSON, so both readers
are searched. Run by test_properties.py in a child process under a watchdog;
``--examples N`` sets the number of cases.

``--timeline`` mutates the bundled timeline file instead (its channels,
dates and dated ``[evidence]`` statements): each mutant is refused located,
or runs (without its statements, so that no mutant waits on tempering) with
finite series that are consistent (cumulative series never fall, working
rounds at most delivered ones, stocks not negative).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import munflow as mf
from munflow import cli

# The file mutated, decided before the strategies below are built from it.
TIMELINE = "--timeline" in sys.argv
BUNDLED = mf.scenarios.path("dprk_russia_timeline" if TIMELINE else "dprk_russia_2023_2024")
TEXT = BUNDLED.read_text()
DATA = mf.Scenario.from_file(BUNDLED).to_dict()
SAMPLES = 100 if TIMELINE else 300

# Numbers an analyst (or a typo) could write, from ordinary to absurd.
NUMBERS = [0, 1, -1, 0.5, 2, 19, 430, 7000, 1e-300, 5e-324, 1e15, 1e16, 2**53 + 1, 1e300]
NUMBERS += [1e308, 2**63 - 1, -(2**63), float("nan"), float("inf"), -float("inf"), 0.999999]
TOML_NUMBERS = [
    "0", "1", "-1", "0.5", "19", "7000", "1e-300", "1e308", "1e16", "nan", "inf", "-inf",
    "9223372036854775807", "18446744073709551615", "0x10", "1_000", "+5", "1e400",
]  # fmt: skip


def number() -> st.SearchStrategy[Any]:
    """Mostly plausible values (rates, counts), often absurd ones."""
    return st.one_of(
        st.floats(0, 1),
        st.floats(0, 1e4),
        st.integers(0, 100),
        st.sampled_from(NUMBERS),
        st.floats(allow_nan=True, allow_infinity=True),
    )


# Families written with a list of numbers (from the table), with how many
# they need; `empirical` takes a list of any length.
FAMILIES = {
    name: sum(default is None for _, default in params) for name, params in mf._core.families()
} | {"empirical": 3}


@st.composite
def distribution(draw: st.DrawFn, depth: int = 0) -> Any:
    """A distribution as a file writes it, parameters anywhere."""
    kind = draw(st.sampled_from([*FAMILIES, "categorical", "truncated", "mixture", "number"]))
    if kind == "number" or (depth > 1 and kind in ("truncated", "mixture")):
        return draw(number())
    if kind == "categorical":
        values = draw(st.lists(number(), min_size=0, max_size=4))
        table: dict[str, Any] = {"values": values}
        if draw(st.booleans()):
            table["weights"] = draw(st.lists(number(), min_size=0, max_size=4))
        return {"categorical": table}
    if kind == "truncated":
        table = {"dist": draw(distribution(depth + 1))}
        for bound in ("lo", "hi"):
            if draw(st.booleans()):
                table[bound] = draw(number())
        return {"truncated": table}
    if kind == "mixture":
        parts = draw(st.lists(distribution(depth + 1), min_size=0, max_size=3))
        return {"mixture": {"components": parts, "weights": [1] * len(parts)}}
    arity = FAMILIES[kind] + draw(st.sampled_from([0, 0, 0, 1, -1]))
    params = [draw(number()) for _ in range(max(arity, 0))]
    return {kind: params[0] if len(params) == 1 and draw(st.booleans()) else params}


def positive() -> st.SearchStrategy[float]:
    """Positive values over many scales, the edges included."""
    return st.one_of(
        st.floats(0.01, 1e4),
        st.sampled_from([1e-300, 1e-12, 1e-6, 1e6, 1e12, 1e15, 2.0**53, 1e300, 1e308]),
    )


@st.composite
def plausible(draw: st.DrawFn) -> Any:
    """A valid law, with parameters from ordinary to extreme: the cases that
    pass validation and reach a run."""
    kind = draw(st.sampled_from(["beta", "pert", "lognormal_ci", "uniform", "gamma", "rate"]))
    if kind == "beta":
        return {"beta": [draw(positive()), draw(positive())]}
    if kind == "rate":
        lo, hi = sorted([draw(st.floats(0, 1)), draw(st.floats(0, 1))])
        return {"uniform": [lo, hi]} if lo < hi else lo
    if kind == "gamma":
        return {"gamma": [draw(positive()), draw(positive())]}
    a, b, c = sorted([draw(positive()), draw(positive()), draw(positive())])
    if kind == "pert" and a < b < c:
        return {"pert": [a, b, c]}
    if kind == "lognormal_ci" and a < c:
        return {"lognormal_ci": [a, c]}
    if a < c:
        return {"uniform": [a, c]}
    return a


def leaf_paths(data: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every path in the scenario dict, tables included."""
    out = []
    if isinstance(data, dict):
        for key, value in data.items():
            out.append((*prefix, key))
            out.extend(leaf_paths(value, (*prefix, key)))
    return out


PATHS = leaf_paths(DATA)


def _is_distribution(value: Any) -> bool:
    return isinstance(value, int | float) or (
        isinstance(value, dict) and len(value) == 1 and next(iter(value)) in FAMILIES
    )


ENTRIES = [p for p in PATHS if len(p) in (2, 3) and p[0] in ("munitions", "channels", "evidence")]
FIELDS = [
    "per_container", "dud_rate", "failure_rate", "interception_rate", "mass_kg",
    "daily_consumption", "tracked", "dark_seen", "p_detect", "prior", "containers_per_voyage",
    "containers", "count", "munition", "category", "periods", "containers_per_period",
    "wagons_per_period", "containers_per_wagon", "label", "source", "bogus",
]  # fmt: skip
OTHER_VALUES = [
    "shell", "missile", "rocket", "uniform", "scale_invariant", "shell_152", "nope", "",
    True, [], {}, [1, 2], {"beta": []}, {"beta": [2, 8], "pert": [1, 2, 3]}, {"betta": [2, 8]},
]  # fmt: skip
if TIMELINE:
    FIELDS = [
        "share", "per_container", "dud_rate", "fired_per_day", "supplied_share", "active",
        "voyages_per_period", "containers_per_voyage", "rounds_per_period", "munition",
        "sharing", "rho", "kind", "quantity", "date", "value", "rel_error", "sd", "level",
        "lower", "upper", "measured", "label", "source", "bogus", "dud_rat", "shareing",
        "tracked", "dark_seen", "p_detect", "prior", "count",
    ]  # fmt: skip
    OTHER_VALUES += [
        "2024-03", "2024-03-15", "2023-07", "2025-07", "2024-02-30", "9999-12-31", "1900-01",
        [["2023-08", "2024-01"]], [["2024-06", "2024-01"]], [["2023-08"]], "persistent",
        "independent", "shared", "week", "day", "measured", "at_least", "between", "count",
        "cumulative.containers", "cumulative.voyages", "shell_152.stock", "ballistic_missile",
    ]  # fmt: skip


class Case:
    """A mutated scenario file; prints as its edits (a failure reads short)."""

    def __init__(self, suffix: str, text: str, edits: list[str]) -> None:
        self.suffix, self.text, self.edits = suffix, text, edits

    def __repr__(self) -> str:
        return f"Case({self.suffix}: " + "; ".join(self.edits) + ")"


@st.composite
def structural_edit(draw: st.DrawFn) -> Case:
    """The bundled scenario with one to three edits, as JSON."""
    data = json.loads(json.dumps(DATA))
    for _ in range(draw(st.integers(1, 3))):
        extra = ["date", "mix", "correlations", "counted"] if TIMELINE else ["estimates", "mix"]
        edit = draw(st.sampled_from(["value"] * 6 + ["set", "drop", "add", *extra]))
        if edit == "correlations":
            names = ["shell_152.dud_rate", "shell_152.per_container", "shell_152.share",
                     "rajin.containers_per_voyage", "rajin.voyages_per_period",
                     "munitions.shell_152.fired_per_day", "ghost"]  # fmt: skip
            inputs = draw(st.lists(st.sampled_from(names), min_size=1, max_size=3))
            rank = draw(st.sampled_from([0.5, -0.9, 1.5, [[1, 0.3], [0.3, 1]]]))
            data.setdefault("correlations", {})["c"] = {"inputs": inputs, "rank_corr": rank}
            continue
        if edit == "counted" and "rajin" in data["channels"]:
            # The rajin channel as voyages counted the way ordinary files do.
            rajin = data["channels"]["rajin"]
            for key in ("voyages_per_period", "sharing", "rho"):
                if draw(st.integers(0, 3)):
                    rajin.pop(key, None)
            rajin["tracked"] = draw(plausible() | st.sampled_from([25, 0]))
            rajin["dark_seen"] = draw(st.sampled_from([19, 0, -1, 2_000_000]))
            rajin["p_detect"] = draw(
                st.sampled_from([{"beta": [4, 4]}, 0, 0.5, {"pert": [0, 1, 2]}])
            )
            continue
        if edit == "date":
            path = draw(st.sampled_from(DATE_PATHS))
            _get(data, path[:-1])[path[-1]] = draw(st.sampled_from(DATES))
            continue
        if edit == "estimates":
            channels = [c for kind in data.get("channels", {}).values() for c in kind]
            names = draw(st.lists(st.sampled_from([*channels, "ghost"]), max_size=3))
            key = draw(st.sampled_from(["defence_minister", "voyages", "third"]))
            data.setdefault("estimates", {})[key] = names
            continue
        if edit == "mix":
            kind = draw(st.sampled_from(["dirichlet", "fixed"]))
            munitions = (
                ["ballistic_missile", "shell_152"] if TIMELINE else ["shell_152", "rocket_122"]
            )
            keys = draw(st.lists(st.sampled_from([*munitions, "other", "x"]), max_size=4))
            data["mix"] = {kind: {k: draw(number()) for k in keys}}
            if TIMELINE and draw(st.booleans()):
                # A timeline file's mix stands in for the munitions' own shares.
                data["munitions"]["shell_152"].pop("share", None)
                if draw(st.booleans()):
                    data["mix"] = {"alternatives": [{"fixed": {"shell_152": 1, "other": 0}},
                                                    {"weight": 3, **data["mix"]}]}  # fmt: skip
            continue
        if edit == "add":
            entry = draw(st.sampled_from(ENTRIES))
            target = _get(data, entry)
            if isinstance(target, dict):
                field = draw(st.sampled_from(FIELDS))
                target[field] = draw(distribution() | st.sampled_from(OTHER_VALUES))
            continue
        path = draw(st.sampled_from(DIST_PATHS if edit == "value" else PATHS))
        parent = _get(data, path[:-1])
        if not isinstance(parent, dict) or path[-1] not in parent:
            continue
        if edit == "drop":
            del parent[path[-1]]
        elif edit == "value":
            parent[path[-1]] = draw(plausible() | plausible() | distribution())
        else:
            parent[path[-1]] = draw(distribution() | number() | st.sampled_from(OTHER_VALUES))
    edits = describe_changes(DATA, data)
    return Case("json", json.dumps(data), edits)


def describe_changes(old: Any, new: Any, prefix: str = "") -> list[str]:
    """`path = value` for what changed between two scenario dicts."""
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for key in dict.fromkeys([*old, *new]):
            path = f"{prefix}.{key}" if prefix else key
            if key not in new:
                out.append(f"del {path}")
            elif key not in old:
                out.append(f"{path} = {new[key]!r}")
            else:
                out.extend(describe_changes(old[key], new[key], path))
        return out
    return [] if json.dumps(old) == json.dumps(new) else [f"{prefix} = {new!r}"]


def _get(data: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


DIST_PATHS = [p for p in PATHS if _is_distribution(_get(DATA, p))]
DATE_PATHS = [p for p in PATHS if p[-1] in ("start", "end", "date")]
DATES = [
    "2023-08", "2023-12", "2024-02-29", "2025-06", "2025-06-30", "2023-07-31", "2025-07",
    "2026-01", "2030-12-31", "2200-12", "2024-13", "2023-02-29", "24-03", "", "2024-03-1",
]  # fmt: skip


ASSIGNMENT = re.compile(r"^(\s*[\w.\"-]+\s*=\s*)(.+)$")
LINES = TEXT.splitlines()
ASSIGNMENT_LINES = [i for i, line in enumerate(LINES) if ASSIGNMENT.match(line)]
VALUE_LINES = [
    i for i in ASSIGNMENT_LINES if re.match(r"^\s*[\w-]+\s*=\s*(\{ *[a-z_]+ = |[-\d])", LINES[i])
]


@st.composite
def text_edit(draw: st.DrawFn) -> Case:
    """The bundled TOML text with one to three line edits."""
    lines = list(LINES)
    edits: list[str] = []
    for _ in range(draw(st.integers(1, 3))):
        edit = draw(st.sampled_from(["value"] * 6 + ["drop", "double", "garble"]))
        i = draw(st.sampled_from(VALUE_LINES if edit == "value" else ASSIGNMENT_LINES))
        if i >= len(lines):
            continue
        match = ASSIGNMENT.match(lines[i])
        if edit == "drop":
            edits.append(f"line {i + 1} dropped: {lines[i]!r}")
            del lines[i]
        elif edit == "double":
            edits.append(f"line {i + 1} doubled: {lines[i]!r}")
            lines.insert(i, lines[i])
        elif edit == "garble":
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
            edits.append(f"line {i + 1} cut to {lines[i]!r}")
        elif match:
            value = draw(
                plausible().map(toml_inline)
                | distribution().map(toml_inline)
                | st.sampled_from(TOML_NUMBERS)
                | st.sampled_from(['"x"', "[]", "{}", "true", "[1, 2]", "{ beta = [2] }"])
            )
            lines[i] = match.group(1) + value
            edits.append(f"line {i + 1} = {lines[i]!r}")
    return Case("toml", "\n".join(lines) + "\n", edits)


def toml_inline(value: Any) -> str:
    """A value as TOML inline syntax (NaN and infinities as TOML spells them)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_inline(v) for v in value) + "]"
    return "{ " + ", ".join(f"{k} = {toml_inline(v)}" for k, v in value.items()) + " }"


class Checker:
    def __init__(self, log: Path, workdir: Path) -> None:
        self.log = log.open("w")
        self.workdir = workdir
        self.counts = {"ran": 0, "refused": 0, "failed at run time": 0}

    def check_file(self, path: Path, case: Case) -> None:
        self.log.write(f"{case!r}\n")
        self.log.flush()
        status, err = validate(path)
        if status == 2:
            self.counts["refused"] += 1
            assert_located(err, path)
            return
        assert status == 0, (status, err)
        sc = mf.Scenario.from_file(path)
        if TIMELINE:
            self.check_timeline(sc)
            return
        try:
            res = sc.run(n=SAMPLES, seed=1, threads=2, progress=False)
        except mf.ModelError as e:
            self.counts["failed at run time"] += 1
            message = str(e)
            assert "\n" not in message, message
            assert e.file == str(path) and e.path, message
            assert message.startswith(f"{path}:") and f": {e.path}: " in message, message
            return
        self.counts["ran"] += 1
        check_consistent(res)

    def check_timeline(self, sc: Any) -> None:
        assert isinstance(sc, mf.TimelineScenario), type(sc)
        try:
            prior = sc.without("evidence") if "evidence" in sc.to_dict() else sc
            res = prior.run(SAMPLES, seed=1, threads=2, progress=False)
        except mf.ModelError as e:
            self.counts["failed at run time"] += 1
            message = str(e)
            assert "\n" not in message, message
            assert e.file and e.path and message.startswith(f"{e.file}"), message
            assert f": {e.path}: " in message, message
            return
        self.counts["ran"] += 1
        check_timeline_consistent(res, sc)


def check_timeline_consistent(res: Any, sc: Any) -> None:
    series = {name: res.series(name) for name in sc.model.series}
    for name, values in series.items():
        assert np.isfinite(values).all(), name
        if name.startswith(("cumulative.", "functioning.")) or name.endswith(".wanted"):
            assert (np.diff(values, axis=1) >= 0).all(), name
    if "voyages" in series:
        voyages = series["voyages"]
        assert (voyages >= 0).all()
        # Poisson voyages are whole each period; a counted total spread evenly is not.
        channels = sc.to_dict()["channels"].values()
        if all("voyages_per_period" in c or "munition" in c for c in channels):
            assert (voyages == np.floor(voyages)).all()
        assert (series["containers"] >= 0).all()
    for munition in sc.munitions:
        if f"cumulative.{munition}" in series:
            assert (series[f"functioning.{munition}"] <= series[f"cumulative.{munition}"]).all()
        if f"{munition}.stock" in series:
            assert (series[f"{munition}.stock"] >= 0).all(), munition


def validate(path: Path) -> tuple[int, str]:
    """``munflow validate FILE`` in this process: (exit status, stderr)."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        status = cli.main(["validate", str(path)])
    return status, err.getvalue()


def assert_located(stderr: str, path: Path) -> None:
    """One line per problem (at most 20, then a count), each located."""
    lines = stderr.strip().splitlines()
    assert 1 <= len(lines) <= 21, stderr
    if len(lines) == 21:
        assert re.fullmatch(r"munflow: error: \.\.\. and \d+ more problems", lines.pop()), stderr
    head = f"munflow: error: {path}"
    for line in lines:
        assert line.startswith(head), stderr
        rest = line[len(head) :]
        # Either a line number, or a field path, or both.
        assert re.match(r"^(:\d+)?: \S", rest), stderr
        assert re.match(r"^:\d+: ", rest) or re.match(r"^: [a-z_]+(\.[\w\[\]-]+)*: ", rest), stderr


def check_consistent(res: mf.ScenarioResults) -> None:
    info = res.output_info
    for name in res.outputs:
        assert np.isfinite(res[name]).all(), name
    for (munition, estimate), rows in info.groupby(["munition", "estimate"], dropna=False):
        by_quantity = {q: res[name] for name, q in zip(rows.index, rows["quantity"], strict=True)}
        delivered = by_quantity.get("delivered")
        functioning = by_quantity.get("functioning")
        if delivered is not None:
            assert (delivered >= 0).all() and (delivered == np.floor(delivered)).all(), munition
        if delivered is not None and functioning is not None:
            assert (functioning <= delivered).all(), (munition, estimate)
        reaching = by_quantity.get("reaching_target")
        if reaching is not None and functioning is not None:
            assert (reaching <= functioning).all(), (munition, estimate)
    for (_estimate, quantity), rows in info.groupby(["estimate", "quantity"], dropna=False):
        total = rows[rows["munition"] == "total"]
        parts = rows[rows["munition"] != "total"]
        if len(total) and len(parts) and not quantity.startswith(("containers", "days_of_fire")):
            summed = sum(res[name] for name in parts.index)
            np.testing.assert_allclose(res[total.index[0]], summed, rtol=1e-12, err_msg=quantity)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--log", type=Path, required=True)
    parser.add_argument("--examples", type=int, default=500)
    parser.add_argument("--timeline", action="store_true", help="mutate the timeline file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        checker = Checker(args.log, Path(tmp))
        count = [0]

        @settings(
            max_examples=args.examples,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(structural_edit() | text_edit())
        def search(case: Case) -> None:
            count[0] += 1
            path = Path(tmp) / f"case{count[0]}.{case.suffix}"
            path.write_text(case.text)
            checker.check_file(path, case)

        search()
    print(
        f"{count[0]} mutated {'timeline files' if TIMELINE else 'scenarios'}: "
        + ", ".join(f"{v} {k}" for k, v in checker.counts.items())
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
