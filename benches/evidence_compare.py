"""What evidence costs: the reference model with observations attached, and
the missile question against squigglepy's rejection sampling.

    .venv/bin/python benches/evidence_compare.py            # both parts
    .venv/bin/python benches/evidence_compare.py --part model --n 1e7
    .venv/bin/python benches/evidence_compare.py --part missiles --accepted 20000

Part "model": the reference model of ``compare_numpy.py`` run three ways at the
same n and seed, each timed from the call to having ``summary()``:

* without evidence;
* with two observations that weighting can carry: the containers measured at
  7,000 (within 15% nine times in ten, as the minister's statement) and 25 of
  the ~50 missiles observed failing (a count of ``missiles`` trials with the
  failure rate as probability);
* with the same two observations made sharp enough that weighting collapses
  (the containers measured within 0.5%, 250 failures of 500 launches), so
  munflow tempers the evidence in by sequential Monte Carlo (at
  ``--tempering-n``, 1e5 by default: each move re-evaluates the evidence).

The ratios to the run without evidence are printed (the target for the
weighting case is at most 1.25).

Part "missiles": prior beta(2, 8) on the failure rate, 50 launches, 25
failures observed. squigglepy answers with ``bayesnet`` rejection sampling:
draw (rate, failures) from the prior and keep the draws with 25 failures. The
time per accepted sample is measured on a run of ``--squiggle-draws`` prior
draws and scaled to ``--accepted`` posterior samples; munflow's time is that of
``Model.observe(...).run(accepted)``. Both are checked against the closed form
beta(27, 33). squigglepy is an optional benchmark dependency
(``make bench-evidence`` installs it into the .venv).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from compare_numpy import munflow_model  # noqa: E402


def _timed(run):
    start = time.perf_counter()
    res = run()
    res.summary()
    return time.perf_counter() - start, res


def model_part(n: int, seed: int, repeat: int, tempering_n: int) -> None:
    import munflow as mf

    def build(sharp: bool) -> mf.Model:
        outputs = munflow_model()
        containers = mf.lognormal_ci(6000, 8000, name="containers")
        fail_rate = mf.beta(26, 26, name="fail_rate")
        missiles = mf.poisson(50, name="missiles")
        outputs["containers"] = containers
        outputs["good_missiles"] = mf.binomial(missiles, 1 - fail_rate)
        if sharp:
            said = mf.evidence.measured(containers, 7000, rel_error=0.005, name="minister")
            seen = mf.evidence.count(250, n=10 * missiles, p=fail_rate, name="failures")
        else:
            said = mf.evidence.measured(containers, 7000, rel_error=0.15, name="minister")
            seen = mf.evidence.count(25, n=missiles, p=fail_rate, name="failures")
        return mf.Model(outputs).observe(said, seen)

    plain = build(False).without_evidence()

    def run(model: mf.Model, size: int, **how: Any) -> Any:
        return lambda: model.run(size, seed, store_inputs=False, progress=False, **how)

    # Weighting at the same n (the automatic choice may weight more draws
    # than n for more effective samples: that is a choice, not a cost).
    cases = [
        (n, "no evidence", run(plain, n)),
        (n, "weighting", run(build(False), n, method="weighting")),
        (tempering_n, "no evidence", run(plain, tempering_n)),
        (tempering_n, "tempering", run(build(True), tempering_n)),
    ]
    print(f"reference model with evidence, best of {repeat}")
    base: dict[int, float] = {}
    for size, label, go in cases:
        best, res = min((_timed(go) for _ in range(repeat)), key=lambda t: t[0])
        base.setdefault(size, best)
        extra = ""
        if hasattr(res, "method"):
            extra = f"  method {res.method}, ess {res.ess:,.0f}, stages {len(res.stages)}"
        print(f"  n = {size:>12,}  {label:12s} {best:8.2f} s   x{best / base[size]:7.2f}{extra}")


def missiles_part(accepted: int, squiggle_draws: int, seed: int) -> None:
    from scipy import stats

    import munflow as mf

    truth = stats.beta(27, 33)
    rate = mf.beta(2, 8, name="fail_rate")
    model = mf.Model({"fail_rate": rate}).observe(
        mf.evidence.count(25, n=50, p=rate, name="failures")
    )
    best, res = min(
        (_timed(lambda: model.run(accepted, seed, progress=False)) for _ in range(3)),
        key=lambda t: t[0],
    )
    mean = res.summary().loc["fail_rate", "mean"]
    print(f"missile question, {accepted:,} posterior samples")
    print(
        f"  munflow     {best:8.3f} s  ({res.method}, ess {res.ess:,.0f}); "
        f"mean {mean:.4f} (closed form {truth.mean():.4f})"
    )
    try:
        import squigglepy as sq
        from squigglepy import bayes
    except ImportError:
        print("  squigglepy  not installed (make bench-evidence installs it): skipped")
        return

    def event():
        r = ~sq.beta(2, 8)
        return {"rate": r, "failures": ~sq.binomial(50, r)}

    start = time.perf_counter()
    draws = bayes.bayesnet(event, n=squiggle_draws, raw=True, memcache=False, cores=1)
    kept = np.array([d["rate"] for d in draws if d["failures"] == 25])
    elapsed = time.perf_counter() - start
    per_accepted = elapsed / max(len(kept), 1)
    print(
        f"  squigglepy  {elapsed:8.3f} s for {squiggle_draws:,} prior draws, {len(kept):,} "
        f"accepted; mean {kept.mean():.4f}"
    )
    scaled = per_accepted * accepted
    print(
        f"  squigglepy would take {scaled:,.1f} s for {accepted:,} accepted samples: "
        f"munflow is {scaled / best:,.0f}x faster"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["model", "missiles", "both"], default="both")
    parser.add_argument("--n", type=float, default=1e7)
    parser.add_argument("--tempering-n", type=float, default=1e5)
    parser.add_argument("--accepted", type=float, default=1e5)
    parser.add_argument("--squiggle-draws", type=float, default=2e5)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.part in ("model", "both"):
        model_part(int(args.n), args.seed, args.repeat, int(args.tempering_n))
    if args.part in ("missiles", "both"):
        missiles_part(int(args.accepted), int(args.squiggle_draws), args.seed)


if __name__ == "__main__":
    main()
