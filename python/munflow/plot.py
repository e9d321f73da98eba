"""Plots of results (matplotlib). Every function returns the Axes it drew on
(``ranges`` of a scenario and ``prior_posterior`` of several outputs: one
Axes per quantity).

Conventions: axes show plain figures as analysts write them (``3,010,000``,
never a ``1e6`` offset), legends sit above the plot where they cannot cover
bars, and discrete outputs get one bin per whole number (or whole-number wide
bins), not a comb.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from munflow.formatting import quantile_label, readable
from munflow.results import weighted

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from munflow.results.protocols import Posterior, Samples


def _axes(ax: Axes | None, size: tuple[float, float] = (7, 4)) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=size, layout="constrained")[1]


def _plain_numbers(axis: Any, ticks: int | None = 5, *, integer: bool = False) -> None:
    """Tick labels as readable figures (no offset, no scientific notation),
    at most about `ticks` of them so that wide figures do not collide; for
    counts (`integer`) whole numbers at steps of 1, 2 or 5 times a power of
    ten (0, 10, 20, 30: not 0, 8, 16, 24)."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    if ticks is not None:
        steps = [1, 2, 2.5, 5, 10] if integer else None
        axis.set_major_locator(MaxNLocator(nbins=ticks, steps=steps, integer=integer))
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: readable(v)))


def _legend_above(ax: Axes, ncols: int = 2, **options: Any) -> None:
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=ncols, frameon=False, **options)


def _bins(
    values: np.ndarray, bins: int, span: tuple[float, float] | None = None
) -> int | np.ndarray:
    """`bins` equal bins (over `span` if given, else the values' range), or
    for whole-number values bins a whole number wide centred on the integers
    (a comb of empty bins otherwise)."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return bins
    whole = bool(np.all(finite == np.round(finite)))
    if span is None:
        if not whole:
            return bins
        lo, hi = float(finite.min()), float(finite.max())
    else:
        lo, hi = span
        if not whole:
            return np.linspace(lo, hi, bins + 1) if hi > lo else bins
        lo, hi = float(np.floor(lo)), float(np.ceil(hi))
    width = max(1.0, np.ceil((hi - lo + 1) / bins))
    return np.arange(lo - 0.5, hi + width + 0.5, width)


def hist(
    res: Samples,
    name: str,
    *,
    bins: int = 80,
    interval: float = 0.9,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Histogram of one column, with its median and central ``interval`` marked
    (in a legend above the plot: give a figure title with ``fig.suptitle``)."""
    ax = _axes(ax)
    values = np.asarray(res[name])
    ax.hist(values, bins=_bins(values, bins), density=True, alpha=0.75, **kwargs)
    lo, mid, hi = np.quantile(values, [(1 - interval) / 2, 0.5, (1 + interval) / 2])
    ax.axvline(mid, color="black", lw=1.5, label=f"median {readable(mid)}")
    ax.axvspan(
        lo, hi, color="grey", alpha=0.15, label=f"{interval:.0%}: {readable(lo)} to {readable(hi)}"
    )
    ax.set_xlabel(name)
    # A density's scale (per unit of the output) means nothing to a reader:
    # the shape does.
    ax.set_ylabel("how likely")
    ax.set_yticks([])
    _plain_numbers(ax.xaxis)
    _legend_above(ax)
    return ax


