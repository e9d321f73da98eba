"""The ``munflow`` command line: run, check and demo scenario files.

::

    munflow run FILE [--samples N] [--seed S] [--format table|csv|json] [--output PATH]
                     [--words icd203|nato|phia]
    munflow validate FILE
    munflow demo

Every user error (a bad scenario file, a value only a run can find, an
impossible option) exits with status 2 and one line naming what is wrong (for
a scenario: the file, the line and the field); no traceback. ``--output``
replaces the file only once the whole result is ready.
"""

from __future__ import annotations

import argparse
import functools
import io
import json
import math
import sys
from collections.abc import Sequence
from typing import Any, NoReturn, TextIO

from munflow import scenarios
from munflow._core import ScenarioError
from munflow.formatting import readable
from munflow.io import atomic
from munflow.results.facets import PosteriorResults, SummaryResults
from munflow.scenario import Scenario, ScenarioResults
from munflow.words import DEFAULT_SCALE, SCALES, describe, samples_behind

#: The ranges the command line reports, as quantile levels.
RANGE = (0.05, 0.5, 0.95)
DEFAULT_SAMPLES = 100_000
#: `munflow demo` is reproducible: the same numbers every time.
DEMO_SEED = 2024

EXIT_OK, EXIT_ERROR, EXIT_BAD_INPUT = 0, 1, 2


