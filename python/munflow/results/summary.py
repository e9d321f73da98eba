"""Results of a summary-only run: ranges and event probabilities, no samples.

``model.run(1e9, seed=1, store="summary", events={"over 12M": shells > 12e6})``
keeps no sample column, so its memory does not grow with n; the summary
(mean, sd, the quantiles asked for) and the probabilities of the events named
up front are computed as the samples are drawn, and are bit-identical to
those of the same run kept in memory.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from munflow import _core
from munflow._core import Expr
from munflow.formatting import ReadableTable, readable
from munflow.outputs import DEFAULT_QUANTILES
from munflow.progress import progress_callback
from munflow.results import saving
from munflow.results.base import Answers, no_samples, summary_table
from munflow.words import DEFAULT_LEVEL, DEFAULT_SCALE, describe, samples_behind

#: Prefix of the internal outputs that carry events (0/1 columns).
_EVENT = "\x01event:"


class SummaryResults(Answers):
    """What a summary-only run keeps: per output the mean, sd, min, max and
    the quantiles asked for up front, and the probability of each event
    named up front.

    Anything that needs the samples themselves (``res["shells"]``, an event
    not named up front, Monte Carlo errors, ``percentile_of``,
    ``to_xarray``, sensitivity analysis) raises a ValueError saying so and
    how to ask for it.
    """

    keeps_samples = False

    def __init__(
        self,
        *,
        n: int,
        seed: int,
        outputs: list[str],
        rows: Sequence[Any],
        quantiles: Sequence[float],
        events: Mapping[str, tuple[Expr, float]],
    ) -> None:
        self._n = n
        self._seed = seed
        self._outputs = list(outputs)
        self._rows = dict(zip(outputs, rows, strict=True))
        self._quantiles = [float(q) for q in quantiles]
        self._events = dict(events)

    def _fields(self) -> dict[str, Any]:
        """The constructor's arguments that rebuild this summary: what a
        subclass wrapping it (a posterior's, a scenario's) starts from."""
        return {
            "n": self._n,
            "seed": self._seed,
            "outputs": self._outputs,
            "rows": [self._rows[name] for name in self._outputs],
            "quantiles": self._quantiles,
            "events": self._events,
        }

    @property
    def n(self) -> int:
        return self._n

    @property
    def seed(self) -> int:
        return self._seed

    @property
    def outputs(self) -> list[str]:
        return list(self._outputs)

    @property
    def quantiles(self) -> list[float]:
        """The quantile levels computed during the run."""
        return list(self._quantiles)

    @property
    def events(self) -> dict[str, float]:
        """The probability of each event named up front."""
        return {name: p for name, (_expr, p) in self._events.items()}

    def summary(
        self,
        quantiles: Sequence[float] | None = None,
        *,
        columns: Sequence[str] | None = None,
        mcse: bool = False,
    ) -> pd.DataFrame:
        """The table of ranges (as :meth:`munflow.Results.summary`), at the
        quantile levels computed during the run or a subset of them, for
        every output or the ``columns`` named. ``mcse=True`` is refused: the
        Monte Carlo errors need the draws."""
        if mcse:
            raise ValueError(no_samples("summary(mcse=True) (Monte Carlo errors need the draws)"))
        names = self._outputs if columns is None else [str(c) for c in columns]
        for name in names:
            if name not in self._rows:
                raise KeyError(f"no output named {name!r}; outputs are: {', '.join(self._outputs)}")
        qs = self._quantiles if quantiles is None else [float(q) for q in quantiles]
        missing = [q for q in qs if q not in self._quantiles]
        if missing:
            raise ValueError(
                f"quantile(s) {missing} were not computed by this summary-only run; "
                f"ask for them up front: run(..., store='summary', quantiles={sorted(set(qs))})"
            )
        return summary_table(
            {name: self._rows[name] for name in names},
            qs,
            levels=self._quantiles,
            seed=self.seed,
            n=self.n,
        )

    def events_table(
        self, *, scale: str = DEFAULT_SCALE, level: float = DEFAULT_LEVEL
    ) -> pd.DataFrame:
        """The events named up front, one row each: the probability, the
        ``level`` interval of it from this run's samples (Wilson's; a
        posterior's effective samples) and the probability in words on
        ``scale``, naming every band the interval reaches (see
        :func:`munflow.words`).

        >>> import munflow as mf
        >>> x = mf.uniform(0, 1, name="x")
        >>> res = mf.run({"x": x}, n=1_000, seed=1, store="summary",
        ...              events={"x over 0.7": x > 0.7, "x over 0.2": x > 0.2})
        >>> res.events_table()["words"].tolist()
        ['unlikely', 'likely or very likely']
        """
        samples = samples_behind(self)
        rows = {}
        for name, p in self.events.items():
            said = describe(p, n=samples, level=level, scale=scale)
            low, high = said.interval  # type: ignore[misc]  (read from n)
            rows[name] = {"probability": p, "low": low, "high": high, "words": said.words}
        columns = ["probability", "low", "high", "words"]
        frame = ReadableTable(pd.DataFrame.from_dict(rows, orient="index", columns=columns))
        frame.index.name = "event"
        frame.attrs.update(seed=self.seed, n=self.n, samples=samples, level=level, scale=scale)
        return frame

    def prob(self, event: Any, *, mcse: bool = False) -> float:
        """The probability of an event named up front, by its name or by the
        expression given (``res.prob("over 12M")``); the same expression
        after ``save`` and ``load`` too. ``mcse=True`` is refused (it needs
        the draws)."""
        if mcse:
            raise ValueError(no_samples("prob(..., mcse=True) (Monte Carlo errors need the draws)"))
        if isinstance(event, str) and event in self._events:
            return self._events[event][1]
        if isinstance(event, Expr):
            # An expression hashes by its node's identity, which a saved
            # file's graph keeps.
            for expr, p in self._events.values():
                if hash(expr) == hash(event):
                    return p
        named = ", ".join(repr(e) for e in self._events) or "none"
        raise ValueError(
            "a summary-only run keeps no samples, so it can only give the probabilities of "
            f"events named up front (here: {named}); ask for this one with "
            "run(..., store='summary', events={'name': shells > 3e6})"
        )

    def __getitem__(self, name: str) -> Any:
        raise KeyError(
            f"a summary-only run keeps no samples, so there is no column {name!r}; "
            "run with store='columns' (the default) to keep them"
        )

    def __contains__(self, name: object) -> bool:
        return False

    def percentile_of(self, output: str, value: float | Sequence[float]) -> Any:
        """Refused: where a figure falls needs the draws."""
        raise ValueError(no_samples("percentile_of()"))

    def to_xarray(self) -> Any:
        """Refused: a dataset of samples needs the samples (the summary is
        :meth:`summary`)."""
        raise ValueError(no_samples("to_xarray()"))

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the summary, the events' probabilities and how they were
        made (seed, n, version; a scenario's text) to ``path`` (``.npz``);
        ``munflow.load(path)`` opens it again."""
        return saving.save(self, path)

    def __repr__(self) -> str:
        table = self.summary().to_string(float_format=readable)
        return f"munflow summary-only results: n={self.n:,}, seed={self.seed}\n{table}"


