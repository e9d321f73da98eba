"""What a posterior costs where analysts use it, beside the run without
evidence (times from the call to having ``summary()``, best of ``--repeat``).

    .venv/bin/python benches/posterior_bench.py
    .venv/bin/python benches/posterior_bench.py --repeat 3 --part realistic

Parts:

* ``realistic``: containers measured within 15%, a derived total within 25%,
  25 failures of ~50 launches, at n = 50,000: the automatic choice, and
  tempering forced (the issue's target: <= 0.8 s tempered).
* ``combined``: the bundled ``dprk_russia_2023_2024_combined.toml`` with at
  least 10,000 effective samples (target <= 2 s), and tempering forced.
* ``timeline``: a monthly timeline (containers a month Poisson of a shared
  level times a persistent swing) with statements at five months, n = 20,000
  (target <= 5 s).
* ``report``: ``munflow report`` of the combined file (target <= 10 s).

Each line gives the method used, the effective sample size and the ratio to
the same model without evidence.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import munflow as mf

from timing import best_of


def best(repeat: int, run: Any) -> tuple[float, Any]:
    """The best time from the call to having the summary."""
    return best_of(repeat, lambda: _summarised(run()))


def _summarised(res: Any) -> Any:
    res.summary()
    return res


def line(label: str, seconds: float, res: Any, plain: float) -> None:
    inner = getattr(res, "results", res)
    method = getattr(inner, "method", "-")
    ess = getattr(inner, "ess", float("nan"))
    print(
        f"{label:<44} {seconds:7.2f} s  {method:<10} ESS {ess:>9,.0f}  "
        f"x{seconds / plain:6.1f} the run without evidence"
    )


def realistic(repeat: int) -> None:
    containers = mf.lognormal_ci(5000, 9000, name="containers")
    per_container = mf.pert(300, 430, 500, name="per_container")
    shells = containers * per_container
    missiles = mf.poisson(50, name="missiles")
    fail_rate = mf.beta(2, 8, name="fail_rate")
    model = mf.Model({"shells": shells, "fail_rate": fail_rate})
    observed = model.observe(
        mf.evidence.measured(containers, 7000, rel_error=0.15, name="minister"),
        mf.evidence.measured(shells, 3e6, rel_error=0.25, name="total"),
        mf.evidence.count(25, n=missiles, p=fail_rate, name="failures"),
    )
    n = 50_000
    plain, _ = best(repeat, lambda: model.run(n, seed=1))
    line("realistic, no evidence, n=5e4", plain, None, plain)
    for method in ("auto", "tempering"):
        t, res = best(repeat, lambda m=method: observed.run(n, seed=1, method=m))
        line(f"realistic, method={method}, n=5e4", t, res, plain)


def combined(repeat: int) -> None:
    sc = mf.scenarios.load("dprk_russia_2023_2024_combined")
    plain_model = sc.model().without_evidence()
    n = 20_000
    plain, _ = best(repeat, lambda: plain_model.run(n, seed=1))
    line("combined, no evidence, n=2e4", plain, None, plain)
    for method in ("auto", "tempering"):
        t, res = best(repeat, lambda m=method: sc.run(n, seed=1, method=m))
        line(f"combined, method={method}, n=2e4", t, res, plain)


def timeline(repeat: int) -> None:
    tl = mf.Timeline("2023-08", "2025-06")
    level = tl.input("level", mf.lognormal_ci(400, 1600), sharing="shared")
    swing = tl.input("swing", mf.lognormal(0, 0.3), sharing="persistent", rho=0.8)
    shipped = tl.draw("shipped", lambda r: mf.poisson(r), level * swing)
    cumulative = shipped.cumulative()
    model = tl.model({"shipped": shipped, "cumulative": cumulative})
    statements = [("2023-10", 2_000), ("2023-12", 4_000), ("2024-02", 6_700)]
    statements += [("2024-06", 10_000), ("2024-10", 13_000)]
    observed = model.observe(
        *[
            mf.evidence.measured(cumulative.at(when), figure, rel_error=0.1, name=when)
            for when, figure in statements
        ]
    )
    n = 20_000
    plain, _ = best(repeat, lambda: model.run(n, seed=1))
    line("timeline, no evidence, n=2e4", plain, None, plain)
    for method in ("auto", "tempering"):
        t, res = best(repeat, lambda m=method: observed.run(n, seed=1, method=m))
        line(f"timeline, five statements, method={method}", t, res, plain)


def report(repeat: int) -> None:
    folder = Path(mf.scenarios.__file__).parent
    with tempfile.TemporaryDirectory() as tmp:
        page = [str(folder / "dprk_russia_2023_2024_combined.toml"), "-o", f"{tmp}/page.html"]
        command = [sys.executable, "-m", "munflow.cli", "report", *page]
        seconds, _ = best_of(
            repeat, lambda: subprocess.run(command, check=True, capture_output=True)
        )
    print(f"{'munflow report combined.toml':<44} {seconds:7.2f} s")


PARTS = {"realistic": realistic, "combined": combined, "timeline": timeline, "report": report}


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