#: The largest --samples accepted (a double holds every whole number up to it).
MAX_SAMPLES = 2**53


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``munflow`` script; returns the exit status."""
    try:
        args = _parser().parse_args(argv)
        return args.command(args)
    except _UsageError as err:
        print(f"munflow: error: {err} (see munflow --help)", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (ValueError, MemoryError, OSError, ImportError) as err:
        # ScenarioError and ModelError are ValueErrors whose messages name the
        # file, line and field; a MemoryError is a run too large for this
        # machine; an ImportError an optional dependency missing (dask for
        # --scheduler), which says what to install. One line, no traceback.
        for line in _problem_lines(err):
            print(f"munflow: error: {line}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("munflow: interrupted", file=sys.stderr)
        return 130
    except RuntimeError as err:
        # A Rust panic arrives as "munflow internal error (please report
        # it): ...": a bug, said in one line rather than a traceback.
        print(f"munflow: error: {_one_line(err)}", file=sys.stderr)
        return EXIT_ERROR


class _UsageError(Exception):
    """A command line argparse rejects: reported as one line, exit 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _UsageError(message)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="munflow",
        description="Honest ranges for munitions flows, by Monte Carlo simulation.",
    )
    sub = parser.add_subparsers(dest="name", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run a scenario file and print ranges for every output")
    run.add_argument("file", metavar="FILE", help="scenario file (.toml, or .json)")
    _add_run_options(run, seed=None)
    run.add_argument(
        "--every",
        type=_positive_int,
        metavar="K",
        help="timeline files: show every K-th period in the table (the last one always)",
    )
    run.set_defaults(command=_run)

    demo = sub.add_parser("demo", help="run the bundled DPRK -> Russia 2023-2024 scenario")
    _add_run_options(demo, seed=DEMO_SEED)
    demo.set_defaults(command=_demo)

    page = sub.add_parser("report", help="run a scenario file and write a report page (HTML)")
    page.add_argument("file", metavar="FILE", help="scenario file (.toml, or .json)")
    page.add_argument(
        "--output", "-o", metavar="PATH", required=True, help="the HTML file to write"
    )
    _add_sampling_options(page, seed=DEMO_SEED, seed_says="a report is reproducible")
    page.set_defaults(command=_report)

    check = sub.add_parser("validate", help="check a scenario file without running it")
    check.add_argument("file", metavar="FILE")
    check.set_defaults(command=_validate)
    return parser


def _add_sampling_options(
    parser: argparse.ArgumentParser, *, seed: int | None, seed_says: str = ""
) -> None:
    """``--samples``/``-n`` and ``--seed``, as every command that runs takes them."""
    parser.add_argument(
        "--samples",
        "-n",
        type=_positive_int,
        default=DEFAULT_SAMPLES,
        metavar="N",
        help=f"number of Monte Carlo samples (default {DEFAULT_SAMPLES:,})",
    )
    default = "a fresh one, printed" if seed is None else str(seed)
    parser.add_argument(
        "--seed",
        type=_seed,
        default=seed,
        metavar="S",
        help=f"random seed (default: {default}{': ' + seed_says if seed_says else ''})",
    )


def _add_run_options(parser: argparse.ArgumentParser, *, seed: int | None) -> None:
    _add_sampling_options(parser, seed=seed)
    parser.add_argument(
        "--format",
        choices=("table", "csv", "json"),
        default="table",
        help="output format (default: table)",
    )
    parser.add_argument("--output", "-o", metavar="PATH", help="write to PATH instead of stdout")
    parser.add_argument(
        "--words",
        choices=tuple(SCALES),
        default=DEFAULT_SCALE,
        help=f"the scale probabilities are said in (default: {DEFAULT_SCALE}; see munflow.words)",
    )
    parser.add_argument(
        "--summary-only",
        action="store_true",
        help="keep no samples: memory does not grow with N (same numbers as a run in memory)",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        type=_address,
        help="run on the Dask cluster whose scheduler is at ADDRESS (implies --summary-only)",
    )


def _positive_int(text: str) -> int:
    """A sample count: ``100000``, ``100_000`` or ``1e5`` (a whole number)."""
    cleaned = text.replace("_", "")
    try:
        value = int(cleaned)
    except ValueError:
        try:
            number = float(cleaned)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if not (math.isfinite(number) and number.is_integer()):
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        value = int(number)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {text}")
    if value > MAX_SAMPLES:
        raise argparse.ArgumentTypeError(f"must be at most 2**53 = {MAX_SAMPLES:,}, got {text}")
    return value


def _address(text: str) -> str:
    """A scheduler's address: an empty one would quietly run here instead."""
    if not text.strip():
        raise argparse.ArgumentTypeError("expected the scheduler's address, got an empty one")
    return text


def _seed(text: str) -> int:
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 0 <= value < 2**64:
        raise argparse.ArgumentTypeError(f"must be in [0, 2**64), got {value}")
    return value


def _run(args: argparse.Namespace) -> int:
    sc = Scenario.from_file(args.file)
    if not isinstance(sc, Scenario):
        from munflow.cli import timeline as timeline_cli

        args.every = args.every or 1
        return _write(timeline_cli.render(sc, args), args)
    if args.every is not None:
        raise _UsageError(f"--every is for timeline files; {args.file} has no [timeline] table")
    return _run_scenario(sc, args)


def _report(args: argparse.Namespace) -> int:
    progress = None if sys.stderr.isatty() else False
    sc = Scenario.from_file(args.file)
    if isinstance(sc, Scenario):
        res: Any = sc.run(args.samples, args.seed, progress=progress)
    else:
        res = sc.run(args.samples, args.seed, progress=progress, store_inputs=False)
    path = res.report(args.output)  # its footer hashes the text that ran
    print(f"wrote {path}", file=sys.stderr)
    return EXIT_OK


def _demo(args: argparse.Namespace) -> int:
    return _run_scenario(scenarios.load(), args)


def _validate(args: argparse.Namespace) -> int:
    sc = Scenario.from_file(args.file)
    if not isinstance(sc, Scenario):
        tl = sc.timeline
        print(
            f"{args.file}: ok ({len(sc.munitions)} munitions, {len(sc.model.series)} series "
            f"over {len(tl)} {tl.period}s, {len(sc.model.evidence)} dated statements)"
        )
        return EXIT_OK
    sc.validate()
    outputs = len(sc.outputs())
    print(f"{args.file}: ok ({len(sc.munitions)} munitions, {outputs} outputs)")
    return EXIT_OK


def _run_scenario(sc: Scenario, args: argparse.Namespace) -> int:
    # A bar only on a terminal (and only for runs longer than about a second).
    progress = None if sys.stderr.isatty() else False
    if args.scheduler is not None:
        res = _on_cluster(sc, args)
    elif args.summary_only:
        res = sc.run(args.samples, args.seed, progress=progress, store="summary")
    else:
        res = sc.run(args.samples, args.seed, progress=progress)
    render = {
        "table": functools.partial(_table, scale=args.words),
        "csv": _csv,  # no probability in its rows
        "json": functools.partial(_json, scale=args.words),
    }[args.format]
    text = io.StringIO()
    render(res, text)
    return _write(text.getvalue(), args)


def _write(text: str, args: argparse.Namespace) -> int:
    """Writes a run's text to ``--output`` (replacing the file whole) or stdout."""
    if args.output:
        atomic.write_text(args.output, text)
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _on_cluster(sc: Scenario, args: argparse.Namespace) -> Any:
    """The scenario's summary-only run on the Dask cluster at ``--scheduler``."""
    from distributed import Client

    from munflow import dask as mf_dask  # ImportError says what to install

    del mf_dask  # imported for its message when dask is missing
    with Client(args.scheduler) as client:
        return sc.run(args.samples, args.seed, client=client)


def _with_draws(res: ScenarioResults) -> bool:
    """A posterior that kept its draws: its prior and checks can be shown
    (a summary-only posterior keeps neither)."""
    return isinstance(res, PosteriorResults) and not isinstance(res, SummaryResults)


def _rows(res: ScenarioResults) -> list[dict[str, object]]:
    """One record per output: its name, what it measures, and its range."""
    table = res.summary(RANGE, grouped=False)
    meta = res.output_info
    prior = res.prior.summary([0.5]) if _with_draws(res) else None
    return [
        {
            "output": name,
            "munition": meta.at[name, "munition"],
            "quantity": meta.at[name, "quantity"],
            "estimate": meta.at[name, "estimate"],
            "p5": row["p5"],
            "p50": row["p50"],
            "p95": row["p95"],
            "mean": row["mean"],
            **({} if prior is None else {"prior p50": prior.at[name, "p50"]}),
        }
        for name, row in table.iterrows()
    ]


def _table(res: ScenarioResults, out: TextIO, *, scale: str = DEFAULT_SCALE) -> None:
    title = res.scenario.title or "scenario"
    print(f"{title}\nn = {res.n:,} samples, seed = {res.seed}", file=out)
    posterior = _with_draws(res)
    if posterior:
        print(
            f"posterior given {', '.join(res.observations)} "
            f"({res.method}, {readable(res.ess)} effective samples)",
            file=out,
        )
    print(file=out)
    rows = _rows(res)
    headers = ["output", "p5", "p50", "p95", "mean"] + (["prior p50"] if posterior else [])
    cells = [[str(r["output"])] + [readable(r[h]) for h in headers[1:]] for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        first = values[0].ljust(widths[0])
        rest = (v.rjust(w) for v, w in zip(values[1:], widths[1:], strict=True))
        return "  ".join([first, *rest]).rstrip()

    print(line(headers), file=out)
    print(line(["-" * w for w in widths]), file=out)
    group = None
    for r, c in zip(rows, cells, strict=True):
        if group is not None and r["munition"] != group:
            print(file=out)
        group = r["munition"]
        print(line(c), file=out)
    if posterior:
        _evidence(res, out)
    compare = res.compare(scale=scale)
    if len(compare):
        samples = samples_behind(res)
        kind = "effective samples" if posterior else "samples"
        print(
            f"\nalternative estimates of the containers (words: {SCALES[scale].title}, "
            f"95% interval from {readable(samples)} {kind}):",
            file=out,
        )
        for _, row in compare.iterrows():
            said = describe(row["P(a > b)"], n=samples, scale=scale)
            lo, hi = said.interval  # type: ignore[misc]  (read from n)
            print(
                f"  P({row['a']} > {row['b']}) = {row['P(a > b)']:.3f}: {said.words}"
                f" ({readable(lo)}-{readable(hi)})",
                file=out,
            )
            print(f"    {row['a']}: {_range(row, 'a')}; {row['b']}: {_range(row, 'b')}", file=out)


def _evidence(res: PosteriorResults, out: TextIO) -> None:
    """What each observation says, whether it agrees with the rest, and
    what the evidence moved."""
    check = res.check_evidence()
    print("\nevidence:", file=out)
    width = max(len(name) for name in check.index)
    for name, row in check.iterrows():
        p = row["p_given_others"]
        where = "" if math.isnan(p) else f" (p = {p:.2g} given the other sources)"
        print(f"  {name.ljust(width)}  {row['description']}", file=out)
        print(f"  {''.ljust(width)}  {row['verdict']}{where}", file=out)
    table = res.prior_posterior()
    print(
        "\nwhat the evidence moved (median, prior -> posterior; width of the 90% range):", file=out
    )
    width = max(len(name) for name in table.index)
    for name, row in table.iterrows():
        before, after = row[("prior", "p50")], row[("posterior", "p50")]
        change = row[("change", "median")]
        narrowed = row[("change", "range")]
        print(
            f"  {name.ljust(width)}  {readable(before)} -> {readable(after)} ({change:+.0%});"
            f" range {narrowed:+.0%}",
            file=out,
        )


def _range(row: Any, side: str) -> str:
    """`median [p5, p95]` of one side of a comparison."""
    return (
        f"{readable(row[f'{side}_p50'])} "
        f"[{readable(row[f'{side}_p5'])}, {readable(row[f'{side}_p95'])}]"
    )


def _csv(res: ScenarioResults, out: TextIO) -> None:
    """The outputs' ranges, one row each (comparisons are in the table and JSON)."""
    import csv

    rows = _rows(res)
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: ("" if v is None else v) for k, v in r.items()} for r in rows)


