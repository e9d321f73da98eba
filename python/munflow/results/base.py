"""What every part of results shares: the table of ranges every summary
is, and the sentences a results object refuses a question with."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from munflow import _core
from munflow.formatting import ReadableTable, quantile_label


def no_samples(question: str) -> str:
    """Why a summary-only run cannot answer ``question``."""
    return (
        f"a summary-only run keeps no samples, so it cannot answer {question}; "
        "run with store='columns' (the default) to keep them"
    )


def no_evidence(question: str) -> str:
    """Why results without evidence cannot answer ``question``."""
    return (
        f"{question} is for a posterior, and this run had no evidence; add observations "
        "with model.observe(...) (or a scenario's [evidence] tables) and run again"
    )


def no_time(question: str) -> str:
    """Why results without a time axis cannot answer ``question``."""
    return (
        f"{question} reads a series over a timeline's periods, and these results are of a "
        "model without one; build it with mf.Timeline(...).model(...)"
    )


def no_grouping(question: str) -> str:
    """Why results not grouped by estimate cannot answer ``question``."""
    return (
        f"{question} sets a scenario's alternative estimates side by side, and these results "
        "are not a scenario's; run a mf.Scenario"
    )


def summary_table(
    summaries: Mapping[str, _core.Summary],
    quantiles: Sequence[float],
    *,
    seed: int,
    n: int,
    levels: Sequence[float] | None = None,
    mcse: Mapping[str, tuple[float, Sequence[float]]] | None = None,
) -> pd.DataFrame:
    """The table of ranges, one row per quantity: mean, sd and the
    ``quantiles`` (p5 ... p95), read from summaries computed at ``levels``
    (default: the same levels); with ``mcse`` (per quantity, the standard
    errors of the mean and of each quantile) each figure's error beside it
    (``mean_se``, ``p5_se``, ...). Every results type's ``summary()`` is
    this table."""
    levels = quantiles if levels is None else levels
    labels = [quantile_label(q) for q in quantiles]
    rows: dict[str, dict[str, float]] = {}
    for name, s in summaries.items():
        at = dict(zip(levels, s.quantiles, strict=True))
        se_mean, se_q = mcse[name] if mcse is not None else (None, [None] * len(quantiles))
        row = {"mean": s.mean} if se_mean is None else {"mean": s.mean, "mean_se": se_mean}
        row["sd"] = s.sd
        for label, q, se in zip(labels, quantiles, se_q, strict=True):
            row[label] = at[q]
            if se is not None:
                row[f"{label}_se"] = se
        rows[name] = row
    table = ReadableTable(pd.DataFrame.from_dict(rows, orient="index"))
    table.index.name = "quantity"
    table.attrs.update(seed=seed, n=n)
    return table


def xarray_module() -> Any:
    """The xarray module, or an ImportError saying how to install it."""
    try:
        import xarray as xr
    except ImportError as err:  # pragma: no cover - exercised without xarray
        raise ImportError("to_xarray() needs xarray: pip install 'munflow[timeline]'") from err
    return xr
