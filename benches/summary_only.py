"""Summary-only runs at scale: time and peak memory against a run in memory.

    .venv/bin/python benches/summary_only.py                 # 1e9 summary-only vs 1e7 in memory
    .venv/bin/python benches/summary_only.py --n 1e8 --memory-n 1e7

The reference model of ``compare_numpy.py`` (five outputs) is run twice, each
in a fresh Python process that reads its own peak resident set size
(``ru_maxrss``) after the imports and after the run:

* in memory at ``--memory-n`` (1e7 by default): ``run(...)`` then
  ``summary()`` (p5, p50, p95 and the mean);
* summary-only at ``--n`` (1e9 by default): ``run(..., store="summary")``,
  which keeps no column: a pilot of the first chunks, a pass for the sums and
  histograms, and a pass for the values of the buckets that hold the quantiles.

The cost per sample of each is printed, with their ratio (target <= 2.2: the
price of drawing every sample twice). With ``--check`` the summary-only run is
also made at ``--memory-n`` and compared with the in-memory one (they must be
identical).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

QS = (0.05, 0.5, 0.95)


def _side(mode: str, n: int, seed: int, threads: int | None) -> None:
    import resource

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import munflow as mf

    from compare_numpy import munflow_model

    def rss() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    base = rss()
    start = time.perf_counter()
    model = mf.Model(munflow_model())
    if mode == "memory":
        table = model.run(n, seed, threads=threads, store_inputs=False, progress=False).summary(QS)
    else:
        res = model.run(n, seed, threads=threads, store="summary", quantiles=QS, progress=False)
        table = res.summary()
    elapsed = time.perf_counter() - start
    print(
        json.dumps(
            {"seconds": elapsed, "base_mib": base, "peak_mib": rss(), "table": table.to_dict()}
        )
    )


def _child(mode: str, n: int, seed: int, threads: int | None) -> dict:
    cmd = [sys.executable, __file__, "--side", mode, "--n", str(n), "--seed", str(seed)]
    if threads:
        cmd += ["--threads", str(threads)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=float, default=1e9)
    parser.add_argument("--memory-n", type=float, default=1e7)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--side", choices=["memory", "summary"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    n, m = int(args.n), int(args.memory_n)
    if args.side:
        _side(args.side, n, args.seed, args.threads)
        return
    kept = _child("memory", m, args.seed, args.threads)
    streamed = _child("summary", n, args.seed, args.threads)
    per_kept = kept["seconds"] / m * 1e9
    per_streamed = streamed["seconds"] / n * 1e9
    print("reference model (5 outputs), p5/p50/p95 and mean")
    for label, size, r, per in [
        ("in memory", m, kept, per_kept),
        ("summary-only", n, streamed, per_streamed),
    ]:
        print(
            f"  {label:13s} n = {size:>14,}  {r['seconds']:8.2f} s  {per:6.1f} ns/sample  "
            f"peak RSS {r['peak_mib']:7.1f} MiB (after imports {r['base_mib']:.1f})"
        )
    print(f"  cost per sample, summary-only / in memory: {per_streamed / per_kept:.2f}x")
    if args.check:
        same = _child("summary", m, args.seed, args.threads)
        identical = same["table"] == kept["table"]
        print(f"  summary-only at n = {m:,} identical to in memory: {identical}")


if __name__ == "__main__":
    main()
