"""Monte Carlo standard errors of a summary's figures: how far a mean, a
quantile or a probability could move if the run were repeated with another
seed.

Three cases, one per way a sample is made:

* **independent draws** (a plain run), and **weighted draws** (a posterior by
  likelihood weighting): the self-normalised estimators' delta-method
  errors. The mean's is sqrt(sum w_i^2 (x_i - mean)^2) with weights summing to
  1 (sd/sqrt(n) for equal weights); a probability's is the mean's of its
  indicator; a quantile's is the change in the quantile over +-1 standard
  error of the cdf at it, halved (the order-statistic interval, which needs
  no density estimate).
* **tempering**: the particles are correlated by resampling and moves, so
  no formula on the rows holds; the run is made of independent populations
  (``res.populations``) and a figure's error is the sd of its values across
  them over sqrt(k), widened by t(k-1)/z at 97.5% (2.365/1.960 = 1.21 for
  eight): an sd from eight values is itself uncertain, and unwidened,
  figure +- 2 errors would cover the truth ~91% of the time rather than 95%.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from munflow.results import weighted


def of_draws(
    values: np.ndarray, weights: np.ndarray | None, qs: Sequence[float]
) -> tuple[float, np.ndarray]:
    """Standard errors of the mean and of the quantiles at ``qs`` of
    independent draws, equally weighted (``weights`` None) or weighted.

    >>> x = np.random.default_rng(1).normal(size=10_000)
    >>> se_mean, se_q = of_draws(x, None, [0.5])
    >>> round(se_mean, 3), bool(abs(se_q[0] - np.sqrt(np.pi / 2) / 100) < 0.001)
    (0.01, True)
    """
    x = np.asarray(values, dtype=float)
    w = np.full(x.size, 1.0 / x.size) if weights is None else np.asarray(weights, dtype=float)
    w = w / w.sum()
    mean = float(np.dot(w, x))
    se_mean = float(np.sqrt(np.dot(w * w, (x - mean) ** 2)))
    se_q = np.array([_quantile_se(x, w, q) for q in qs])
    return se_mean, se_q


def of_probability(event: np.ndarray, weights: np.ndarray | None) -> float:
    """Standard error of P(event) from independent (weighted) draws."""
    indicator = np.asarray(event, dtype=float)
    return of_draws(indicator, weights, [])[0]


def _quantile_se(x: np.ndarray, w: np.ndarray, q: float) -> float:
    order = np.argsort(x, kind="stable")
    xs, ws = x[order], w[order]
    cdf = np.cumsum(ws)
    below = cdf <= q
    # The cdf estimate's error at the quantile (its indicator's mean's).
    se_cdf = float(np.sqrt(np.dot(ws * ws, (below - q) ** 2)))
    lo, hi = max(0.0, q - se_cdf), min(1.0, q + se_cdf)
    ends = weighted.quantiles(xs, ws, [lo, hi])
    return float(ends[1] - ends[0]) / 2.0


# Student's t at 97.5% by degrees of freedom (populations - 1).
T_975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365}


def between_populations(
    values: np.ndarray, sizes: Sequence[int], qs: Sequence[float]
) -> tuple[float, np.ndarray]:
    """Standard errors of the mean and the quantiles at ``qs`` of rows made
    of independent populations of ``sizes`` consecutive rows: the sd of
    each figure across populations over sqrt(k)."""
    x = np.asarray(values, dtype=float)
    bounds = np.cumsum([0, *sizes])
    parts = [x[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    means = np.array([p.mean() for p in parts])
    quantiles = np.array([np.quantile(p, list(qs)) if len(qs) else [] for p in parts])
    se_q = np.atleast_1d(spread(quantiles)) if len(qs) else np.array([])
    return float(spread(means)), se_q


def spread(figures: np.ndarray) -> np.ndarray:
    """Standard errors of figures computed once per independent population
    (one row per population, one column per figure): their sd over sqrt(k),
    widened by t(k-1)/z at 97.5%.

    >>> round(float(spread(np.arange(1.0, 9.0))), 3)  # sd 2.45 / sqrt(8) x 2.365 / 1.96
    1.045
    """
    figures = np.asarray(figures, dtype=float)
    k = figures.shape[0]
    widen = T_975[k - 1] / 1.959964 if k - 1 in T_975 else 1.0
    return widen * np.std(figures, axis=0, ddof=1) / np.sqrt(k)


def probability_between_populations(event: np.ndarray, sizes: Sequence[int]) -> float:
    """Standard error of P(event) from independent populations."""
    return between_populations(np.asarray(event, dtype=float), sizes, [])[0]