def prior_posterior(
    res: Posterior,
    outputs: str | Sequence[str] | None = None,
    *,
    bins: int | None = None,
    ax: Axes | Sequence[Axes] | None = None,
) -> Axes | list[Axes]:
    """Each output's prior (the model without its evidence) and posterior
    overlaid, one panel per output (every output by default), each with its
    own scale. The posterior is drawn with its rows' weights, so a weighted
    posterior's mass sits where the evidence put it; the medians are marked
    (dashed: prior) and given in a legend above each panel; the figure's
    title names the observations.

    The posterior is drawn over its central 99.9% and the prior over its
    central 98% (a long prior tail would squash the posterior into a spike),
    as densities of the whole distribution, in ``bins`` bins; by default about 2.5 times
    the cube root of its effective sample size (10 to 80), so a weighted
    posterior with few effective samples is not drawn as noise. Whole-number
    outputs get bins a whole number wide, as in :func:`hist`, and whole-number
    ticks.

    ``ax`` takes an Axes (one output) or one Axes per output; the
    observations are then named in the first legend's title. Returns the
    Axes, or a list of them for several outputs.
    """
    if outputs is None:
        names = list(res.outputs)
    elif isinstance(outputs, str):
        names = [outputs]
    else:
        names = [str(name) for name in outputs]
    if not names:
        raise ValueError("no outputs to plot")
    for name in names:
        res[name]  # raises KeyError naming the columns
    given = ", ".join(res.observations)
    if ax is None:
        import matplotlib.pyplot as plt

        fig, grid = plt.subplots(
            len(names),
            1,
            figsize=(7, 2.6 * len(names) + 0.5),
            layout="constrained",
            squeeze=False,
        )
        axes = list(grid[:, 0])
        fig.suptitle(textwrap.fill(f"prior and posterior given {given}", 90), fontsize="medium")
    else:
        from matplotlib.axes import Axes as AxesType

        axes = [ax] if isinstance(ax, AxesType) else list(ax)
        if len(axes) != len(names):
            raise ValueError(
                f"ax gives {len(axes)} Axes for {len(names)} outputs; give one per output "
                "or leave ax=None"
            )
    prior = res.prior
    sizes = {"prior": float(prior.n), "posterior": min(float(res.ess), float(res.n))}
    for i, (axis, name) in enumerate(zip(axes, names, strict=True)):
        handles: list[tuple[Any, Any]] = []
        labels: list[str] = []
        whole = True
        spans: list[tuple[float, float]] = []
        for values, w, label in (
            (np.asarray(prior[name]), None, "prior"),
            (*(np.asarray(a) for a in res._weighted(name)), "posterior"),
        ):
            keep = np.isfinite(values)
            if w is not None:
                keep &= w > 0
            x = values[keep]
            wx = None if w is None else w[keep]
            if x.size == 0:
                continue
            whole = whole and bool(np.all(x == np.round(x)))
            count = bins if bins is not None else _bins_for(sizes[label])
            mid = float(np.median(x) if wx is None else weighted.quantiles(x, wx, [0.5])[0])
            posterior = label == "posterior"
            # The prior's far tail (dark voyages nobody saw...) would squash the
            # posterior into a spike: the prior is drawn over its central 98%.
            span = _central(x, wx, 0.999 if posterior else 0.98)
            spans.append(span)
            edges = _bins(x, count, span)
            if isinstance(edges, int):
                edges = np.linspace(span[0], span[1], edges + 1)
            # Heights are densities of the whole distribution (mass beyond
            # the drawn span counts in the total), so the areas compare.
            inside = (x >= edges[0]) & (x <= edges[-1])
            total = float(x.size if wx is None else wx.sum())
            mass = np.ones(x.size) if wx is None else wx
            _, _, patches = axis.hist(
                x[inside],
                bins=edges,
                weights=mass[inside] / (total * (edges[1] - edges[0])),
                histtype="stepfilled",
                color="C0" if posterior else "0.55",
                alpha=0.55 if posterior else 0.45,
                label=label,
            )
            line = axis.axvline(
                mid,
                color="black" if posterior else "0.3",
                lw=1.5 if posterior else 1.2,
                ls="-" if posterior else "--",
            )
            handles.append((patches[0], line))
            labels.append(f"{label}: median {readable(mid)}")
        if spans:
            axis.set_xlim(min(lo for lo, _ in spans), max(hi for _, hi in spans))
        axis.set_xlabel(name)
        axis.set_ylabel("how likely")
        axis.set_yticks([])
        _plain_numbers(axis.xaxis, 4, integer=whole)
        title = textwrap.fill(f"given {given}", 70) if ax is not None and i == 0 else None
        _legend_above(axis, handles=handles, labels=labels, title=title)
    return axes[0] if len(axes) == 1 else axes


def _bins_for(size: float) -> int:
    """Bins a histogram of `size` effective samples can fill without noise."""
    return int(np.clip(round(2.5 * size ** (1 / 3)), 10, 80))


