"""What the sensitivity analyses return: tables in SALib's manner.

Each result is a DataFrame (rows are inputs, columns as in SALib: ``S1``,
``S1_conf``, ``ST``, ``ST_conf`` for Sobol indices) that displays readable
figures, carries how it was made in ``.attrs`` (plain values only: output, n,
seed...), and adds ``.to_df()`` (a plain DataFrame), ``.plot()`` and a rich
notebook display. Sobol's second-order indices are ``.s2``, a table of their
own (never a DataFrame inside ``.attrs``, which pandas compares element-wise
and fails on: pandas issue 60455).
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import pandas as pd

from munflow import plot
from munflow.formatting import ReadableTable

if TYPE_CHECKING:
    from matplotlib.axes import Axes


class SensitivityTable(ReadableTable):
    """A sensitivity table: a DataFrame with ``to_df()``, ``plot()`` and a display."""

    #: What the table answers, for its caption.
    title = "sensitivity"

    @property
    def _constructor(self) -> type[SensitivityTable]:
        return type(self)

    def to_df(self) -> pd.DataFrame:
        """The table as a plain DataFrame (with the same ``attrs``)."""
        frame = pd.DataFrame(self).copy()
        frame.attrs = dict(self.attrs)
        return frame

    def plot(self, *, ax: Axes | None = None, **options: Any) -> Axes:
        """The table as a matplotlib chart; returns the Axes."""
        raise NotImplementedError

    def caption(self) -> str:
        a = self.attrs
        parts = [f"{self.title} of {a.get('output', 'the output')}"]
        if "n" in a:
            parts.append(f"n={a['n']:,}")
        if "seed" in a:
            parts.append(f"seed={a['seed']}")
        return ", ".join(parts)

    def __repr__(self) -> str:
        return f"{self.caption()}\n{super().__repr__()}"

    def _repr_html_(self) -> str:
        return f"<div><p><b>{html.escape(self.caption())}</b></p>{super()._repr_html_()}</div>"


class SobolIndices(SensitivityTable):
    """Sobol indices: ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` per input (rows),
    with ``.s2`` the second-order indices when asked for."""

    title = "Sobol indices"
    _metadata = ["_s2"]

    @property
    def s2(self) -> pd.DataFrame | None:
        """Second-order indices: a table indexed by (input_1, input_2) with
        columns ``S2`` and ``S2_conf``, or None unless ``second_order=True``."""
        return getattr(self, "_s2", None)

    def plot(self, *, ax: Axes | None = None, **options: Any) -> Axes:
        return plot.sobol(self, ax=ax, **options)


class ShapleyEffects(SensitivityTable):
    """Shapley effects: ``Sh`` (each input's share of the variance; they sum
    to 1) and ``Sh_conf`` (bootstrap half-width) per input or group."""

    title = "Shapley effects"

    def plot(self, *, ax: Axes | None = None, **options: Any) -> Axes:
        return plot.sobol(self, indices=("Sh",), ax=ax, title="Shapley effects", **options)


class Tornado(SensitivityTable):
    """Tornado bars: the output's statistic with each input held low and high."""

    title = "tornado"

    def plot(self, *, ax: Axes | None = None, **options: Any) -> Axes:
        return plot.tornado(self, ax=ax, **options)


class RankCorrelation(SensitivityTable):
    """Spearman's rank correlation of each input with the output."""

    title = "rank correlation"

    def plot(self, *, ax: Axes | None = None, **options: Any) -> Axes:
        return plot.rank_correlation(self, ax=ax, **options)


class ValueOfInformation(SensitivityTable):
    """Expected narrowing of the output's interval if each input were known."""

    title = "value of information"

    def plot(self, *, ax: Axes | None = None, **options: Any) -> Axes:
        return plot.value_of_information(self, ax=ax, **options)
