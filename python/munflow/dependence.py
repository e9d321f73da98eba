"""Correlated inputs: drawing several inputs jointly with a target rank
correlation, and checking the correlation a run achieved.

>>> import munflow as mf
>>> share = mf.beta(6, 4, name="share_152mm")
>>> load = mf.pert(300, 430, 500, name="per_container")
>>> share, load = mf.correlate([share, load], 0.6)
>>> res = mf.run({"shells": 7000 * load * share}, n=20_000, seed=1)
>>> round(float(res.rank_correlation_matrix(["share_152mm", "per_container"]).iloc[0, 1]), 1)
0.6
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from munflow import _core
from munflow._core import Expr

METHODS = ("iman-conover", "gaussian-copula")


class CorrelationRepairWarning(UserWarning):
    """A target correlation matrix was not positive semi-definite (no joint
    law has it) and the nearest correlation matrix was used instead."""


def correlate(
    inputs: Sequence[Expr], rank_corr: Any, *, method: str = "iman-conover"
) -> list[Expr]:
    """Draw ``inputs`` jointly, with Spearman rank correlations ``rank_corr``.

    Returns new inputs, in the same order, with the same distributions and
    names; the given ones are unchanged (build the model from the returned
    ones). Each input keeps its distribution exactly; only how the inputs
    move together changes.

    Parameters
    ----------
    inputs : drawn inputs (distributions such as ``mf.pert(...)``), at least
        two. Derived expressions (``a * b``), constants and draws whose
        parameters are random are refused: correlate what they are computed
        from.
    rank_corr : the target Spearman matrix (k x k, symmetric, ones on the
        diagonal, entries in [-1, 1]); a number for two inputs. A matrix
        that no joint distribution can have (not positive semi-definite) is
        replaced by the nearest correlation matrix (Higham 2002), with a
        :class:`CorrelationRepairWarning` that shows it.
    method : ``"iman-conover"`` (the default) reorders each input's own
        draws, so every input's sample is exactly the one an uncorrelated
        run draws, ties of discrete inputs included; ``"gaussian-copula"``
        takes each input's quantile at correlated normal scores, which
        :func:`munflow.shapley` needs (it conditions on some inputs exactly).

    >>> import munflow as mf
    >>> a, b, c = mf.correlate(
    ...     [mf.normal(0, 1, name="a"), mf.gamma(2, 1, name="b"), mf.uniform(0, 1, name="c")],
    ...     [[1, 0.5, 0.2], [0.5, 1, 0.0], [0.2, 0.0, 1]],
    ... )
    >>> a.name
    'a'
    """
    if isinstance(inputs, Expr) or not isinstance(inputs, Sequence):
        raise TypeError(f"inputs must be a list of drawn inputs, got {type(inputs).__name__}")
    if method not in METHODS:
        raise ValueError(f"method must be 'iman-conover' or 'gaussian-copula', got {method!r}")
    matrix = _as_matrix(rank_corr, len(inputs))
    coupled, repaired = _core.correlate(list(inputs), matrix, method)
    if repaired is not None:
        given = np.asarray(matrix)
        used = np.asarray(repaired)
        warnings.warn(
            "rank_corr is not positive semi-definite (no joint distribution has these "
            "correlations together); using the nearest correlation matrix (Higham 2002), "
            f"{np.linalg.norm(used - given):.3g} away in the Frobenius norm:\n"
            + np.array2string(used, precision=3, suppress_small=True),
            CorrelationRepairWarning,
            stacklevel=2,
        )
    return list(coupled)


def _as_matrix(rank_corr: Any, k: int) -> list[list[float]]:
    """The target as a list of rows of floats; a number for two inputs."""
    if isinstance(rank_corr, bool):
        raise TypeError("rank_corr must be a number or a matrix, got bool")
    if isinstance(rank_corr, (int, float, np.floating, np.integer)):
        if k != 2:
            raise ValueError(
                f"rank_corr is a single number ({rank_corr}), which fits two inputs, "
                f"but {k} inputs are given; pass a {k} x {k} matrix"
            )
        r = float(rank_corr)
        return [[1.0, r], [r, 1.0]]
    try:
        m = np.asarray(rank_corr, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(
            f"rank_corr must be a number or a matrix of numbers, got {type(rank_corr).__name__}"
        ) from None
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise ValueError(f"rank_corr must be a square matrix, got shape {m.shape}")
    if m.shape[0] != k:
        raise ValueError(f"rank_corr is {m.shape[0]} x {m.shape[0]} but {k} inputs are given")
    return m.tolist()


def spearman(columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """The Spearman matrix of ``columns`` (midranks for ties)."""
    return pd.DataFrame(columns).corr(method="spearman")


def correlation_check(exprs: Sequence[Expr], columns: Any) -> pd.DataFrame:
    """Target and achieved Spearman correlation of every pair of named,
    correlated inputs that ``exprs`` depend on and ``columns`` holds."""
    rows = []
    for method, _labels, names, target, _normal in _core._couplings(list(exprs)):
        for i, a in enumerate(names):
            for j in range(i):
                b = names[j]
                if a is None or b is None or a not in columns or b not in columns:
                    continue
                achieved = spearman({b: np.asarray(columns[b]), a: np.asarray(columns[a])})
                rows.append(
                    {
                        "input": b,
                        "with": a,
                        "method": method,
                        "target": target[i][j],
                        "achieved": float(achieved.iloc[0, 1]),
                    }
                )
    table = pd.DataFrame(rows, columns=["input", "with", "method", "target", "achieved"])
    table["difference"] = table["achieved"] - table["target"]
    return table


def couplings_of(exprs: Sequence[Expr]) -> list[tuple[Any, ...]]:
    """The couplings (correlate calls) that ``exprs`` depend on."""
    return list(_core._couplings(list(exprs)))