def _central(
    values: np.ndarray, weights: np.ndarray | None, mass: float = 0.999
) -> tuple[float, float]:
    """The range holding the central `mass` of the (weighted) values."""
    qs = [(1 - mass) / 2, (1 + mass) / 2]
    if weights is None:
        lo, hi = np.quantile(values, qs)
    else:
        lo, hi = weighted.quantiles(values, weights, qs)
    return float(lo), float(hi)


def ranges(
    res: Samples,
    names: Sequence[str] | None = None,
    *,
    interval: float = 0.9,
    log: bool | None = None,
    ax: Axes | None = None,
) -> Axes | list[Axes]:
    """Each quantity's median and central ``interval``, as horizontal bars.

    Quantities of different units do not share an axis: the outputs of a
    scenario are drawn one panel per quantity (containers, delivered,
    functioning, days of fire...), each with its own scale, and a list of
    Axes is returned. A panel whose ranges span more than two orders of
    magnitude (shells in millions beside missiles in tens) is drawn on a log
    scale; ``log=True`` or ``False`` decides for every panel.
    """
    names = list(names) if names is not None else list(res.outputs)
    panels = _panels(res, names)
    if ax is not None and len(panels) > 1:
        raise ValueError("these outputs need one panel per quantity; leave ax=None")
    if ax is None:
        import matplotlib.pyplot as plt

        heights = [len(rows) + 1.2 for _, rows in panels]
        fig, axes = plt.subplots(
            len(panels),
            1,
            figsize=(8, 0.32 * sum(heights) + 0.6),
            height_ratios=heights,
            layout="constrained",
            squeeze=False,
        )
        axes = list(axes[:, 0])
    else:
        axes = [ax]
    for axis, (title, rows) in zip(axes, panels, strict=True):
        _range_bars(axis, res, rows, interval, log)
        axis.set_title(title, loc="left", fontsize="medium")
    axes[-1].set_xlabel(f"median (dot) and {interval:.0%} interval (bar)")
    return axes[0] if len(axes) == 1 else axes


def range_bars(
    res: Samples,
    rows: Sequence[tuple[str, str]],
    *,
    interval: float = 0.9,
    log: bool | None = None,
    ticks: int = 5,
    ax: Axes | None = None,
) -> Axes:
    """The median and central ``interval`` of each (label, output) of
    ``rows`` on one axis, whatever their quantities (the caller groups
    outputs of one unit: a report draws each munition's rounds together);
    at most about ``ticks`` figures along the axis."""
    ax = _axes(ax, (7, 0.4 * len(rows) + 1))
    _range_bars(ax, res, rows, interval, log, ticks)
    ax.set_xlabel(f"median (dot) and {interval:.0%} interval (bar)")
    return ax


def _range_bars(
    axis: Any,
    res: Any,
    rows: Sequence[tuple[str, str]],
    interval: float,
    log: bool | None,
    ticks: int = 5,
) -> None:
    lo_q, hi_q = round((1 - interval) / 2, 12), round((1 + interval) / 2, 12)
    # From the summary, so the bars are its figures (a posterior's weighted
    # ones; a summary-only run's, which keeps no samples).
    levels = [lo_q, 0.5, hi_q]
    table = res.summary(levels, columns=[column for _, column in rows])
    spans = table[[quantile_label(q) for q in levels]].to_numpy(dtype=float)
    for i, (lo, mid, hi) in enumerate(spans):
        axis.plot([lo, hi], [i, i], lw=7, alpha=0.5, color="C0", solid_capstyle="butt")
        axis.plot([mid], [i], "o", color="black", ms=4)
    axis.set_yticks(range(len(rows)), [label for label, _ in rows])
    axis.set_ylim(len(rows) - 0.5, -0.5)
    positive = bool((spans[:, 0] > 0).all())
    wide = positive and spans[:, 2].max() > 100 * spans[:, 0].min()
    if (log if log is not None else wide) and positive:
        _log_scale(axis, np.log10(spans[:, 2].max() / spans[:, 0].min()))
    else:
        _plain_numbers(axis.xaxis, ticks)
    axis.grid(axis="x", alpha=0.3)


