"""What each kind of observation costs per row of a posterior by weighting,
against ``count`` (the target for a new kind: within 2x of count's cost).

    .venv/bin/python benches/evidence_kinds_bench.py
    .venv/bin/python benches/evidence_kinds_bench.py --n 4000000 --repeat 5
    .venv/bin/python benches/evidence_kinds_bench.py --images --n 400000 --threads 1

The same model (a whole number drawn uniformly, read by each observation) is
run by likelihood weighting with each kind of observation and without any;
the cost of a kind is the time above the plain run, per row (best of
``--repeat``, in nanoseconds). ``--images`` runs ``image_count`` in its
regimes (false positives, double counts, both, an uncertain rate, an uncertain
``p``, an uncertain ``p_double``, all three uncertain) against
``count`` on the 20-80-unit model of docs/evidence.md.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import munflow as mf


def best(repeat: int, run: Callable[[], Any]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def evidence_kinds() -> tuple[dict[str, Any], dict[str, Any]]:
    """Each kind on 1,000-5,000 units."""
    total = mf.integers(1_000, 5_000, name="total")
    p = mf.beta(20, 20, name="p")
    kinds = {
        "count": mf.evidence.count(1_200, n=total, p=p, name="obs"),
        "serial_numbers": mf.evidence.serial_numbers(
            [17, 401, 988, 1_372, 2_090, 2_511], total=total, name="obs"
        ),
    }
    return kinds, {"total": total, "p": p}


def image_counts() -> tuple[dict[str, Any], dict[str, Any]]:
    """34 containers counted on images of 20-80 on the quay (docs/evidence.md)."""
    on_the_quay = mf.integers(20, 80, name="on_the_quay")
    other_cargo = mf.gamma(2, 1, name="other_cargo")
    detection = mf.beta(16, 4, name="detection")
    twice = mf.beta(2, 38, name="twice")

    def seen(false_positives: Any = 0, p_double: Any = 0, p: Any = 0.8) -> Any:
        return mf.evidence.image_count(
            34, n=on_the_quay, p=p, false_positives=false_positives, p_double=p_double
        )

    kinds = {
        "count": mf.evidence.count(34, n=on_the_quay, p=0.8, name="obs"),
        "image_count": seen(),
        "image_fp": seen(false_positives=2),
        "image_double": seen(p_double=0.05),
        "image_both": seen(false_positives=2, p_double=0.05),
        "image_both_gamma": seen(false_positives=other_cargo, p_double=0.05),
        "image_both_uncertain_p": seen(false_positives=2, p_double=0.05, p=detection),
        "image_uncertain_double": seen(false_positives=2, p_double=twice),
        "image_all_uncertain": seen(false_positives=other_cargo, p_double=twice, p=detection),
    }
    outputs = {
        "on_the_quay": on_the_quay,
        "other_cargo": other_cargo,
        "detection": detection,
        "twice": twice,
    }
    return kinds, outputs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--images", action="store_true", help="image_count's regimes")
    args = parser.parse_args()

    if args.images:
        kinds, outputs = image_counts()
    else:
        kinds, outputs = evidence_kinds()

    def plain() -> Any:
        return mf.Model(outputs).run(args.n, seed=1, threads=args.threads, store_inputs=False)

    base = best(args.repeat, plain)
    print(f"n = {args.n:,}; plain run {base:.3f} s")
    per_row = {}
    for kind, obs in kinds.items():
        model = mf.Model(outputs).observe(obs)

        def run(model: mf.Model = model) -> Any:
            return model.run(
                args.n, seed=1, threads=args.threads, store_inputs=False, method="weighting"
            )

        seconds = best(args.repeat, run)
        per_row[kind] = (seconds - base) / args.n * 1e9
        print(f"{kind:22s} {seconds:.3f} s   {per_row[kind]:6.1f} ns a row above the plain run")
    for kind, ns in per_row.items():
        print(f"{kind:22s} {ns / per_row['count']:.2f} x count")


if __name__ == "__main__":
    main()
