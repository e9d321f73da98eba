"""What repairing an impossible correlation target costs: the nearest
correlation matrix (Higham 2002) to random k x k targets, against a plain
numpy implementation of Higham's alternating projections.

    .venv/bin/python benches/correlation_repair.py               # k = 100, 150, 300
    .venv/bin/python benches/correlation_repair.py --k 500 --no-numpy

Each target has uniform(-1, 1) off-diagonal entries (symmetrised, ones on
the diagonal): far from positive semi-definite. Prints munflow's wall time
for the repair (``munflow._core.nearest_correlation``, which
``mf.correlate`` uses), numpy's (eigh per step, stopping at a relative
change of 1e-13) and the largest difference between the two answers.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import munflow._core as core


def target(k: int, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    a = rng.uniform(-1, 1, size=(k, k))
    a = (a + a.T) / 2
    np.fill_diagonal(a, 1.0)
    return a


def nearest_numpy(a: np.ndarray) -> tuple[np.ndarray, int]:
    """Higham's alternating projections with Dykstra's correction."""
    y, correction = a.copy(), np.zeros_like(a)
    for step in range(1, 100_001):
        r = y - correction
        w, v = np.linalg.eigh(r)
        x = (v * np.maximum(w, 0.0)) @ v.T
        correction = x - r
        new = x.copy()
        np.fill_diagonal(new, 1.0)
        done = np.linalg.norm(new - y) < 1e-13 * np.linalg.norm(y)
        y = new
        if done:
            return y, step
    return y, step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, nargs="+", default=[100, 150, 300])
    parser.add_argument("--no-numpy", action="store_true")
    args = parser.parse_args()
    for k in args.k:
        a = target(k)
        start = time.perf_counter()
        got = np.array(core.nearest_correlation(a.tolist()))
        line = f"k = {k:4d}: munflow {time.perf_counter() - start:6.2f} s"
        if not args.no_numpy:
            start = time.perf_counter()
            ref, steps = nearest_numpy(a)
            line += (
                f", numpy {time.perf_counter() - start:6.2f} s ({steps} steps), "
                f"largest difference {np.abs(got - ref).max():.1e}"
            )
        print(line, flush=True)


if __name__ == "__main__":
    main()
