"""What dependence costs: correlated inputs per row, and Shapley effects
against Sobol indices on the same model.

    .venv/bin/python benches/dependence_bench.py                 # n = 1e6, best of 3
    .venv/bin/python benches/dependence_bench.py --n 1e7 --repeat 5
    .venv/bin/python benches/dependence_bench.py --threads 1     # one core
    .venv/bin/python benches/dependence_bench.py --quick         # a smoke run

1. ``correlate`` on the reference model of ``compare_numpy.py``: the
   containers, the 152 mm share and the shells per container drawn with a
   3 x 3 target rank correlation, by Iman-Conover reordering and by a Gaussian
   copula, against the same model with independent inputs. Each run is timed
   from ``run`` to the summary (``store_inputs=False``); the figure is the
   extra wall time per row, and per correlated input and row. Best of
   ``--repeat`` runs a side, in this process, after one warm-up run.
2. A six-input model (named inputs, no intrinsic noise) analysed end to end by
   ``mf.sobol`` (n = 2^14 base samples: 8 x 2^14 evaluations) and by
   ``mf.shapley`` (exact permutations: 62 sets x n_outer x 3 + n evaluations;
   and random permutations), in model evaluations per second. The Shapley
   inputs are correlated by a Gaussian copula (two correlated pairs), which
   is what it is for, and independent for a row comparable with Sobol's
   (Sobol refuses the correlated model).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import munflow as mf  # noqa: E402

from compare_numpy import munflow_model  # noqa: E402
from timing import best_of  # noqa: E402

TARGET = [[1.0, -0.3, 0.2], [-0.3, 1.0, 0.5], [0.2, 0.5, 1.0]]


def reference_model(method: str | None) -> mf.Model:
    """compare_numpy's model, with its containers, 152 mm share and shells per
    container correlated by ``method`` (None: independent)."""
    if method is None:
        return mf.Model(munflow_model())
    containers = mf.lognormal_ci(6000, 8000, name="containers")
    share_152 = mf.beta(6, 4, name="share_152")
    per_152 = mf.pert(300, 430, 500, name="per_152")
    containers, share_152, per_152 = mf.correlate(
        [containers, share_152, per_152], TARGET, method=method
    )
    share_122r = (1 - share_152) * mf.beta(3, 5)
    rockets = containers * share_122r * mf.pert(50, 75, 110)
    shells = containers * share_152 * per_152
    missiles = mf.poisson(50)
    return mf.Model(
        {
            "shells": shells,
            "good_shells": mf.binomial(mf.floor(shells), 1 - mf.beta(2, 8)),
            "rockets": rockets,
            "good_rockets": mf.binomial(mf.floor(rockets), 1 - mf.beta(2, 10)),
            "good_missiles": mf.binomial(missiles, 1 - mf.beta(26, 26)),
        }
    )


def correlate_cost(n: int, repeat: int, threads: int | None) -> None:
    print(f"correlate on the reference model: n = {n:,}, best of {repeat}, threads = {threads}")
    base = None
    for method in (None, "iman-conover", "gaussian-copula"):
        model = reference_model(method)
        # The warm-up run builds the copula's quantile grids and faults pages in.
        seconds, _ = best_of(
            repeat,
            lambda model=model: model.run(
                n, seed=1, store_inputs=False, threads=threads, progress=False
            ).summary(quantiles=(0.05, 0.5, 0.95)),
            warm_up=True,
        )
        label = method or "independent"
        if base is None:
            base = seconds
            print(f"  {label:16s} {seconds:7.3f} s  {1e9 * seconds / n:6.1f} ns/row")
        else:
            extra = 1e9 * (seconds - base) / n
            print(
                f"  {label:16s} {seconds:7.3f} s  {1e9 * seconds / n:6.1f} ns/row"
                f"  (+{extra:.1f} ns/row, +{extra / 3:.1f} ns per correlated input and row)"
            )


def six_inputs(correlated: bool) -> mf.Model:
    xs = [
        mf.lognormal_ci(6000, 8000, name="containers"),
        mf.beta(6, 4, name="share_152"),
        mf.pert(300, 430, 500, name="per_152"),
        mf.beta(2, 8, name="dud_152"),
        mf.gamma(4, 0.5, name="voyages_factor"),
        mf.uniform(0.8, 1.2, name="reporting_bias"),
    ]
    if correlated:
        rank = np.eye(6)
        rank[1, 2] = rank[2, 1] = 0.5
        rank[0, 4] = rank[4, 0] = 0.4
        xs = mf.correlate(xs, rank, method="gaussian-copula")
    c, s, p, d, v, b = xs
    return mf.Model({"good_shells": c * s * p * (1 - d) * (0.5 + v) * b})


def analysis_speed(quick: bool, threads: int | None) -> None:
    print("six-input model, end to end (evaluations per second)")
    independent, correlated = six_inputs(False), six_inputs(True)
    n_sobol = 2**12 if quick else 2**14
    runs = [
        ("sobol (independent)", lambda: mf.sobol(independent, n=n_sobol, seed=1, threads=threads)),
        (
            "shapley exact",
            lambda: mf.shapley(
                correlated, n=10_000, seed=1, n_outer=200 if quick else 2_000, threads=threads
            ),
        ),
        (
            "shapley exact (indep.)",
            lambda: mf.shapley(
                independent, n=10_000, seed=1, n_outer=200 if quick else 2_000, threads=threads
            ),
        ),
        (
            "shapley random",
            lambda: mf.shapley(
                correlated,
                n=10_000,
                seed=1,
                permutations=500 if quick else 5_000,
                threads=threads,
            ),
        ),
    ]
    for label, work in runs:
        start = time.perf_counter()
        table = work()
        seconds = time.perf_counter() - start
        evaluations = table.attrs["evaluations"]
        print(
            f"  {label:22s} {evaluations:>10,} evaluations  {seconds:6.2f} s"
            f"  {evaluations / seconds / 1e6:6.2f} M evaluations/s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=float, default=1e6)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n = 100_000 if args.quick else int(args.n)
    print(f"munflow {mf.__version__}, {os.cpu_count()} cores")
    correlate_cost(n, 1 if args.quick else args.repeat, args.threads)
    analysis_speed(args.quick, args.threads)


if __name__ == "__main__":
    main()