def _log_scale(axis: Any, decades: float) -> None:
    """A log x-axis in plain figures: labelled at 1, 2, 5, 10, 20... over a
    few decades, at powers of ten over more (where 1-2-5 labels would collide)."""
    from matplotlib.ticker import LogLocator, NullFormatter

    axis.set_xscale("log")
    subs = (1.0, 2.0, 5.0) if decades <= 2.5 else (1.0,)
    axis.xaxis.set_major_locator(LogLocator(base=10, subs=subs))
    axis.xaxis.set_minor_formatter(NullFormatter())
    _plain_numbers(axis.xaxis, ticks=None)


def _panels(res: Any, names: list[str]) -> list[tuple[str, list[tuple[str, str]]]]:
    """(title, [(row label, column)]) per quantity for scenario results (the
    quantity in the title, not repeated in the labels); one panel otherwise."""
    info = getattr(res, "output_info", None)
    if info is None or not all(n in info.index for n in names):
        return [("", [(n, n) for n in names])]
    panels: dict[str, list[tuple[str, str]]] = {}
    for n in names:
        row = info.loc[n]
        estimate = row["estimate"]
        label = row["munition"] + (f" [{estimate}]" if isinstance(estimate, str) else "")
        panels.setdefault(str(row["quantity"]).replace("_", " "), []).append((label, n))
    return list(panels.items())


def tornado(table: Any, *, ax: Axes | None = None) -> Axes:
    """Tornado bars from :func:`munflow.tornado`: for each input (widest swing
    on top) a bar from the output with the input held low to the output with
    it held high, split at the base value (every input varying)."""
    ax = _axes(ax, (7, 0.45 * len(table) + 1.6))
    base = table.attrs.get("base", float(np.median(table[["output_low", "output_high"]])))
    rows = table.iloc[::-1]
    y = np.arange(len(rows))
    low_q = table.attrs.get("low", 0.1)
    high_q = table.attrs.get("high", 0.9)
    for column, color, q in (("output_low", "C0", low_q), ("output_high", "C1", high_q)):
        ax.barh(
            y,
            rows[column] - base,
            left=base,
            color=color,
            alpha=0.8,
            label=f"input at its p{q * 100:g}",
        )
    ax.axvline(base, color="black", lw=1)
    ax.set_yticks(y, list(rows.index))
    statistic = table.attrs.get("statistic", "median")
    ax.set_xlabel(f"{statistic} of {table.attrs.get('output', 'output')}")
    _plain_numbers(ax.xaxis)
    _legend_above(ax)
    return ax


def sobol(
    table: Any,
    *,
    indices: Sequence[str] = ("S1", "ST"),
    ax: Axes | None = None,
    title: str = "Sobol indices",
) -> Axes:
    """Bars of Sobol indices from :func:`munflow.sobol` with their confidence
    intervals (``*_conf`` half-widths) as error bars, one group per input."""
    ax = _axes(ax, (max(6.0, 0.7 * len(table) + 2), 4.2))
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
    ax.set_title(f"{title} of {table.attrs.get('output', 'output')}", pad=24)
    _legend_above(ax)
    return ax


def rank_correlation(table: Any, *, ax: Axes | None = None) -> Axes:
    """Spearman's rho of each input with the output, from
    :func:`munflow.rank_correlation`, with its confidence half-width."""
    ax = _axes(ax, (7, 0.45 * len(table) + 1.4))
    rows = table.iloc[::-1]
    y = np.arange(len(rows))
    colors = ["C3" if rho < 0 else "C0" for rho in rows["rho"]]
    ax.barh(y, rows["rho"], xerr=rows.get("rho_conf"), color=colors, alpha=0.85, capsize=3)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(y, list(rows.index))
    ax.set_xlim(-1, 1)
    ax.set_xlabel("Spearman's rank correlation (rho)")
    ax.set_title(f"with {table.attrs.get('output', 'the output')}", loc="left", fontsize="medium")
    return ax


