"""munflow against plain numpy on the reference model of issue 2.

    .venv/bin/python benches/compare_numpy.py              # n = 1e6 and 1e7
    .venv/bin/python benches/compare_numpy.py --n 2e6      # one or more sizes
    .venv/bin/python benches/compare_numpy.py --quick      # n = 1e5, a smoke run
    .venv/bin/python benches/compare_numpy.py --repeat 5   # best of 5 fresh runs a side

The model: 7,000-odd containers (lognormal, 90% in 6,000-8,000), a beta share of
them holding 152 mm shells and a share of the rest holding 122 mm rockets, PERT
rounds per container, beta dud rates and binomial thinning to functioning rounds,
plus some 50 missiles (Poisson) of which about half work. Outputs: shells,
good_shells, rockets, good_rockets, good_missiles.

What is timed. Each side is timed from building the model to having the summary:
numpy draws with ``numpy.random.default_rng`` (vectorised, one array per
quantity, as an analyst would write it) and then takes ``np.percentile`` at
5/50/95 and the mean of every output; munflow builds the expression graph, runs
it (``store_inputs=False``, no progress bar, all cores unless ``--threads``) and
computes ``res.summary(quantiles=(0.05, 0.5, 0.95))``, which includes the mean.
Imports are not timed. numpy uses one core (its generators are single-threaded);
munflow uses the cores it is given: the comparison is what an analyst waits for.
The CPU time of each side (all its threads) is printed too: on a machine shared
with other work it shows the cost that wall time can blur.

How memory is measured. Each side runs in its own fresh Python process (this
script re-invoking itself with ``--side``), so neither inherits the other's heap
or allocator caches. The child reads its own peak resident set size,
``resource.getrusage(RUSAGE_SELF).ru_maxrss``, twice: after its imports (the
baseline: interpreter, numpy, and for munflow also pandas and the extension) and
right after the timed section (the peak). Both are reported, with their
difference, the memory the model itself needed. The agreement statistics below
are computed after the peak is read, so they do not inflate it.

How agreement is checked. The two sides use different generators, so their
results differ by Monte Carlo error only. For each output and statistic:

* mean: standard error sd / sqrt(n) on each side;
* quantile at level q: the binomial order-statistic bound. The number of draws
  below the true q-quantile is Binomial(n, q), so the rank of the sample
  quantile has sd sqrt(n q (1 - q)); in value terms the standard error is half
  the distance between the sample quantiles at levels q -/+ sqrt(q (1 - q) / n),
  read from each side's own sample (no density estimate needed).

The difference between the two sides must be within ``--sigmas`` (default 4.5)
combined standard errors sqrt(se_numpy^2 + se_munflow^2); for integer-valued
outputs one unit is added (a quantile of a count can sit on either side of a
step even when both samples agree). The script exits with status 1 if any check
fails.

``numpy_model`` and ``munflow_model`` are importable so tests can reuse them.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import time
from statistics import NormalDist, median
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import munflow

OUTPUTS = ("shells", "good_shells", "rockets", "good_rockets", "good_missiles")
INTEGER_OUTPUTS = frozenset({"good_shells", "good_rockets", "good_missiles"})
QUANTILES = (0.05, 0.5, 0.95)
DEFAULT_SIZES = (1_000_000, 10_000_000)
QUICK_SIZE = 100_000


def munflow_model() -> dict[str, munflow.Expr]:
    """The reference model as munflow expressions, keyed by output name."""
    import munflow as mf

    containers = mf.lognormal_ci(6000, 8000)
    share_152 = mf.beta(6, 4)
    share_122r = (1 - share_152) * mf.beta(3, 5)
    per_152 = mf.pert(300, 430, 500)
    per_122r = mf.pert(50, 75, 110)
    dud_152 = mf.beta(2, 8)
    dud_122r = mf.beta(2, 10)
    shells = containers * share_152 * per_152
    rockets = containers * share_122r * per_122r
    missiles = mf.poisson(50)
    return {
        "shells": shells,
        "good_shells": mf.binomial(mf.floor(shells), 1 - dud_152),
        "rockets": rockets,
        "good_rockets": mf.binomial(mf.floor(rockets), 1 - dud_122r),
        "good_missiles": mf.binomial(missiles, 1 - mf.beta(26, 26)),
    }


def _lognormal_ci(rng: np.random.Generator, lo: float, hi: float, n: int) -> np.ndarray:
    """Lognormal whose central 90% interval is [lo, hi]."""
    z = NormalDist().inv_cdf(0.95)
    mu = (math.log(lo) + math.log(hi)) / 2
    sigma = (math.log(hi) - math.log(lo)) / (2 * z)
    return rng.lognormal(mu, sigma, n)


def _pert(rng: np.random.Generator, lo: float, mode: float, hi: float, n: int) -> np.ndarray:
    """PERT(lo, mode, hi) with lamb = 4: a beta rescaled to [lo, hi]."""
    a = 1 + 4 * (mode - lo) / (hi - lo)
    b = 1 + 4 * (hi - mode) / (hi - lo)
    return lo + (hi - lo) * rng.beta(a, b, n)


def numpy_model(n: int, seed: int) -> dict[str, np.ndarray]:
    """The reference model in plain numpy: n draws of every output."""
    rng = np.random.default_rng(seed)
    containers = _lognormal_ci(rng, 6000, 8000, n)
    share_152 = rng.beta(6, 4, n)
    share_122r = (1 - share_152) * rng.beta(3, 5, n)
    per_152 = _pert(rng, 300, 430, 500, n)
    per_122r = _pert(rng, 50, 75, 110, n)
    dud_152 = rng.beta(2, 8, n)
    dud_122r = rng.beta(2, 10, n)
    shells = containers * share_152 * per_152
    rockets = containers * share_122r * per_122r
    missiles = rng.poisson(50, n)
    return {
        "shells": shells,
        "good_shells": rng.binomial(np.floor(shells).astype(np.int64), 1 - dud_152),
        "rockets": rockets,
        "good_rockets": rng.binomial(np.floor(rockets).astype(np.int64), 1 - dud_122r),
        "good_missiles": rng.binomial(missiles, 1 - rng.beta(26, 26, n)),
    }


def _max_rss_bytes() -> int:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss if sys.platform == "darwin" else rss * 1024  # Linux reports KiB


def _run_numpy(n: int, seed: int) -> tuple[dict[str, dict[str, float]], dict[str, np.ndarray]]:
    columns = numpy_model(n, seed)
    summary = {}
    for name in OUTPUTS:
        values = columns[name]
        p5, p50, p95 = np.percentile(values, [100 * q for q in QUANTILES])
        summary[name] = {"p5": p5, "p50": p50, "p95": p95, "mean": values.mean()}
    return summary, columns


def _run_munflow(
    n: int, seed: int, threads: int | None
) -> tuple[dict[str, dict[str, float]], dict[str, np.ndarray]]:
    import munflow as mf

    res = mf.run(
        munflow_model(), n=n, seed=seed, store_inputs=False, threads=threads, progress=False
    )
    table = res.summary(quantiles=QUANTILES)
    summary = {
        name: {k: table.loc[name, k] for k in ("p5", "p50", "p95", "mean")} for name in OUTPUTS
    }
    return summary, {name: res[name] for name in OUTPUTS}


def _standard_errors(values: np.ndarray) -> dict[str, float]:
    """Monte Carlo standard errors of the mean and of each quantile (see the module doc)."""
    n = len(values)
    se = {"mean": float(values.std(ddof=1)) / math.sqrt(n)}
    levels = []
    for q in QUANTILES:
        d = math.sqrt(q * (1 - q) / n)
        levels += [max(q - d, 0.0), min(q + d, 1.0)]
    bounds = np.quantile(values, levels)
    for i, q in enumerate(QUANTILES):
        se[f"p{round(q * 100)}"] = float(bounds[2 * i + 1] - bounds[2 * i]) / 2
    return se


def child(side: str, n: int, seed: int, threads: int | None) -> None:
    """Runs one side in this process and prints its figures as JSON."""
    if side == "munflow":
        import munflow  # noqa: F401  (imports are part of the baseline, not the timing)
    baseline = _max_rss_bytes()
    start, start_cpu = time.perf_counter(), time.process_time()
    if side == "numpy":
        summary, columns = _run_numpy(n, seed)
    else:
        summary, columns = _run_munflow(n, seed, threads)
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - start_cpu
    peak = _max_rss_bytes()
    ses = {name: _standard_errors(columns[name]) for name in OUTPUTS}
    report = {
        "side": side,
        "n": n,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "baseline_rss": baseline,
        "peak_rss": peak,
        "summary": {k: {s: float(v) for s, v in d.items()} for k, d in summary.items()},
        "se": ses,
    }
    print(json.dumps(report))


def _spawn(side: str, n: int, seed: int, threads: int | None) -> dict[str, Any]:
    cmd = [sys.executable, os.path.abspath(__file__), "--side", side, "--n", str(n)]
    cmd += ["--seed", str(seed)]
    if threads is not None:
        cmd += ["--threads", str(threads)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _mib(b: float) -> str:
    return f"{b / 2**20:,.0f} MiB"


def compare(n: int, seed: int, threads: int | None, sigmas: float, repeat: int = 1) -> bool:
    """Runs both sides at size n, prints the figures; True if they agree.

    With ``repeat`` > 1 each side runs that many times, alternating, each in
    a fresh process; the fastest run of each is reported (as ``timeit`` does:
    on a shared machine the minimum is the least disturbed), with the median.
    """
    runs: dict[str, list[dict[str, Any]]] = {"numpy": [], "munflow": []}
    for i in range(repeat):
        runs["numpy"].append(_spawn("numpy", n, seed + 2 * i, None))
        runs["munflow"].append(_spawn("munflow", n, seed + 2 * i + 1, threads))
    ref, mfr = (min(runs[side], key=lambda r: r["seconds"]) for side in ("numpy", "munflow"))
    print(f"\n=== n = {n:,} ===")
    if repeat > 1:
        medians = {side: median(r["seconds"] for r in rs) for side, rs in runs.items()}
        print(
            f"best of {repeat} runs each (median: numpy {medians['numpy']:.3f}s, "
            f"munflow {medians['munflow']:.3f}s, "
            f"ratio {medians['numpy'] / medians['munflow']:.2f}x)"
        )
    print(f"{'':10}{'wall time':>12}{'CPU time':>12}{'peak RSS':>12}{'baseline':>12}{'model':>12}")
    for r in (ref, mfr):
        print(
            f"{r['side']:10}{r['seconds']:>11.3f}s{r['cpu_seconds']:>11.3f}s{_mib(r['peak_rss']):>12}"
            f"{_mib(r['baseline_rss']):>12}{_mib(r['peak_rss'] - r['baseline_rss']):>12}"
        )
    speedup = ref["seconds"] / mfr["seconds"]
    mem = mfr["peak_rss"] / ref["peak_rss"]
    model_mem = (mfr["peak_rss"] - mfr["baseline_rss"]) / (ref["peak_rss"] - ref["baseline_rss"])
    print(
        f"speed-up numpy/munflow: {speedup:.2f}x   "
        f"peak memory munflow/numpy: {mem:.2f} (model only: {model_mem:.2f})"
    )
    print(f"\n{'output':14}{'stat':>5}{'numpy':>16}{'munflow':>16}{'diff/SE':>9}  ok")
    all_ok = True
    for name in OUTPUTS:
        for stat in ("p5", "p50", "p95", "mean"):
            a, b = ref["summary"][name][stat], mfr["summary"][name][stat]
            se = math.hypot(ref["se"][name][stat], mfr["se"][name][stat])
            slack = 1.0 if name in INTEGER_OUTPUTS and stat != "mean" else 0.0
            ok = abs(a - b) <= sigmas * se + slack
            z = abs(a - b) / se if se > 0 else (0.0 if a == b else math.inf)
            all_ok &= ok
            print(f"{name:14}{stat:>5}{a:>16,.1f}{b:>16,.1f}{z:>9.2f}  {'yes' if ok else 'NO'}")
    verdict = "agree" if all_ok else "DISAGREE"
    print(f"p5/p50/p95/mean {verdict} within {sigmas} standard errors")
    return all_ok


def _size(text: str) -> int:
    value = float(text)
    if value < 1 or value != int(value):
        raise argparse.ArgumentTypeError(f"n must be a positive whole number, got {text}")
    return int(value)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=_size, nargs="+", help="sample sizes (default 1e6 1e7)")
    parser.add_argument("--quick", action="store_true", help=f"n = {QUICK_SIZE:.0e} only")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--threads", type=int, help="munflow threads (default: all cores)")
    parser.add_argument("--sigmas", type=float, default=4.5, help="agreement tolerance in SEs")
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs of each side; the fastest is reported"
    )
    parser.add_argument("--side", choices=("numpy", "munflow"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        child(args.side, args.n[0], args.seed, args.threads)
        return 0
    sizes = args.n or ([QUICK_SIZE] if args.quick else list(DEFAULT_SIZES))
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, {os.cpu_count()} cores")
    ok = [compare(n, args.seed, args.threads, args.sigmas, args.repeat) for n in sizes]
    return 0 if all(ok) else 1


if __name__ == "__main__":
    sys.exit(main())
