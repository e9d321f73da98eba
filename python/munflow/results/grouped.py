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
from munflow.formatting import readable
from munflow.outputs import DEFAULT_QUANTILES
from munflow.results import weighted
from munflow.results.base import Results
from munflow.results.posterior import PosteriorResults
from munflow.results.summary import PosteriorSummaryResults, SummaryResults
from munflow.words import DEFAULT_SCALE, samples_behind, words

if TYPE_CHECKING:
    from munflow.results.protocols import TitledScenario


class ScenarioResults(Results):
    """Results of a scenario run: a :class:`munflow.Results` whose summary is
    grouped by munition type, with alternative estimates side by side."""

    def __init__(
        self,
        res: Results,
        *,
        scenario: TitledScenario,
        meta: pd.DataFrame,
        estimates: Sequence[str],
    ) -> None:
        super().__init__(res._raw, res.model, threads=res._threads, allow_nan=res._allow_nan)
        self.scenario = scenario
        #: What each output measures: munition (or "total"), quantity, estimate.
        self.output_info = meta
        #: The alternative estimates, side by side in the tables.
        self.estimates = list(estimates)

    def _state(self) -> dict[str, Any]:
        return {
            **super()._state(),
            "scenario": self.scenario,
            "output_info": self.output_info,
            "estimates": self.estimates,
        }

    @classmethod
    def _from_state(cls, state: dict[str, Any]) -> ScenarioResults:
        # The next class's restore: Results, or PosteriorResults for a posterior.
        res = super()._from_state(state)
        return cls(
            res,
            scenario=state["scenario"],
            meta=state["output_info"],
            estimates=state["estimates"],
        )

    def summary(
        self,
        quantiles: Sequence[float] = DEFAULT_QUANTILES,
        *,
        columns: Sequence[str] | None = None,
        include_inputs: bool = False,
        grouped: bool = True,
        mcse: bool = False,
    ) -> pd.DataFrame:
        """A table of ranges. By default the rows are indexed by (munition,
        quantity) and, when the scenario has alternative estimates, estimate;
        ``grouped=False`` (or asking for columns or inputs) gives the plain
        one-row-per-column table of :meth:`munflow.Results.summary`;
        ``mcse=True`` adds the figures' Monte Carlo standard errors."""
        table = super().summary(
            quantiles, columns=columns, include_inputs=include_inputs, mcse=mcse
        )
        if not grouped or columns is not None or include_inputs:
            return table
        return _grouped(table, self.output_info, self.estimates)

    def compare(
        self, quantity: str = "total.containers", *, scale: str = DEFAULT_SCALE
    ) -> pd.DataFrame:
        """Alternative estimates side by side: for each pair (a, b), the
        median and 90% interval of ``quantity`` under each, P(a > b) on
        the same samples, and P(a > b) in ``words`` (see :func:`munflow.words`:
        the terms of ``scale``, every one the 95% interval of P(a > b) from
        this run's samples reaches: its effective samples for a posterior)."""
        rows = []
        samples = samples_behind(self)
        w = getattr(self, "weights", None)
        weights = np.ones(self.n) if w is None else w
        for a, b in itertools.combinations(self.estimates, 2):
            xa, xb = self[f"{quantity}[{a}]"], self[f"{quantity}[{b}]"]
            qa = weighted.quantiles(xa, weights, [0.05, 0.5, 0.95])
            qb = weighted.quantiles(xb, weights, [0.05, 0.5, 0.95])
            p = self.prob(xa > xb)
            rows.append(
                {
                    "quantity": quantity,
                    "a": a,
                    "b": b,
                    "a_p5": qa[0],
                    "a_p50": qa[1],
                    "a_p95": qa[2],
                    "b_p5": qb[0],
                    "b_p50": qb[1],
                    "b_p95": qb[2],
                    "P(a > b)": p,
                    "words": words(p, n=samples, scale=scale),
                }
            )
        return pd.DataFrame(rows)

    def __repr__(self) -> str:
        table = self.summary().to_string(float_format=readable)
        title = self.scenario.title or "scenario"
        return f"munflow results for {title}: n={self.n:,}, seed={self.seed}\n{table}"


class ScenarioPosteriorResults(ScenarioResults, PosteriorResults):
    """Results of a scenario with ``[evidence]``: the posterior, grouped by
    munition type as :class:`ScenarioResults` are, with the prior, weights
    and evidence checks of :class:`munflow.PosteriorResults`."""

    def __init__(
        self,
        res: PosteriorResults,
        *,
        scenario: TitledScenario,
        meta: pd.DataFrame,
        estimates: Sequence[str],
    ) -> None:
        PosteriorResults.__init__(
            self, res._post, res.model, threads=res._threads, allow_nan=res._allow_nan
        )
        self.scenario = scenario
        self.output_info = meta
        self.estimates = list(estimates)

    def __repr__(self) -> str:
        title = self.scenario.title or "scenario"
        head = (
            f"munflow posterior for {title}: n={self.n:,}, seed={self.seed}, "
            f"method={self.method}, observations: {', '.join(self.observations)}"
        )
        return head + "\n" + self.summary().to_string(float_format=readable)


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


