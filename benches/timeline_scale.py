"""How a timeline's cost grows with its periods: the bundled timeline scenario
at daily resolution, 122, 212, 365 and 731 days from 1 August 2023.

    .venv/bin/python benches/timeline_scale.py                  # n = 10,000
    .venv/bin/python benches/timeline_scale.py --days 731 --n 1e4
    .venv/bin/python benches/timeline_scale.py --no-evidence    # the prior only

The file is the bundled ``dprk_russia_timeline.toml`` with ``period = "day"``
and its end (and every active range's end) moved so the timeline has the
given number of days (a channel starting after a short timeline's end starts
on its last day; statements dated after it are dropped), and its monthly
rates (voyages, missiles) divided by 30.44 to be daily, so that the dated
statements say about what they say monthly. Each size prints:

* read: reading the file and building the graph (Python);
* run: ``scenario.run(n, seed=1)``, which plans the graph (stream keys,
  evaluation order, buffers) and evaluates it, with the dated statements as
  evidence unless ``--no-evidence``;
* the number of output columns.

Planning should grow about linearly with the periods: 731 days should cost
about 6 times 122 days, not 36 times.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

from munflow import scenarios
from munflow.timeline import TimelineScenario

START = dt.date(2023, 8, 1)
DAYS_A_MONTH = 365.25 / 12


def daily_text(days: int) -> str:
    """The bundled timeline's text, daily, over `days` days from START."""
    text = scenarios.path("dprk_russia_timeline").read_text(encoding="utf-8")
    last = START + dt.timedelta(days=days - 1)
    text = (
        text.replace('period = "month"', 'period = "day"')
        .replace('start = "2023-08"', f'start = "{START.isoformat()}"')
        .replace('end = "2025-06"', f'end = "{last.isoformat()}"')
        .replace('"2025-06"]', f'"{last.isoformat()}"]')
    )
    # The file's rates are per month: per day they are a month's over 30.44.
    for monthly in (
        "voyages_per_period = { lognormal_ci = [7, 16] }",
        "rounds_per_period = { lognormal_ci = [3, 20] }",
    ):
        low, high = (float(x) for x in monthly.split("[")[1].rstrip("] }").split(","))
        daily = monthly.split("[")[0] + f"[{low / DAYS_A_MONTH:.6g}, {high / DAYS_A_MONTH:.6g}] }}"
        assert monthly in text, monthly
        text = text.replace(monthly, daily)
    # A short timeline ends before some dates of the file: a channel starting
    # later starts on its last day, and a statement dated later is dropped.
    head, *statements = text.split("\n[evidence.")
    kept = [
        table
        for table in statements
        if dt.date.fromisoformat(table.split('date = "')[1][:7] + "-01") <= last
    ]
    text = "\n[evidence.".join([head, *kept])
    for month in ("2023-12", "2024-02", "2024-05"):
        if dt.date.fromisoformat(month + "-01") > last:
            text = text.replace(f'"{month}"', f'"{last.isoformat()}"')
    return text


def daily(days: int, folder: Path) -> TimelineScenario:
    """The daily scenario of `days` days, read from a file as a user would."""
    path = folder / f"dprk_russia_daily_{days}.toml"
    path.write_text(daily_text(days), encoding="utf-8")
    return TimelineScenario.from_file(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=float, default=1e4)
    parser.add_argument("--days", type=int, nargs="+", default=[122, 212, 365, 731])
    parser.add_argument("--no-evidence", action="store_true")
    args = parser.parse_args()
    n = int(args.n)
    with tempfile.TemporaryDirectory() as folder:
        for days in args.days:
            start = time.perf_counter()
            scenario = daily(days, Path(folder))
            read = time.perf_counter() - start
            assert len(scenario.timeline) == days, scenario.timeline
            model = scenario.model.without_evidence() if args.no_evidence else scenario
            start = time.perf_counter()
            res = model.run(n, seed=1, progress=False)
            run = time.perf_counter() - start
            columns = len(scenario.model.model.outputs)
            print(
                f"{days:4d} days: read {read:6.2f} s, run {run:6.2f} s, "
                f"total {read + run:6.2f} s ({columns} output columns, n = {n:,}, "
                f"{type(res).__name__})"
            )
            sys.stdout.flush()


if __name__ == "__main__":
    main()
