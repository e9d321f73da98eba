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


def tornado(table: Any, *, ax: Axes | None = None) -> Axes:
    """Tornado bars from :func:`munflow.tornado`: for each input (widest swing
    on top) a bar from the output with the input held low to the output with
    it held high, split at the base value (every input varying)."""
    ax = _axes(ax)
    base = table.attrs.get("base", float(np.median(table[["output_low", "output_high"]])))
    rows = table.iloc[::-1]
    y = np.arange(len(rows))
    low_q = table.attrs.get("low", 0.1)
    high_q = table.attrs.get("high", 0.9)
    ax.barh(
        y,
        rows["output_low"] - base,
        left=base,
        color="C0",
        alpha=0.8,
        label=f"input at its p{low_q * 100:g}",
    )
    ax.barh(
        y,
        rows["output_high"] - base,
        left=base,
        color="C1",
        alpha=0.8,
        label=f"input at its p{high_q * 100:g}",
    )
    ax.axvline(base, color="black", lw=1)
    ax.set_yticks(y, list(rows.index))
    statistic = table.attrs.get("statistic", "median")
    ax.set_xlabel(f"{statistic} of {table.attrs.get('output', 'output')}")
    ax.legend(loc="lower right")
    return ax


def sobol(
    table: Any,
    *,
    indices: Sequence[str] = ("S1", "ST"),
    ax: Axes | None = None,
) -> Axes:
    """Bars of Sobol indices from :func:`munflow.sobol` with their confidence
    intervals (``*_conf`` half-widths) as error bars, one group per input."""
    ax = _axes(ax)
    x = np.arange(len(table))
    width = 0.8 / len(indices)
    for j, name in enumerate(indices):
        conf = table.get(f"{name}_conf")
        ax.bar(
            x + (j - (len(indices) - 1) / 2) * width,
            table[name],
            width,
            yerr=None if conf is None else np.nan_to_num(conf),
            capsize=3,
            label=name,
            color=f"C{j}",
            alpha=0.85,
        )
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(x, list(table.index), rotation=30, ha="right")
    ax.set_ylabel("share of variance")
    ax.set_title(f"Sobol indices of {table.attrs.get('output', 'output')}")
    ax.legend()
    return ax


def rank_correlation(table: Any, *, ax: Axes | None = None) -> Axes:
    """Spearman's rho of each input with the output, from
    :func:`munflow.rank_correlation`, with its confidence half-width."""
    ax = _axes(ax)
    rows = table.iloc[::-1]
    y = np.arange(len(rows))
    colors = ["C3" if rho < 0 else "C0" for rho in rows["rho"]]
    ax.barh(y, rows["rho"], xerr=rows.get("rho_conf"), color=colors, alpha=0.85, capsize=3)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(y, list(rows.index))
    ax.set_xlim(-1, 1)
    ax.set_xlabel(f"Spearman's rank correlation with {table.attrs.get('output', 'the output')}")
    return ax


def value_of_information(table: Any, *, ax: Axes | None = None) -> Axes:
    """Expected narrowing of the output's interval if each input were known,
    from :func:`munflow.value_of_information`."""
    ax = _axes(ax)
    rows = table.iloc[::-1]
    ax.barh(np.arange(len(rows)), rows["narrowing"] * 100, color="C2", alpha=0.85)
    ax.set_yticks(np.arange(len(rows)), list(rows.index))
    level = table.attrs.get("level", 0.9)
    ax.set_xlabel(f"expected narrowing of the {level:.0%} interval (%)")
    return ax
