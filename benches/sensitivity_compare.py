"""Sobol indices end to end: munflow vs SALib (sample + numpy evaluation + analyze).

Both sides make the same number of model evaluations, n * (inputs + 2), with
first- and total-order indices and 100 bootstrap resamples for the intervals.
munflow's time covers its design (scrambled Sobol' points through the inverse
CDFs), the evaluation of the expression graph and the analysis; SALib's covers
``SALib.sample.sobol.sample``, the model in numpy and ``SALib.analyze.sobol.analyze``.

    .venv/bin/python benches/sensitivity_compare.py [--n 16384] [--repeat 3] [--only scenario]
        [--sampling mc]

``--sampling mc`` gives munflow independent draws instead of Sobol' points through
inverse CDFs (SALib's side is unchanged): it shows what the design's inverse CDFs
cost, which dominates for the scenario's beta-distributed cargo mix.

A case is a munflow model with one output plus the same model for SALib: its
problem dict and a numpy function of the sample matrix (columns in the
problem's order, already mapped to the inputs' distributions). Add cases to
``CASES``.

The bundled scenario's case is munflow's analysis of the scenario itself
(``mf.sobol(sc, "shell_152.functioning[defence_minister]")``: compiled from the
TOML file, inputs by their names in it). SALib's side samples uniforms for the
same six named inputs, maps them through scipy's inverse CDFs of the same
distributions, and evaluates the scenario's formula for that output in numpy:
``binomial(round(containers * share * per_container), 1 - dud_rate)`` with
``share = G_shell / (G_shell + G_rocket + G_other)`` (the Dirichlet mix as
normalised gammas, as the scenario compiles it). The script checks first that
this numpy model and a plain run of the scenario give the same distribution
(means and 90% intervals within sampling error), so both sides compute the same
thing. SALib has no notion of the binomial thinning as a factor; munflow
reports it as "intrinsic noise" at the cost of n more evaluations, which is
counted in its evaluations per second.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

import munflow as mf

from timing import best_of


@dataclass
class Case:
    name: str
    # A Model, or anything munflow's analyses accept (a Scenario).
    model: Callable[[], tuple[object, str]]
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


SCENARIO_OUTPUT = "shell_152.functioning[defence_minister]"
SCENARIO_INPUTS = [
    "defence_minister.containers",
    "shell_152.share",
    "shell_152.per_container",
    "shell_152.dud_rate",
]


def scenario_model() -> tuple[mf.Scenario, str]:
    return mf.scenarios.load("dprk_russia_2023_2024"), SCENARIO_OUTPUT


def scenario_numpy(u: np.ndarray, seed: int = 1) -> np.ndarray:
    """The bundled scenario's functioning 152 mm shells (defence minister's
    total) in numpy, from uniforms in SCENARIO_INPUTS order; the distributions
    are the file's."""
    from scipy import stats

    z90 = stats.norm.ppf(0.95)
    mu = (math.log(6000) + math.log(8000)) / 2
    sigma = (math.log(8000) - math.log(6000)) / (2 * z90)
    containers = stats.lognorm.ppf(u[:, 0], sigma, scale=math.exp(mu))
    # mix: dirichlet = { shell_152 = 15, rocket_122 = 3, other = 2 }: by stick
    # breaking the 152 mm share is Beta(15, 3 + 2).
    share = stats.beta.ppf(u[:, 1], 15, 5)
    # per_container = { pert = [300, 430, 500] }
    per_container = 300 + 200 * stats.beta.ppf(u[:, 2], 1 + 4 * 0.65, 1 + 4 * 0.35)
    dud_rate = stats.beta.ppf(u[:, 3], 2, 8)
    # The scenario rounds halves away from zero (np.round would go to even).
    delivered = np.floor(containers * share * per_container + 0.5)
    rng = np.random.default_rng(seed)
    return rng.binomial(delivered.astype(np.int64), 1 - dud_rate).astype(float)


def check_scenario_numpy(n: int = 200_000) -> None:
    """Stop unless the numpy model and the scenario give the same distribution."""
    sc, output = scenario_model()
    ours = sc.run(n, seed=1, progress=False)[output]
    theirs = scenario_numpy(np.random.default_rng(2).random((n, len(SCENARIO_INPUTS))))
    # Ten standard errors of a mean: generous for means and central quantiles
    # alike, far tighter than any mistake in a distribution or the formula.
    tol = 10 * np.std(ours) / math.sqrt(n)
    for q in (0.05, 0.5, 0.95):
        a, b = np.quantile(ours, q), np.quantile(theirs, q)
        assert abs(a - b) < tol, f"quantile {q}: scenario {a:,.0f}, numpy {b:,.0f}"
    assert abs(np.mean(ours) - np.mean(theirs)) < tol
    print(
        f"check: {output}, scenario vs numpy model on {n:,} draws: mean "
        f"{np.mean(ours):,.0f} vs {np.mean(theirs):,.0f}, 90% interval "
        f"{np.quantile(ours, 0.05):,.0f}-{np.quantile(ours, 0.95):,.0f} vs "
        f"{np.quantile(theirs, 0.05):,.0f}-{np.quantile(theirs, 0.95):,.0f}"
    )


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
    Case(
        "functioning 152 mm shells (bundled scenario, defence minister's total)",
        scenario_model,
        {
            "num_vars": len(SCENARIO_INPUTS),
            "names": SCENARIO_INPUTS,
            "bounds": [[0, 1]] * len(SCENARIO_INPUTS),
        },
        scenario_numpy,
    ),
]


def compare(case: Case, n: int, repeat: int, sampling: str = "mc") -> None:
    from SALib.analyze import sobol as salib_analyze
    from SALib.sample import sobol as salib_sample

    model, output = case.model()
    k = case.problem["num_vars"]

    def ours():
        return mf.sobol(
            model, output, n=n, seed=1, num_resamples=100, sampling=sampling, progress=False
        )

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
    print(f"\n{case.name}: n={n:,} base samples, munflow sampling={sampling!r}")
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
    parser.add_argument("--only", help="run the cases whose name contains this text")
    parser.add_argument(
        "--sampling",
        default="mc",
        choices=["sobol", "mc"],
        help="munflow's design: Sobol' points through inverse CDFs, or direct draws",
    )
    args = parser.parse_args()
    cases = [c for c in CASES if args.only is None or args.only.lower() in c.name.lower()]
    if any(c.model is scenario_model for c in cases):
        check_scenario_numpy()
    for case in cases:
        for n in args.n:
            compare(case, n, args.repeat, args.sampling)


if __name__ == "__main__":
    main()
