"""``munflow run`` for timeline files: a per-period table of the main
series (``--every K`` for a compact one), the dated statements' verdicts,
and tidy CSV or JSON (one record per series and period)."""

from __future__ import annotations

import io
import json
import sys
from typing import Any, TextIO

from munflow.formatting import readable

#: The series the table shows, when the scenario has them, in this order.
HEADLINE = (
    "cumulative.containers",
    "functioning.shell_152",
    "shell_152.days_of_fire",
    "shell_152.stock",
    "cumulative.ballistic_missile",
)

RANGE = [0.05, 0.5, 0.95]


def render(scenario: Any, args: Any) -> str:
    """Runs a timeline scenario as the CLI's options say; returns its tables."""
    if args.scheduler:
        raise ValueError("--scheduler is not available for timeline files yet; run them locally")
    progress = None if sys.stderr.isatty() else False
    options: dict[str, Any] = {"progress": progress, "store_inputs": False}
    if args.summary_only:
        options = {"progress": progress, "store": "summary", "quantiles": RANGE}
    res = scenario.run(args.samples, args.seed, **options)
    table = res.period_summary(quantiles=RANGE)
    text = io.StringIO()
    if args.format == "csv":
        table.to_csv(text, index=False, date_format="%Y-%m-%d")
    elif args.format == "json":
        _json(scenario, res, table, text)
    else:
        _table(scenario, res, table, text, args.every)
    return text.getvalue()


def _shown(res: Any) -> list[str]:
    series = res.model.series
    return [s for s in HEADLINE if s in series] or series[:5]


def _table(scenario: Any, res: Any, table: Any, out: TextIO, every: int) -> None:
    print(
        f"{scenario.title or 'timeline scenario'}\nn = {res.n:,} samples, seed = {res.seed}",
        file=out,
    )
    posterior = getattr(res.results, "method", None)
    if posterior:
        names = ", ".join(res.results.observations)
        print(
            f"posterior given {names} ({posterior}, {readable(res.results.ess)} effective samples)",
            file=out,
        )
    labels = res.timeline.labels
    keep = [i for i in range(len(labels)) if i % every == 0 or i == len(labels) - 1]
    for name in _shown(res):
        rows = table[table["quantity"] == name].reset_index(drop=True)
        print(f"\n{name} (median [5%, 95%])", file=out)
        for i in keep:
            r = rows.iloc[i]
            print(
                f"  {labels[i]}  {readable(r['p50']):>12}  "
                f"[{readable(r['p5'])}, {readable(r['p95'])}]",
                file=out,
            )
    if posterior:
        check = res.results.check_evidence()
        print("\ndated statements:", file=out)
        width = max(len(n) for n in check.index)
        for name, row in check.iterrows():
            print(f"  {name.ljust(width)}  {row['description']}: {row['verdict']}", file=out)


def _json(scenario: Any, res: Any, table: Any, out: TextIO) -> None:
    records = table.assign(date=table["date"].dt.strftime("%Y-%m-%d")).to_dict("records")
    doc = {"title": scenario.title, "n": res.n, "seed": res.seed, "periods": records}
    json.dump(doc, out, indent=2, default=float)
    out.write("\n")
