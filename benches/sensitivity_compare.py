"""Sobol indices end to end: munflow vs SALib (sample + numpy evaluation + analyze).

Both sides make the same number of model evaluations, n * (inputs + 2), with
first- and total-order indices and 100 bootstrap resamples for the intervals.
munflow's time covers its design (scrambled Sobol' points through the inverse
CDFs), the evaluation of the expression graph and the analysis; SALib's covers
``SALib.sample.sobol.sample``, the model in numpy and ``SALib.analyze.sobol.analyze``.

    .venv/bin/python benches/sensitivity_compare.py [--n 16384] [--repeat 3]

A case is a munflow model with one output plus the same model for SALib: its
problem dict and a numpy function of the sample matrix (columns in the
problem's order, already mapped to the inputs' distributions). Add cases to
``CASES``; the bundled DPRK -> Russia scenario joins when the scenario layer lands
(map SALib's uniforms through scipy's ppf inside its numpy function).
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import munflow as mf
import numpy as np


@dataclass
class Case:
    name: str
    model: Callable[[], tuple[mf.Model, str]]
    problem: dict
    numpy_model: Callable[[np.ndarray], np.ndarray]


def ishigami_model() -> tuple[mf.Model, str]:
    x1, x2, x3 = (mf.uniform(-math.pi, math.pi, name=f"x{i}") for i in (1, 2, 3))
    y = mf.sin(x1) + 7 * mf.sin(x2) ** 2 + 0.1 * x3**4 * mf.sin(x1)
    return mf.Model({"y": y}), "y"


def ishigami_numpy(x: np.ndarray) -> np.ndarray:
    return np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])


CASES = [
    Case(
        "Ishigami (a=7, b=0.1)",
        ishigami_model,
        {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-math.pi, math.pi]] * 3},
        ishigami_numpy,
    ),
]


def best_of(repeat: int, fn: Callable[[], object]) -> tuple[float, object]:
    best, out = math.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def compare(case: Case, n: int, repeat: int) -> None:
    from SALib.analyze import sobol as salib_analyze
    from SALib.sample import sobol as salib_sample

    model, output = case.model()
    k = case.problem["num_vars"]

    def ours():
        return mf.sobol(model, output, n=n, seed=1, num_resamples=100, progress=False)

    def salib():
        x = salib_sample.sample(case.problem, n, calc_second_order=False, seed=1)
        y = case.numpy_model(x)
        return salib_analyze.analyze(
            case.problem, y, calc_second_order=False, num_resamples=100, seed=1
        )

    t_mf, table = best_of(repeat, ours)
    t_sl, ref = best_of(repeat, salib)
    evaluations = n * (k + 2)
    assert table.attrs["evaluations"] == evaluations
    print(f"\n{case.name}: n={n:,} base samples, {evaluations:,} model evaluations")
    print(f"  munflow  {t_mf * 1e3:9.1f} ms   {evaluations / t_mf:14,.0f} evaluations/s")
    print(f"  SALib    {t_sl * 1e3:9.1f} ms   {evaluations / t_sl:14,.0f} evaluations/s")
    print(f"  speed-up {t_sl / t_mf:9.1f}x")
    print("  indices (munflow | SALib):")
    for i, name in enumerate(case.problem["names"]):
        print(
            f"    {name:>12}  S1 {table['S1'].iloc[i]:+.3f} | {ref['S1'][i]:+.3f}"
            f"   ST {table['ST'].iloc[i]:.3f} | {ref['ST'][i]:.3f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="*", default=[2**14, 2**16])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for case in CASES:
        for n in args.n:
            compare(case, n, args.repeat)


if __name__ == "__main__":
    main()
