"""How the runs build their results from parts: a model's run (its draws,
and its posterior with evidence), a summary-only run, a scenario's grouping
and a timeline's time axis added to any of them. One type,
:class:`~munflow.results.core.Results`, whatever the parts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from munflow import _core
from munflow._core import Expr
from munflow.outputs import DEFAULT_QUANTILES
from munflow.progress import progress_callback
from munflow.results.core import Results
from munflow.results.grouped import Grouping
from munflow.results.posterior import Posterior
from munflow.results.samples import Samples
from munflow.results.summary import _EVENT, Summary, _checked_events, from_rows
from munflow.results.timeline import TimeAxis

if TYPE_CHECKING:
    from munflow.results.protocols import RunnableModel, TimelineModelLike, TitledScenario

__all__ = [
    "_EVENT",
    "_checked_events",
    "_results",
    "grouped",
    "of_posterior",
    "of_samples",
    "of_summary",
    "run_summary",
    "summary_posterior",
    "with_time",
]


def of_samples(raw: Any, model: RunnableModel, *, threads: int | None, allow_nan: bool) -> Results:
    """A run's draws (the core's ``raw`` run) from ``model``."""
    return Results(Samples(raw, model, threads=threads, allow_nan=allow_nan))


def of_posterior(
    post: dict[str, Any], model: RunnableModel, *, threads: int | None, allow_nan: bool
) -> Results:
    """A run of a model with evidence (the core's record ``post``)."""
    body = Samples(post["run"], model, threads=threads, allow_nan=allow_nan)
    return Results(body, posterior=Posterior(post))


def of_summary(
    *,
    n: int,
    seed: int,
    outputs: list[str],
    rows: Sequence[Any],
    quantiles: Sequence[float],
    events: Mapping[str, tuple[Expr, float]],
) -> Results:
    """A summary-only run's figures."""
    return Results(
        Summary(n=n, seed=seed, outputs=outputs, rows=rows, quantiles=quantiles, events=events)
    )


def summary_posterior(
    res: Results, *, observations: Sequence[str], diagnostics: Mapping[str, float]
) -> Results:
    """A summary-only run's figures with the posterior's diagnostics (ess,
    pareto_k, log_evidence) and observations."""
    return Results(res._body, posterior=Posterior.of_summary(observations, diagnostics))


def grouped(
    res: Results, *, scenario: TitledScenario, meta: pd.DataFrame, estimates: Sequence[str]
) -> Results:
    """``res`` grouped as the scenario has its outputs (``meta``: munition,
    quantity and estimate of each)."""
    return Results(
        res._body,
        posterior=res._posterior,
        time=res._time,
        grouping=Grouping(scenario, meta, estimates),
    )


def with_time(model: TimelineModelLike, res: Results, scenario: Any = None) -> Results:
    """The results of a timeline model's flat model, with its time axis."""
    return Results(
        res._body,
        posterior=res._posterior,
        time=TimeAxis(model, scenario),
        grouping=res._grouping,
    )


def _results(
    n: int,
    seed: int,
    outputs: list[tuple[str, Expr]],
    events: dict[str, Expr],
    rows: Sequence[Any],
    quantiles: Sequence[float],
) -> Results:
    """A summary-only run's results from the rows of outputs then events."""
    return Results(from_rows(n, seed, outputs, events, rows, quantiles))


def run_summary(
    outputs: list[tuple[str, Expr]],
    n: int,
    seed: int | None,
    *,
    quantiles: Sequence[float] = DEFAULT_QUANTILES,
    events: Mapping[str, Expr] | None = None,
    threads: int | None = None,
    allow_nan: bool = False,
    progress: bool | None = None,
    observations: Sequence[Any] = (),
    method: str = "auto",
    min_ess: float = 0.1,
) -> Results:
    """Runs ``outputs`` keeping only their summaries and the events'
    probabilities; with ``observations``, of the posterior by weighting."""
    if method not in ("auto", "weighting", "tempering"):
        raise ValueError(f"method must be 'auto', 'weighting' or 'tempering', got {method!r}")
    if observations and method == "tempering":
        raise ValueError(
            "tempering needs every sample at once, so it cannot run summary-only; "
            "run it in memory (store='columns')"
        )
    named = _checked_events(events)
    everything = outputs + [(_EVENT + name, expr) for name, expr in named.items()]
    seed_used, rows, diagnostics = _core._summarise_run(
        everything,
        n,
        seed,
        quantiles=[float(q) for q in quantiles],
        threads=threads,
        allow_nan=allow_nan,
        progress=progress_callback(progress),
        observations=list(observations) if observations else None,
        min_ess=min_ess,
        force_weighting=method == "weighting",
    )
    res = _results(n, seed_used, outputs, named, rows, quantiles)
    if diagnostics is None:
        return res
    names = [obs.name for obs in observations]
    return summary_posterior(res, observations=names, diagnostics=diagnostics)
