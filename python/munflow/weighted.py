"""Statistics of weighted samples (a posterior reached by likelihood weighting).

With equal weights every function here gives what the unweighted one does:
the quantiles are numpy's default (type 7) and the sd has ddof = 1.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def quantiles(values: np.ndarray, weights: np.ndarray, qs: Sequence[float]) -> np.ndarray:
    """Weighted quantiles: the weighted empirical cdf interpolated as type 7 is.

    The i-th smallest value sits at the weight of the values below it divided
    by the total weight less the largest value's, which is (i - 1) / (n - 1)
    for equal weights.

    >>> quantiles(np.array([3.0, 1.0, 2.0, 4.0]), np.ones(4), [0.5, 0.1])
    array([2.5, 1.3])
    """
    keep = weights > 0
    x = values[keep]
    w = weights[keep]
    order = np.argsort(x, kind="stable")
    x = x[order]
    w = w[order]
    if len(x) == 1:
        return np.full(len(qs), x[0])
    cumulative = np.cumsum(w)
    below = cumulative - w
    span = cumulative[-1] - w[-1]
    positions = below / span
    return np.interp(np.asarray(qs, dtype=float), positions, x)


def mean(values: np.ndarray, weights: np.ndarray) -> float:
    """The weighted mean."""
    return float(np.dot(weights, values) / weights.sum())


def sd(values: np.ndarray, weights: np.ndarray) -> float:
    """The weighted sd, with the reliability-weights correction that makes
    it the ddof = 1 sd when weights are equal."""
    w = weights / weights.sum()
    m = float(np.dot(w, values))
    spread = float(np.dot(w, (values - m) ** 2))
    squares = float(np.dot(w, w))
    if squares >= 1.0:
        return float("nan")
    return float(np.sqrt(spread / (1.0 - squares)))


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
