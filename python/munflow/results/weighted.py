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
    return np.array(_core._describe_weighted([column], w, [float(q) for q in qs])[0].quantiles)


def effective_size(weights: np.ndarray) -> float:
    """Kish's effective sample size, (Σw)² / Σw²."""
    total = weights.sum()
    return float(total * total / np.dot(weights, weights)) if total > 0 else 0.0


def equal_weight_rows(weights: np.ndarray, size: int, seed: int) -> np.ndarray:
    """Row indices of the equal-weight resample of weighted draws: the rows
    that ``res["x"]``, ``to_pandas()``, ``series()`` and ``to_xarray()`` of a
    posterior by weighting hold.

    ``size`` rows by systematic resampling with one uniform number drawn
    from the seed's own stream: each draw appears floor or ceil of
    size x its share of the weight times, in the draws' order; draws of
    weight 0 never. The same weights, size and seed give the same rows on
    any machine and thread count.

    >>> equal_weight_rows(np.array([0.0, 3.0, 1.0, 0.0]), 4, seed=7)
    array([1, 1, 1, 2])
    """
    w = np.ascontiguousarray(weights, dtype=np.float64)
    return _core._equal_weight_rows(w, size, seed)
