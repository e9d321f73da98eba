"""What forecasting costs: a 24-month timeline with a walk or trend rate
conditioned on five dated statements, and a back-test of four cut-offs
(times from the call to having the summary or the table, best of ``--repeat``).

    .venv/bin/python benches/forecast_bench.py
    .venv/bin/python benches/forecast_bench.py --part backtest --repeat 3

Parts:

* ``conditioned``: containers a month Poisson of a rate that walks (or
  trends) on the log scale, 24 months, five dated statements (one as of a
  day, one with a reporting lag), n = 20,000 (target <= 5 s), and a
  prediction of the next statement from the posterior.
* ``backtest``: the same model with a walk, five statements, cut-offs after
  the first four, n = 5,000 a cut-off (target <= 30 s).
"""

from __future__ import annotations

import argparse
from typing import Any

import munflow as mf

from timing import best_of

SERIES = "cumulative.containers"
STATEMENTS = [
    mf.Statement(SERIES, "2023-10", 1_500, rel_error=0.15, name="2023-10"),
    mf.Statement(SERIES, "2023-12", 4_000, rel_error=0.15, as_of="2023-12-15", name="2023-12"),
    mf.Statement(SERIES, "2024-03", 6_700, rel_error=0.15, about="2024-02", name="2024-03"),
    mf.Statement(SERIES, "2024-06", 9_000, rel_error=0.15, name="2024-06"),
    mf.Statement(SERIES, "2024-10", 12_000, rel_error=0.15, name="2024-10"),
]


def builder(sharing: str) -> Any:
    process = {"walk": {"step_sd": 0.2}, "trend": {"level_sd": 0.1, "slope_sd": 0.05}}[sharing]

    def build() -> mf.TimelineModel:
        tl = mf.Timeline("2023-08", "2025-07")
        rate = tl.input("rate", mf.lognormal_ci(400, 1600), sharing=sharing, **process)
        shipped = tl.draw("shipped", lambda r: mf.poisson(r), rate)
        return tl.model({SERIES: shipped.cumulative()})

    return build


def conditioned(repeat: int) -> None:
    for sharing in ("walk", "trend"):
        model = builder(sharing)()
        observed = model.observe(*(s.observation(model) for s in STATEMENTS))

        def run(observed: Any = observed) -> Any:
            res = observed.run(20_000, seed=1, progress=False)
            res.summary()
            return res

        t, res = best_of(repeat, run)
        print(
            f"24 months, {sharing}, five statements, n=20,000: {t:6.2f} s "
            f"({res.results.method}, ESS {res.results.ess:,.0f})"
        )
        cum = model._outputs[SERIES]
        statement = mf.evidence.measured(cum.at("2025-03"), rel_error=0.15, name="2025-03")
        t, said = best_of(repeat, lambda res=res, s=statement: res.predict(s).summary())
        print(f"  predict the March 2025 statement: {t:6.2f} s (median {said['p50']:,.0f})")


def backtest(repeat: int) -> None:
    cutoffs = [s.date for s in STATEMENTS[:4]]

    def run() -> Any:
        return mf.backtest(builder("walk"), STATEMENTS, cutoffs=cutoffs, n=5_000, seed=1)

    t, bt = best_of(repeat, run)
    print(f"back-test, walk, four cut-offs, n=5,000 each: {t:6.2f} s ({len(bt.table)} scores)")


PARTS = {"conditioned": conditioned, "backtest": backtest}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=[*PARTS, "all"], default="all")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    for name, part in PARTS.items():
        if args.part in (name, "all"):
            part(args.repeat)


if __name__ == "__main__":
    main()
