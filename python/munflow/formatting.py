"""Numbers as analysts read them, and tables that display them so.

One rule for every table munflow prints (summaries, the command line, the
notebook display): thousands separators for large figures, whole numbers
without decimals, three significant digits otherwise, never scientific
notation. The DataFrames themselves keep full floats.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

#: Below this, a figure is shown as 0 (three significant digits would need
#: more than a dozen zeros).
TINY = 1e-12


def readable(x: Any) -> str:
    """A number for a table: ``3,010,000``, ``430``, ``17.5``, ``0.203``,
    ``0.0000152``; NaN and infinities as Python writes them.

    >>> readable(3010000.4), readable(0.2034), readable(-1.5e-5), readable(12.34)
    ('3,010,000', '0.203', '-0.000015', '12.3')
    """
    if isinstance(x, bool) or not isinstance(x, int | float):
        return str(x)
    x = float(x)
    if not math.isfinite(x):
        return str(x)
    if abs(x) >= 999.95:  # what would round to 1000.0 below
        return f"{x:,.0f}"
    if x.is_integer():  # quantiles of counts are whole numbers
        return f"{x:.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    if abs(x) < TINY:
        return "0"
    # Three significant digits, in plain decimals: 0.0000152, not 1.52e-05.
    decimals = 2 - math.floor(math.log10(abs(x)))
    return f"{x:.{decimals}f}".rstrip("0").rstrip(".") if decimals > 0 else f"{x:.0f}"


class ReadableTable(pd.DataFrame):
    """A DataFrame of figures that keeps its floats but prints them readably
    (text and HTML): what ``summary()`` and the analyses return."""

    @property
    def _constructor(self) -> type[ReadableTable]:
        return ReadableTable

    def __repr__(self) -> str:
        return self.to_string(float_format=readable)

    def _repr_html_(self) -> str:
        return self.to_html(float_format=readable, border=0)


def quantile_label(q: float) -> str:
    """Column heading for a quantile level: 0.05 -> 'p5', 0.025 -> 'p2.5'."""
    return "p" + f"{q * 100:.6g}"
