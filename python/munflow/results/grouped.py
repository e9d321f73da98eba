"""Results grouped by estimate: a scenario's outputs measure a munition's
quantity under one of its alternative estimates, so their tables are indexed
by (munition, quantity[, estimate]) and ``compare()`` sets the estimates side
by side. The grouping is one table (``output_info``) added to samples, a
posterior or a summary alike."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from munflow._core import Expr
from munflow.results import weighted
from munflow.words import samples_behind, words

if TYPE_CHECKING:
    from munflow.results.protocols import TitledScenario


class Grouping:
    """What each output of a scenario measures (``output_info``: munition,
    quantity, estimate) and the alternative estimates (``estimates``), with
    the scenario they came from."""

    def __init__(
        self, scenario: TitledScenario, output_info: pd.DataFrame, estimates: Sequence[str]
    ) -> None:
        self.scenario = scenario
        #: What each output measures: munition (or "total"), quantity, estimate.
        self.output_info = output_info
        #: The alternative estimates, side by side in the tables.
        self.estimates = list(estimates)

    def group(self, table: pd.DataFrame) -> pd.DataFrame:
        """A one-row-per-output table indexed by (munition, quantity) and,
        when there are alternative estimates, estimate."""
        levels = ["munition", "quantity"] + (["estimate"] if self.estimates else [])
        table.index = pd.MultiIndex.from_frame(self.output_info.loc[table.index, levels])
        return table

    def compare(self, res: Any, quantity: str, scale: str) -> pd.DataFrame:
        """Each pair of estimates (a, b): the median and 90% interval of
        ``quantity`` under each and P(a > b), from ``res``'s samples, or
        from its summary and the probabilities it computed up front."""
        if not res.keeps_samples and quantity != COMPARED:
            raise ValueError(
                f"a summary-only run computes the comparison of {COMPARED!r} only; "
                "run with store='columns' to compare another quantity"
            )
        if not res.keeps_samples and not self.estimates:
            return pd.DataFrame()
        samples = samples_behind(res)
        table = None if res.keeps_samples else res.summary([0.05, 0.5, 0.95], grouped=False)
        rows = []
        for a, b in itertools.combinations(self.estimates, 2):
            name_a, name_b = f"{quantity}[{a}]", f"{quantity}[{b}]"
            if table is None:
                xa, xb = res[name_a], res[name_b]
                # The rows res[name] holds count equally, a posterior's too.
                weights = np.ones(len(xa))
                qa = weighted.quantiles(xa, weights, [0.05, 0.5, 0.95])
                qb = weighted.quantiles(xb, weights, [0.05, 0.5, 0.95])
                p = res.prob(xa > xb)
            else:
                qa = [table.loc[name_a][k] for k in ("p5", "p50", "p95")]
                qb = [table.loc[name_b][k] for k in ("p5", "p50", "p95")]
                p = res.prob(_comparison_event(a, b))
            rows.append(
                {
                    "quantity": quantity,
                    "a": a,
                    "b": b,
                    **{f"a_{k}": q for k, q in zip(("p5", "p50", "p95"), qa, strict=True)},
                    **{f"b_{k}": q for k, q in zip(("p5", "p50", "p95"), qb, strict=True)},
                    "P(a > b)": p,
                    "words": words(p, n=samples, scale=scale),
                }
            )
        return pd.DataFrame(rows)


#: The quantity whose alternative estimates compare() sets side by side.
COMPARED = "total.containers"


def _comparison_event(a: str, b: str, quantity: str = COMPARED) -> str:
    return f"{quantity}[{a}] > {quantity}[{b}]"


def comparison_events(exprs: dict[str, Expr], estimates: Sequence[str]) -> dict[str, Expr]:
    """The events compare() reads, for a summary-only run to compute."""
    return {
        _comparison_event(a, b): exprs[f"{COMPARED}[{a}]"] > exprs[f"{COMPARED}[{b}]"]
        for a, b in itertools.combinations(estimates, 2)
        if f"{COMPARED}[{a}]" in exprs and f"{COMPARED}[{b}]" in exprs
    }


def output_info(rows: Sequence[Sequence[Any]]) -> pd.DataFrame:
    """What each output measures, from (name, munition, quantity, estimate) rows."""
    return pd.DataFrame(
        [tuple(row) for row in rows], columns=["name", "munition", "quantity", "estimate"]
    ).set_index("name")