class ScenarioSummaryResults(SummaryResults):
    """A summary-only run of a scenario: the summary grouped by munition as
    :class:`ScenarioResults` has it, and the comparison of alternative
    estimates (whose probabilities the run computed up front)."""

    def __init__(
        self,
        res: SummaryResults,
        *,
        scenario: TitledScenario,
        meta: pd.DataFrame,
        estimates: Sequence[str],
    ) -> None:
        super().__init__(**res._fields())
        self.scenario = scenario
        self.output_info = meta
        self.estimates = list(estimates)
        #: A posterior's effective sample size (None without evidence): what
        #: the words of its probabilities rest on.
        self.ess: float | None = getattr(res, "ess", None)
        #: A posterior's observations, method and diagnostics (as
        #: :class:`munflow.PosteriorSummaryResults` has them).
        self.observations: list[str] = list(getattr(res, "observations", []))
        for key in ("method", "pareto_k", "log_evidence"):
            if hasattr(res, key):
                setattr(self, key, getattr(res, key))

    @property
    def is_posterior(self) -> bool:
        return self.ess is not None

    def summary(
        self,
        quantiles: Sequence[float] | None = None,
        *,
        columns: Sequence[str] | None = None,
        grouped: bool = True,
        mcse: bool = False,
    ) -> pd.DataFrame:
        """The table of ranges, indexed by (munition, quantity[, estimate])
        unless ``grouped=False`` (or ``columns`` are asked for)."""
        table = super().summary(quantiles, columns=columns, mcse=mcse)
        if not grouped or columns is not None:
            return table
        return _grouped(table, self.output_info, self.estimates)

    def check_evidence(self, **options: Any) -> Any:
        """Refused: the checks reweight the draws (with evidence), or there
        is no evidence."""
        if self.is_posterior:
            return PosteriorSummaryResults.check_evidence(self, **options)  # type: ignore[arg-type]
        return super().check_evidence(**options)

    def shifts(self, output: str | None = None, **options: Any) -> Any:
        """Refused, as :meth:`check_evidence`."""
        if self.is_posterior:
            return PosteriorSummaryResults.shifts(self, output, **options)  # type: ignore[arg-type]
        return super().shifts(output, **options)

    def to_arviz(self) -> Any:
        """Refused, as :meth:`check_evidence`."""
        if self.is_posterior:
            return PosteriorSummaryResults.to_arviz(self)  # type: ignore[arg-type]
        return super().to_arviz()

    def compare(self, quantity: str = COMPARED, *, scale: str = DEFAULT_SCALE) -> pd.DataFrame:
        """Alternative estimates side by side, as :meth:`ScenarioResults.compare`."""
        if quantity != COMPARED:
            raise ValueError(
                f"a summary-only run computes the comparison of {COMPARED!r} only; "
                "run with store='columns' to compare another quantity"
            )
        if not self.estimates:
            return pd.DataFrame()
        rows = []
        table = super().summary([0.05, 0.5, 0.95])
        for a, b in itertools.combinations(self.estimates, 2):
            ra, rb = table.loc[f"{quantity}[{a}]"], table.loc[f"{quantity}[{b}]"]
            p = self.prob(_comparison_event(a, b))
            rows.append(
                {
                    "quantity": quantity,
                    "a": a,
                    "b": b,
                    **{f"a_{k}": ra[k] for k in ("p5", "p50", "p95")},
                    **{f"b_{k}": rb[k] for k in ("p5", "p50", "p95")},
                    "P(a > b)": p,
                    "words": words(p, n=samples_behind(self), scale=scale),
                }
            )
        return pd.DataFrame(rows)

    def __repr__(self) -> str:
        table = self.summary().to_string(float_format=readable)
        title = self.scenario.title or "scenario"
        return f"munflow summary-only results for {title}: n={self.n:,}, seed={self.seed}\n{table}"


def output_info(rows: Sequence[Sequence[Any]]) -> pd.DataFrame:
    """What each output measures, from (name, munition, quantity, estimate) rows."""
    return pd.DataFrame(
        [tuple(row) for row in rows], columns=["name", "munition", "quantity", "estimate"]
    ).set_index("name")


def _grouped(table: pd.DataFrame, info: pd.DataFrame, estimates: Sequence[str]) -> pd.DataFrame:
    """A one-row-per-output table indexed by (munition, quantity) and, when
    there are alternative estimates, estimate."""
    levels = ["munition", "quantity"] + (["estimate"] if estimates else [])
    table.index = pd.MultiIndex.from_frame(info.loc[table.index, levels])
    return table