class PosteriorSummaryResults(SummaryResults):
    """A summary-only posterior: the summary of a model with evidence,
    reached by likelihood weighting of the prior's samples, with the
    weights' diagnostics. Weights are per sample, so they need no sample
    kept; evidence strong enough to need tempering is refused (run it in
    memory)."""

    method = "weighting"

    def check_evidence(self, **options: Any) -> Any:
        """Refused: the checks reweight the draws."""
        raise ValueError(no_samples("check_evidence() (the checks reweight the draws)"))

    def shifts(self, output: str | None = None, **options: Any) -> Any:
        """Refused: the shifts reweight the draws."""
        raise ValueError(no_samples("shifts() (the shifts reweight the draws)"))

    def to_arviz(self) -> Any:
        """Refused: ArviZ's container holds draws."""
        raise ValueError(no_samples("to_arviz() (ArviZ's container holds draws)"))

    def __init__(
        self, res: SummaryResults, *, observations: Sequence[str], diagnostics: Mapping[str, float]
    ) -> None:
        super().__init__(**res._fields())
        self.observations = list(observations)
        #: Kish's effective sample size of the weights.
        self.ess = float(diagnostics["ess"])
        #: Pareto k̂ of the weights' tail (PSIS); above 0.7 weighting is unreliable.
        self.pareto_k = float(diagnostics["pareto_k"])
        #: log of the marginal likelihood of the evidence.
        self.log_evidence = float(diagnostics["log_evidence"])

    def __repr__(self) -> str:
        table = self.summary().to_string(float_format=readable)
        return (
            f"munflow summary-only posterior: n={self.n:,}, seed={self.seed}, "
            f"observations: {', '.join(self.observations)}, ess={self.ess:,.0f}\n{table}"
        )


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
) -> SummaryResults:
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
    return PosteriorSummaryResults(res, observations=names, diagnostics=diagnostics)


def _checked_events(events: Mapping[str, Expr] | None) -> dict[str, Expr]:
    if events is None:
        return {}
    if not isinstance(events, Mapping):
        raise TypeError(
            "events must be a dict of name -> true/false expression, such as "
            f"{{'over 12M': shells > 12e6}}, got {type(events).__name__}"
        )
    for name, expr in events.items():
        if not isinstance(name, str):
            raise TypeError(f"event names must be strings, got {name!r}")
        if not isinstance(expr, Expr):
            raise TypeError(
                f"event {name!r} must be an expression such as shells > 12e6, "
                f"got {type(expr).__name__}"
            )
    return dict(events)


def _results(
    n: int,
    seed: int,
    outputs: list[tuple[str, Expr]],
    events: dict[str, Expr],
    rows: Sequence[Any],
    quantiles: Sequence[float],
) -> SummaryResults:
    """The results object from the rows of outputs then events."""
    names = [name for name, _ in outputs]
    probabilities: dict[str, tuple[Expr, float]] = {}
    for (name, expr), row in zip(events.items(), rows[len(names) :], strict=True):
        mean, lo, hi = row.mean, row.min, row.max
        if lo < 0 or hi > 1:
            raise ValueError(
                f"event {name!r} must be true/false (0 or 1), but it took values from "
                f"{lo:g} to {hi:g}; write it as a comparison such as shells > 12e6"
            )
        probabilities[name] = (expr, mean)
    return SummaryResults(
        n=n,
        seed=seed,
        outputs=names,
        rows=rows[: len(names)],
        quantiles=quantiles,
        events=probabilities,
    )
