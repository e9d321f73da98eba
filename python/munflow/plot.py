"""Plots of results (matplotlib). Every function returns the Axes it drew on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from munflow.results import Results


def _axes(ax: Axes | None) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(7, 4))[1]


def hist(
    res: Results,
    name: str,
    *,
    bins: int = 80,
    interval: float = 0.9,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Histogram of one column, with its median and central ``interval`` marked."""
    ax = _axes(ax)
    values = res[name]
    ax.hist(values, bins=bins, density=True, alpha=0.75, **kwargs)
    lo, mid, hi = np.quantile(values, [(1 - interval) / 2, 0.5, (1 + interval) / 2])
    ax.axvline(mid, color="black", lw=1.5, label=f"median {mid:,.0f}")
    ax.axvspan(lo, hi, color="grey", alpha=0.15, label=f"{interval:.0%} interval")
    ax.set_xlabel(name)
    ax.set_ylabel("density")
    ax.legend()
    return ax


def ranges(
    res: Results,
    names: Sequence[str] | None = None,
    *,
    interval: float = 0.9,
    ax: Axes | None = None,
) -> Axes:
    """Horizontal bars of each quantity's central interval with its median."""
    ax = _axes(ax)
    names = list(names) if names is not None else res.outputs
    lo_q, hi_q = (1 - interval) / 2, (1 + interval) / 2
    for i, name in enumerate(names):
        lo, mid, hi = np.quantile(res[name], [lo_q, 0.5, hi_q])
        ax.plot([lo, hi], [i, i], lw=6, alpha=0.5, color="C0")
        ax.plot([mid], [i], "o", color="black")
    ax.set_yticks(range(len(names)), names)
    ax.set_xlabel(f"median and {interval:.0%} interval")
    return ax
