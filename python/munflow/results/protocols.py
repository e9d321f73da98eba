"""What the results' helpers need of the objects they are handed.

The results type calls down into the modules that draw them
(:mod:`munflow.plot`), show them (:mod:`munflow.report.display`), save them
(:mod:`~munflow.results.saving`), check their evidence
(:mod:`munflow.evidence.checks`) and predict from them
(:mod:`munflow.evidence.forecast`); and the models call down into the results they
build. Those lower modules name what they use here, as protocols,
instead of importing the classes above them: so the package reads top-down,
with no import running back up. This module imports nothing of munflow.

The private members listed are the results' state that their own helpers
read (the raw core results, the run's options); they are not for analysts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import numpy as np
import pandas as pd


class RunnableModel(Protocol):
    """A model a results object came from (:class:`munflow.Model`): its
    outputs, its evidence, and a way to run it again."""

    @property
    def outputs(self) -> Mapping[str, Any]: ...

    @property
    def evidence(self) -> Sequence[Any]: ...

    def run(self, n: Any = ..., **options: Any) -> Any: ...

    def without_evidence(self) -> RunnableModel: ...


class TimelineModelLike(Protocol):
    """A timeline model (:class:`munflow.timeline.TimelineModel`) as its
    results read it: the flat model, the series and the evidence."""

    model: RunnableModel
    series: Mapping[str, Any]
    _outputs: Sequence[str]

    @property
    def evidence(self) -> Sequence[Any]: ...

    @property
    def timeline(self) -> Any: ...


class TitledScenario(Protocol):
    """A scenario (:class:`munflow.Scenario`) as its grouped results read it."""

    @property
    def title(self) -> str | None: ...


class Samples(Protocol):
    """A run's samples (:class:`munflow.Results`): columns by name, the seed
    and size that made them, and the model behind them."""

    _raw: Any
    _threads: int | None
    _allow_nan: bool

    @property
    def n(self) -> int: ...

    @property
    def seed(self) -> int: ...

    @property
    def outputs(self) -> list[str]: ...

    @property
    def inputs(self) -> list[str]: ...

    @property
    def model(self) -> RunnableModel: ...

    def keys(self) -> list[str]: ...

    def __getitem__(self, name: str) -> np.ndarray: ...

    def summary(self, *args: Any, **options: Any) -> pd.DataFrame: ...

    def _evaluate(self, expr: Any) -> np.ndarray: ...


class Posterior(Samples, Protocol):
    """Weighted samples and the evidence behind them
    (:class:`munflow.PosteriorResults`)."""

    _post: Any

    @property
    def method(self) -> str: ...

    @property
    def method_reason(self) -> str: ...

    @property
    def draws(self) -> int: ...

    @property
    def draw_weights(self) -> np.ndarray: ...

    @property
    def is_weighted(self) -> bool: ...

    @property
    def ess(self) -> float: ...

    @property
    def log_evidence(self) -> float: ...

    @property
    def log_evidence_se(self) -> float: ...

    @property
    def stages(self) -> pd.DataFrame: ...

    @property
    def observations(self) -> list[str]: ...

    @property
    def prior(self) -> Samples: ...

    @property
    def populations(self) -> list[int]: ...

    def get(self, name: str, default: Any = None) -> Any: ...

    def weighted_rows(self, *, include_inputs: bool = True) -> pd.DataFrame: ...

    def prior_posterior(self, quantiles: Sequence[float] = ...) -> pd.DataFrame: ...

    def shifts(self, output: str | None = None, **options: Any) -> Any: ...

    def _weighted(self, name: str) -> tuple[np.ndarray, np.ndarray]: ...

    def _tails(self, *, prior: bool) -> list[np.ndarray]: ...

    def _rows_held(self) -> np.ndarray | None: ...


class Summary(Protocol):
    """A summary-only run (:class:`munflow.SummaryResults`): the figures it
    kept in place of the samples."""

    _rows: Mapping[str, Any]
    _events: Mapping[str, tuple[Any, float]]

    @property
    def n(self) -> int: ...

    @property
    def seed(self) -> int: ...

    @property
    def outputs(self) -> list[str]: ...

    @property
    def quantiles(self) -> list[float]: ...


class Timeline(Protocol):
    """A timeline's results (:class:`munflow.TimelineResults`): a time axis
    over samples or a summary."""

    model: TimelineModelLike
    results: Samples | Summary
    scenario: Any

    @property
    def timeline(self) -> Any: ...

    def _held(self, name: str) -> bool: ...