def _json(res: ScenarioResults, out: TextIO, *, scale: str = DEFAULT_SCALE) -> None:
    samples = samples_behind(res)
    doc = {
        "title": res.scenario.title,
        "n": res.n,
        "seed": res.seed,
        "outputs": [{k: _plain(v) for k, v in r.items()} for r in _rows(res)],
        "comparisons": [
            {
                **{k: _plain(v) for k, v in row.items()},
                # The words with what they rest on: terms, interval, level, samples.
                "likelihood": describe(row["P(a > b)"], n=samples, scale=scale).as_dict(),
            }
            for row in res.compare(scale=scale).to_dict("records")
        ],
    }
    if _with_draws(res):
        check = res.check_evidence()
        doc["posterior"] = {
            "method": res.method,
            "effective_samples": res.ess,
            "evidence": [
                {"observation": name, **{k: _plain(v) for k, v in row.items()}}
                for name, row in check.iterrows()
            ],
        }
    json.dump(doc, out, indent=2)
    out.write("\n")


def _plain(value: object) -> object:
    """numpy scalars to Python ones, NaN to null (JSON has no NaN)."""
    if hasattr(value, "item"):
        value = value.item()  # type: ignore[union-attr]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split())


def _problem_lines(err: BaseException) -> list[str]:
    """One line per problem: a scenario file's problems each on its line
    (its message lists them, capped, one per line), anything else as one."""
    if isinstance(err, ScenarioError) and len(getattr(err, "errors", ())) > 1:
        return [" ".join(line.split()) for line in str(err).splitlines()]
    return [_one_line(err)]
