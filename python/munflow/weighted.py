"""Statistics of weighted samples (a posterior reached by likelihood weighting).

With equal weights the quantiles are numpy's default (type 7).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from munflow import _core


def quantiles(values: np.ndarray, weights: np.ndarray, qs: Sequence[float]) -> np.ndarray:
    """Weighted quantiles, as the weighted summaries compute them (see
    ``munflow.stats.describe_weighted`` in the Rust core: the weighted
    empirical cdf interpolated as type 7 is, so equal weights give numpy's
    default).

    >>> quantiles(np.array([3.0, 1.0, 2.0, 4.0]), np.ones(4), [0.5, 0.1])
    array([2.5, 1.3])
    """
    column = np.ascontiguousarray(values, dtype=np.float64)
    w = np.ascontiguousarray(weights, dtype=np.float64)
    return np.array(_core.describe_weighted([column], w, [float(q) for q in qs])[0][4])


def effective_size(weights: np.ndarray) -> float:
    """Kish's effective sample size, (Σw)² / Σw²."""
    total = weights.sum()
    return float(total * total / np.dot(weights, weights)) if total > 0 else 0.0


def systematic_resample(weights: np.ndarray, size: int, seed: int) -> np.ndarray:
    """Row indices of an equal-weight sample of ``size`` rows (systematic
    resampling: each row appears floor or ceil of size x its weight times)."""
    w = weights / weights.sum()
    u = np.random.default_rng(seed).random()
    points = (np.arange(size) + u) / size
    index = np.searchsorted(np.cumsum(w), points, side="right")
    return np.minimum(index, len(w) - 1)
