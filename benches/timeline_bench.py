"""What a timeline costs: the bundled timeline scenario stretched to 36
monthly periods, 1e6 samples, every series summarised per period.

    .venv/bin/python benches/timeline_bench.py                 # n = 1e6, 36 months
    .venv/bin/python benches/timeline_bench.py --n 1e5 --months 24

The run is summary-only (per-period summaries from the summary sink: exact
quantiles, no sample kept) and without the dated statements, which would
need tempering and so every sample in memory. Prints the wall time, the
process's peak resident memory (targets: <= 10 s and <= 2 GiB on the 2-core
machine) and the number of output columns summarised.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time

from munflow import scenarios
from munflow.timeline import TimelineScenario


def stretched(months: int) -> TimelineScenario:
    """The bundled timeline with its end moved so that it has `months` periods."""
    text = scenarios.path("dprk_russia_timeline").read_text(encoding="utf-8")
    year, month = divmod(2023 * 12 + 7 + months - 1, 12)
    end = f"{year:04d}-{month + 1:02d}"
    text = text.replace('end = "2025-06"', f'end = "{end}"').replace('"2025-06"]', f'"{end}"]')
    return TimelineScenario(text, f"dprk_russia_timeline ({months} months)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=float, default=1e6)
    parser.add_argument("--months", type=int, default=36)
    args = parser.parse_args()
    n = int(args.n)
    scenario = stretched(args.months)
    model = scenario.model.without_evidence()
    assert len(model.timeline) == args.months, model.timeline
    columns = len(model.model.outputs)
    start = time.perf_counter()
    res = model.run(n, seed=1, store="summary", progress=False)
    table = res.period_summary()
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"timeline: {model.timeline!r}, {len(model.series)} series, {columns} output columns")
    print(f"n = {n:,}: wall {wall:.2f} s, peak RSS {peak:,.0f} MiB, {len(table)} period rows")
    last = table[table["quantity"] == "cumulative.containers"].iloc[-1]
    print(
        f"cumulative containers by {last['period']}: median {last['p50']:,.0f} "
        f"[{last['p5']:,.0f}, {last['p95']:,.0f}]"
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