def value_of_information(table: Any, *, ax: Axes | None = None) -> Axes:
    """Expected narrowing of the output's interval if each input were known,
    from :func:`munflow.value_of_information`."""
    ax = _axes(ax, (7, 0.45 * len(table) + 1.4))
    rows = table.iloc[::-1]
    ax.barh(np.arange(len(rows)), rows["narrowing"] * 100, color="C2", alpha=0.85)
    ax.set_yticks(np.arange(len(rows)), list(rows.index))
    level = table.attrs.get("level", 0.9)
    ax.set_xlabel(f"expected narrowing of the {level:.0%} interval (%)")
    ax.set_title(
        f"if each were known: {table.attrs.get('output', 'the output')}",
        loc="left",
        fontsize="medium",
    )
    return ax


def fan(
    table: Any,
    *,
    statements: Sequence[dict[str, Any]] = (),
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """A fan chart from a per-period table (``TimelineResults.period_summary``
    with p5, p25, p50, p75 and p95): the median as a line, the 50% and 90%
    bands around it, dates along the bottom, and each dated statement: a
    measurement or a range as a point with its error bar, ``at_least`` as a
    caret with an arrow up from its level, ``at_most`` one down; labels are
    moved apart where they would overlap."""
    import matplotlib.dates as mdates

    ax = _axes(ax, (8, 4.5))
    dates = table["date"].to_numpy()
    colour = "tab:blue"
    ax.fill_between(
        dates, table["p5"], table["p95"], color=colour, alpha=0.18, lw=0, label="90% range"
    )
    ax.fill_between(
        dates, table["p25"], table["p75"], color=colour, alpha=0.35, lw=0, label="50% range"
    )
    ax.plot(dates, table["p50"], color=colour, lw=2, label="median")
    _statements(ax, statements, span=float(np.nanmax(table["p95"]) - np.nanmin(table["p5"])))
    ax.set_ylim(bottom=min(0.0, float(np.nanmin(table["p5"]))))
    _plain_numbers(ax.yaxis)
    locator = mdates.AutoDateLocator(maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.grid(axis="y", alpha=0.3)
    # Four entries side by side on a wide figure, two rows of two on a
    # narrow one; the title heads the legend, so the two never overlap.
    ncols = 4 if ax.figure.get_figwidth() >= 7 else 2
    _legend_above(ax, ncols=ncols, title=title, title_fontsize="large")
    return ax


def _statements(ax: Axes, statements: Sequence[dict[str, Any]], span: float) -> None:
    """Dated statements over a fan chart (see :func:`fan`)."""
    import matplotlib.dates as mdates
    from matplotlib.transforms import offset_copy

    arrow = 0.12 * span if span > 0 else 1.0
    ordered = sorted(statements, key=lambda s: s["date"])
    same_day: dict[Any, int] = {}
    for s in ordered:
        same_day[s["date"]] = same_day.get(s["date"], 0) + 1
    seen: dict[Any, int] = {}
    labels, marks = [], []
    said: set[str] = set()
    for s in ordered:
        # Statements about the same period stand side by side, 12 points apart.
        k = seen[s["date"]] = seen.get(s["date"], -1) + 1
        shift = 12 * (k - (same_day[s["date"]] - 1) / 2)
        where = offset_copy(ax.transData, fig=ax.figure, x=shift, y=0, units="points")
        side = s.get("side", "both")
        if side == "both":
            legend = "statement (90% error)"
            low, high, top = s["low"], s["high"], s["high"]
            style: dict[str, Any] = {"fmt": "o", "ms": 6}
            yerr = [[s["value"] - low], [high - s["value"]]]
        else:
            # A bound is one-sided: the truth lies anywhere past its level.
            up = side == "above"
            legend = "at least" if up else "at most"
            low, high = (s["value"], s["value"] + arrow) if up else (s["value"] - arrow, s["value"])
            top = high
            style = {"fmt": "_", "ms": 14, "mew": 2, "lolims": up, "uplims": not up}
            yerr = [[0.0], [arrow]] if up else [[arrow], [0.0]]
        ax.errorbar(
            [s["date"]],
            [s["value"]],
            yerr=yerr,
            color="black",
            capsize=4,
            zorder=5,
            transform=where,
            label=None if legend in said else legend,
            **style,
        )
        said.add(legend)
        x = mdates.date2num(s["date"])  # a transform of its own takes numbers
        marks.append((where, x, low, high))
        labels.append(
            ax.annotate(
                s["name"],
                (x, top),
                xycoords=where,
                xytext=(0, 4),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=8,
                zorder=6,
            )
        )
    _apart(ax, labels, marks)


def _apart(ax: Axes, labels: list[Any], marks: list[tuple[Any, Any, float, float]]) -> None:
    """Moves each label up until it overlaps no statement's mark and no
    label placed before it (in date order): close statements get stacked
    labels rather than a smudge."""
    from matplotlib.transforms import Bbox

    get_renderer = getattr(ax.figure.canvas, "get_renderer", None)
    if get_renderer is None:
        return
    renderer = get_renderer()
    placed = []
    for where, x, low, high in marks:
        (x0, y0), (x1, y1) = where.transform([(x, low), (x, high)])
        placed.append(Bbox.from_extents(x0 - 6, min(y0, y1), x1 + 6, max(y0, y1)))
    for label in labels:
        for _ in range(len(placed) + 1):
            box = label.get_window_extent(renderer).expanded(1.0, 1.1)
            if not any(box.overlaps(other) for other in placed):
                break
            x, y = label.xyann
            label.xyann = (x, y + box.height * 72 / ax.figure.dpi)
        placed.append(label.get_window_extent(renderer))


def stock(
    delivered: Any,
    wanted: Any,
    *,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Stock against consumption, from two per-period tables (p5, p50, p95):
    rounds delivered in working order, cumulative (blue: median and 90%
    band), against the rounds that fire from this source would use,
    cumulative (red). Where the red runs above the blue, the stock is empty
    and fire from this source stops short."""
    import matplotlib.dates as mdates

    ax = _axes(ax, (8, 4.5))
    for table, colour, label in (
        (delivered, "tab:blue", "delivered, working"),
        (wanted, "tab:red", "wanted by fire from this source"),
    ):
        dates = table["date"].to_numpy()
        ax.fill_between(dates, table["p5"], table["p95"], color=colour, alpha=0.18, lw=0)
        ax.plot(dates, table["p50"], color=colour, lw=2, label=f"{label} (median; 90% band)")
    ax.set_ylim(bottom=0)
    _plain_numbers(ax.yaxis)
    locator = mdates.AutoDateLocator(maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.grid(axis="y", alpha=0.3)
    _legend_above(ax, ncols=2, title=title, title_fontsize="large")
    return ax


def _distinct_labels(names: Any, width: int = 44) -> list[str]:
    """Sources are sentences: each is shortened to about ``width``
    characters (two short lines; the table has them whole), longer where
    that would give two sources one label, and numbered where even their
    whole text is the same once shortened."""
    names = [" ".join(str(name).split()) for name in names]

    def short(name: str, size: int) -> str:
        return textwrap.shorten(name, size, placeholder="...")

    labels = [short(name, width) for name in names]
    for size in (width + 24, width + 48, width + 96):
        clashing = {label for label in labels if labels.count(label) > 1}
        if not clashing:
            return labels
        labels = [
            short(n, size) if lab in clashing else lab for n, lab in zip(names, labels, strict=True)
        ]
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if labels.count(label) == 1 else f"{label} ({seen[label]})")
    return out


def rests_on(table: Any, *, ax: Axes | None = None) -> Axes:
    """What an output rests on: each origin's share of its variance as a
    horizontal bar with its bootstrap half-width, largest first."""
    labels = [textwrap.fill(label, 24) for label in _distinct_labels(table.index)]
    lines = max((label.count("\n") + 1 for label in labels), default=1)
    ax = _axes(ax, (7, (0.17 * lines + 0.15) * len(table) + 1.2))
    y = np.arange(len(table))
    ax.barh(y, table["share"], xerr=table["share_conf"], color="C0", alpha=0.8, capsize=3)
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlim(0, max(1.0, float((table["share"] + table["share_conf"]).max())))
    from matplotlib.ticker import PercentFormatter

    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel("share of the variance (Shapley effect)")
    output = table.attrs.get("output")
    if output:
        ax.set_title(f"what {output} rests on", loc="left")
    ax.grid(axis="x", alpha=0.3)
    return ax
