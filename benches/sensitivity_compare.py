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
(map SALib's uniforms through scipy's ppf inside its numpy function, as the
hand-built shells case does).
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


def shells_model() -> tuple[mf.Model, str]:
    containers = mf.lognormal_ci(6000, 8000, name="containers")
    share_152 = mf.beta(6, 4, name="share_152")
    per_container = mf.pert(300, 430, 500, name="per_container")
    dud_rate = mf.beta(2, 8, name="dud_rate")
    shells = mf.floor(containers * share_152 * per_container)
    return mf.Model({"functioning": mf.binomial(shells, 1 - dud_rate)}), "functioning"


def shells_numpy(u: np.ndarray) -> np.ndarray:
    """The same model in numpy: SALib's uniforms through scipy's inverse CDFs,
    then the binomial thinning by the dud rate."""
    from scipy import stats

    z90 = stats.norm.ppf(0.95)
    mu = (math.log(6000) + math.log(8000)) / 2
    sigma = (math.log(8000) - math.log(6000)) / (2 * z90)
    containers = stats.lognorm.ppf(u[:, 0], sigma, scale=math.exp(mu))
    share_152 = stats.beta.ppf(u[:, 1], 6, 4)
    # PERT(300, 430, 500) with lambda 4 is 300 + 200 * Beta(1 + 4 * 130/200, 1 + 4 * 70/200).
    per_container = 300 + 200 * stats.beta.ppf(u[:, 2], 1 + 4 * 0.65, 1 + 4 * 0.35)
    dud_rate = stats.beta.ppf(u[:, 3], 2, 8)
    shells = np.floor(containers * share_152 * per_container)
    rng = np.random.default_rng(1)
    return rng.binomial(shells.astype(np.int64), 1 - dud_rate).astype(float)


CASES = [
    Case(
        "Ishigami (a=7, b=0.1)",
        ishigami_model,
        {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-math.pi, math.pi]] * 3},
        ishigami_numpy,
    ),
    Case(
        "functioning 152 mm shells (hand-built, binomial duds)",
        shells_model,
        {
            "num_vars": 4,
            "names": ["containers", "share_152", "per_container", "dud_rate"],
            "bounds": [[0, 1]] * 4,
        },
        shells_numpy,
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
    # munflow adds a row (and n evaluations) for intrinsic noise when the model
    # has some; compare throughput, which is time at equal evaluations.
    ev_mf, ev_sl = table.attrs["evaluations"], n * (k + 2)
    print(f"\n{case.name}: n={n:,} base samples")
    print(f"  munflow  {t_mf * 1e3:9.1f} ms  {ev_mf:>10,} evaluations  {ev_mf / t_mf:14,.0f} /s")
    print(f"  SALib    {t_sl * 1e3:9.1f} ms  {ev_sl:>10,} evaluations  {ev_sl / t_sl:14,.0f} /s")
    print(f"  speed-up {(ev_mf / t_mf) / (ev_sl / t_sl):9.1f}x at equal evaluations")
    print("  indices (munflow | SALib):")
    for i, name in enumerate(case.problem["names"]):
        print(
            f"    {name:>15}  S1 {table.loc[name, 'S1']:+.3f} | {ref['S1'][i]:+.3f}"
            f"   ST {table.loc[name, 'ST']:.3f} | {ref['ST'][i]:.3f}"
        )
    if "intrinsic noise" in table.index:
        row = table.loc["intrinsic noise"]
        label = "intrinsic noise"
        print(f"    {label:>15}  S1 {row['S1']:+.3f} |   --   ST {row['ST']:.3f} |   --")


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
