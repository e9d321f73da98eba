"""The one results type: a body (the draws, or a summary in their place)
with an optional posterior, an optional time axis and an optional grouping
by estimate. Each question asks the parts that can answer it; a question no
part can answer is refused with a sentence saying why and what to do.

The kinds users name (:class:`~munflow.PosteriorResults`,
:class:`~munflow.SummaryResults`, :class:`~munflow.TimelineResults`,
:class:`~munflow.ScenarioResults`...) are facets of this one type, by the
parts it holds (see :mod:`munflow.results.facets`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from munflow._core import Expr
from munflow.formatting import ReadableTable, quantile_label, readable
from munflow.outputs import DEFAULT_QUANTILES
from munflow.results import saving, weighted
from munflow.results.base import (
    no_evidence,
    no_grouping,
    no_samples,
    no_time,
    summary_table,
    xarray_module,
)
from munflow.results.grouped import Grouping
from munflow.results.posterior import Posterior
from munflow.results.samples import Samples
from munflow.results.summary import Summary
from munflow.results.timeline import TimeAxis, as_level
from munflow.sensitivity import SensitivityMethods, Subject
from munflow.words import DEFAULT_LEVEL, DEFAULT_SCALE, describe, samples_behind

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from munflow.evidence import Observation
    from munflow.evidence.checks import EvidenceCheck, Shifts


class Results(SensitivityMethods):
    """The results of a run, whatever it kept: ``res["shells"]`` is the
    numpy array of samples (read-only, no copy), ``res.summary()`` a pandas
    table of ranges, ``res.prob(shells > 3e6)`` a probability.

    One type for every kind of run, composed of parts: the body (the draws,
    or a summary-only run's figures), and optionally a posterior (the
    weights and the evidence behind them), a time axis (a timeline's
    periods: ``series``, ``period_summary``, ``prob_by``, ``reached``,
    ``run_out``, ``plot_fan``) and a grouping by munition and estimate (a
    scenario's: grouped ``summary``, ``compare``). Every results object has
    every method; one its parts cannot answer raises a TypeError (a question
    for a posterior, a timeline or a scenario) or a ValueError (a question
    that needs the draws a summary-only run did not keep) saying why; a
    fact of a part they lack (``res.method``, ``res.ess`` without evidence)
    raises an AttributeError saying why, so ``getattr(res, "ess", None)``
    tells whether there is one.

    ``isinstance(res, munflow.Results)`` is true of every results object,
    summary-only ones included; the kinds (``PosteriorResults``,
    ``SummaryResults``, ``TimelineResults``, ``ScenarioResults``...) test
    for the parts (see :mod:`munflow.results.facets`).
    """

    def __init__(
        self,
        body: Samples | Summary,
        *,
        posterior: Posterior | None = None,
        time: TimeAxis | None = None,
        grouping: Grouping | None = None,
    ) -> None:
        self._body = body
        self._posterior = posterior
        self._time = time
        self._grouping = grouping
        if time is not None:
            #: A timeline's: the results of its flat model, one column per
            #: series and period (the same body, posterior and grouping).
            self.results = Results(body, posterior=posterior, grouping=grouping)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore, (self._body, self._posterior, self._time, self._grouping))

    def __bool__(self) -> bool:
        return True  # a summary-only run has no columns, and is still results

    # --- what the parts are ----------------------------------------------------

    @property
    def keeps_samples(self) -> bool:
        """Whether the results hold the draws (False for a summary-only run)."""
        return self._body.keeps_samples

    @property
    def is_posterior(self) -> bool:
        """Whether the run had evidence (the results are a posterior's)."""
        return self._posterior is not None

    @property
    def _flat(self) -> Results:
        """These results without their time axis: what the analyses of the
        flat model (checks, forecasts, sensitivity) read."""
        return self.results if self._time is not None else self

    def _samples(self, question: str) -> Samples:
        """The draws, or a ValueError saying a summary-only run has none."""
        if not isinstance(self._body, Samples):
            raise ValueError(no_samples(question))
        return self._body

    def _evidence(self, question: str) -> Posterior:
        """The posterior of a run that kept its draws, or why not."""
        if self._posterior is None:
            raise TypeError(no_evidence(question))
        if not self._posterior.keeps_draws:
            raise ValueError(no_samples(question))
        return self._posterior

    def _fact(self, name: str) -> Posterior:
        """The posterior part, for a fact of it (``res.method``, ``res.ess``...);
        an AttributeError saying why for results without evidence."""
        if self._posterior is None:
            raise AttributeError(no_evidence(f"res.{name}"))
        return self._posterior

    def _axis(self, question: str) -> TimeAxis:
        if self._time is None:
            raise TypeError(no_time(question))
        return self._time

    # --- the run: size, seed, names, model --------------------------------------

    @property
    def n(self) -> int:
        """Number of samples (a posterior's: the rows its arrays hold)."""
        if self._posterior is not None and isinstance(self._body, Samples):
            return self._posterior.rows_of(self._body)
        return self._body.n

    @property
    def seed(self) -> int:
        """The seed used; running again with it reproduces these results exactly."""
        return self._body.seed

    @property
    def outputs(self) -> list[str]:
        """Output names, in the order requested."""
        return list(self._body.outputs)

    @property
    def inputs(self) -> list[str]:
        """Names of the stored inputs (named nodes the outputs depend on);
        none for a summary-only run."""
        return self._body.inputs if isinstance(self._body, Samples) else []

    @property
    def model(self) -> Any:
        """The model that made these results (a timeline's: its timeline model)."""
        if self._time is not None:
            return self._time.model
        if not isinstance(self._body, Samples):
            raise AttributeError("a summary-only run keeps its figures, not its model")
        return self._body.model

    def to_model(self) -> Any:
        """The model that made these results."""
        return self.model

    @property
    def timeline(self) -> Any:
        """A timeline's periods (None without a time axis)."""
        return None if self._time is None else self._time.timeline

    @property
    def scenario(self) -> Any:
        """The scenario run (a scenario file's, or a timeline file's), or None."""
        if self._grouping is not None:
            return self._grouping.scenario
        return None if self._time is None else self._time.scenario

    @scenario.setter
    def scenario(self, scenario: Any) -> None:
        # A timeline file's scenario names itself on the results of its run.
        self._axis("res.scenario = ...").scenario = scenario

    @property
    def output_info(self) -> pd.DataFrame | None:
        """A scenario's: what each output measures (munition or "total",
        quantity, estimate); None for results not grouped by estimate."""
        return None if self._grouping is None else self._grouping.output_info

    @property
    def estimates(self) -> list[str] | None:
        """A scenario's alternative estimates, side by side in the tables
        (None for results not grouped by estimate)."""
        return None if self._grouping is None else list(self._grouping.estimates)

    # The state the helpers of the lower modules read (see results/protocols.py).

    @property
    def _raw(self) -> Any:
        return self._samples("its raw draws").raw

    @property
    def _threads(self) -> int | None:
        return self._samples("its threads").threads

    @property
    def _allow_nan(self) -> bool:
        return self._samples("its options").allow_nan

    @property
    def _post(self) -> dict[str, Any]:
        return self._fact("_post").post

    @property
    def _rows(self) -> dict[str, Any]:
        if not isinstance(self._body, Summary):
            raise AttributeError("results with samples keep columns, not summary rows")
        return self._body.rows

    @property
    def _events(self) -> dict[str, Any]:
        if not isinstance(self._body, Summary):
            raise AttributeError("results with samples keep columns, not events")
        return self._body.events

    # --- columns -----------------------------------------------------------------

    def keys(self) -> list[str]:
        """Every stored column: outputs, then inputs (none for a summary-only run)."""
        return list(self._body.columns) if isinstance(self._body, Samples) else []

    def __contains__(self, name: object) -> bool:
        return name in self.keys()

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self.keys())

    def __getitem__(self, name: str) -> np.ndarray:
        """The samples of ``name`` (read-only); a posterior's equally
        weighted (the equal-weight resample after weighting)."""
        if not isinstance(self._body, Samples):
            raise KeyError(
                f"a summary-only run keeps no samples, so there is no column {name!r}; "
                "run with store='columns' (the default) to keep them"
            )
        if self._posterior is None:
            return self._body.column(name)
        return self._posterior.column(self._body, name)

    def _weighted(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """The draws of ``name`` behind the results and their weights (the
        most precise basis for a statistic)."""
        body = self._samples(f"res[{name!r}]")
        if self._posterior is None:
            return body.column(name), np.full(body.n, 1.0 / body.n)
        return body.column(name), self._posterior.draw_weights(body)

    def _evaluate(self, expr: Expr) -> np.ndarray:
        """An expression's values on the draws behind the results."""
        body = self._samples("an expression's values")
        if self._posterior is None:
            return body.evaluate(expr)
        return body.evaluate(
            expr,
            latent=list(self._posterior.post["scores"]),
            # Counts stated exactly hold their figures on the posterior's rows.
            conditioned=list(body.model.evidence),
        )

    # --- what every results object answers ---------------------------------------

    def summary(
        self,
        quantiles: Sequence[float] | None = None,
        *,
        columns: Sequence[str] | None = None,
        include_inputs: bool = False,
        grouped: bool = True,
        mcse: bool = False,
    ) -> pd.DataFrame:
        """A table of ranges: one row per output (and input, if asked), with
        mean, sd and the requested quantiles (p5 ... p95 by default; a
        summary-only run's, the levels it computed or a subset of them).

        A posterior's is from the weighted draws, with its method and ess in
        ``.attrs``. A scenario's rows are indexed by (munition, quantity[,
        estimate]) unless ``grouped=False`` or columns or inputs are asked
        for. ``mcse=True`` adds each figure's Monte Carlo standard error
        beside it (``mean_se``, ``p5_se``, ...: how much it would move with
        another seed; see :mod:`munflow.results.mcse`); a summary-only run
        refuses it, as the errors need the draws."""
        if isinstance(self._body, Summary):
            if mcse:
                raise ValueError(
                    no_samples("summary(mcse=True) (Monte Carlo errors need the draws)")
                )
            if include_inputs:
                raise ValueError(no_samples("summary(include_inputs=True) (it keeps no inputs)"))
            table = self._body.table(quantiles, columns)
        else:
            table = self._sample_summary(quantiles, columns, include_inputs, mcse)
        if self._grouping is not None and grouped and columns is None and not include_inputs:
            table = self._grouping.group(table)
        return table

    def _sample_summary(
        self,
        quantiles: Sequence[float] | None,
        columns: Sequence[str] | None,
        include_inputs: bool,
        mcse: bool,
    ) -> pd.DataFrame:
        body = self._samples("summary()")
        qs = [float(q) for q in (DEFAULT_QUANTILES if quantiles is None else quantiles)]
        for q in qs:
            if not 0.0 <= q <= 1.0:
                raise ValueError(f"quantiles must be in [0, 1], got {q}")
        if columns is None:
            names = self.outputs + (self.inputs if include_inputs else [])
        else:
            names = [str(c) for c in columns]
            for name in names:
                body.column(name)  # raises KeyError naming the columns
        weights = None if self._posterior is None else self._posterior.weights
        stats = body.describe(names, qs, weights)
        errors = {name: self._mcse(name, qs) for name in names} if mcse else None
        table = summary_table(
            dict(zip(names, stats, strict=True)), qs, seed=self.seed, n=self.n, mcse=errors
        )
        if self._posterior is not None:
            table.attrs.update(method=self.method, ess=self.ess)
        return table

    def _mcse(self, name: str, qs: list[float]) -> tuple[float, np.ndarray]:
        """Standard errors of the mean and the quantiles ``qs`` of a column
        (after tempering, from the spread between populations)."""
        from munflow.results import mcse

        body = self._samples("Monte Carlo errors")
        if self._posterior is not None and len(self._posterior.populations) > 1:
            return mcse.between_populations(body.column(name), self._posterior.populations, qs)
        values, weights = self._weighted(name)
        return mcse.of_draws(values, None if self._posterior is None else weights, qs)

    def prob(self, event: Expr | np.ndarray | Sequence[bool] | str, *, mcse: bool = False) -> Any:
        """The probability of an event, such as ``res.prob(shells > 3e6)``;
        with ``mcse=True``, the pair (probability, its Monte Carlo standard
        error).

        ``event`` is an expression built from the model's nodes (evaluated on
        the same draws: the same seed and streams; a posterior's with their
        weights) or a boolean array such as ``res["shells"] > 3e6`` (of the
        equally weighted rows ``res[name]`` holds). An expression rebuilt
        from the same definitions (a re-run notebook cell,
        ``Scenario.outputs()`` again) counts as the same: named inputs match
        by name and definition, unnamed draws by definition. A name reused
        with another definition, or an unnamed draw that could be any of
        several, raises ValueError; new draws (an uncertain threshold) are
        drawn afresh.

        A summary-only run gives the probabilities of the events named up
        front, by name (``res.prob("over 12M")``) or by the expression
        given; ``mcse=True`` is refused (it needs the draws).
        """
        if isinstance(self._body, Summary):
            if mcse:
                raise ValueError(
                    no_samples("prob(..., mcse=True) (Monte Carlo errors need the draws)")
                )
            return self._body.prob(event)
        if isinstance(event, str):
            raise TypeError(
                "prob() takes an event such as shells > 3e6 or res['shells'] > 3e6, not a string"
            )
        if isinstance(event, Expr):
            values = self._evaluate(event)
        else:
            values = np.asarray(event)
            if values.shape != (self.n,):
                raise ValueError(f"an event array must have shape ({self.n},), got {values.shape}")
        if values.dtype != bool and not np.isin(values, (0, 1)).all():
            raise ValueError(
                "prob() needs an event whose values are true/false (0 or 1), such as shells > 3e6"
            )
        from munflow.results import mcse as errors

        if self._posterior is None:
            p = float(np.mean(values))
            return (p, errors.of_probability(values, None)) if mcse else p
        indicator = values.astype(float)
        weights = self._posterior.draw_weights(self._body)
        if isinstance(event, Expr):
            # Weights summing to 1 within rounding: keep p a probability.
            p = min(1.0, max(0.0, float(np.dot(weights, indicator))))
        else:
            p = float(np.mean(indicator))
        if not mcse:
            return p
        if len(self._posterior.populations) > 1:
            return p, errors.probability_between_populations(indicator, self._posterior.populations)
        if isinstance(event, Expr):
            return p, errors.of_probability(indicator, weights)
        # Rows of a resample repeat draws: their error is the weighted draws'.
        return p, float(np.sqrt(p * (1 - p) / min(self.ess, self.n)))

    def percentile_of(self, output: str, value: float | Sequence[float]) -> float | np.ndarray:
        """Where a published figure falls in an output's distribution, as a
        percentile (0-100): ``res.percentile_of("shells", 3e6)`` is the share
        of samples below 3 million, counting samples equal to it as half
        below (scipy's ``percentileofscore(kind="mean")``, which is fair to
        whole-number outputs with many ties); a posterior's with the
        weights. ``value`` may be a list."""
        self._samples("percentile_of()")
        x, w = self._weighted(output)
        figures = np.atleast_1d(np.asarray(value, dtype=float))
        if np.isnan(figures).any():
            raise ValueError(f"value must be a number, got {value!r}")
        if self._posterior is None:
            values = np.sort(x)
            below = np.searchsorted(values, figures, side="left")
            at_or_below = np.searchsorted(values, figures, side="right")
            percent = 50.0 * (below + at_or_below) / len(values)
        else:
            percent = np.array(
                [100.0 * (w[x < f].sum() + 0.5 * w[x == f].sum()) / w.sum() for f in figures]
            )
        return float(percent[0]) if np.ndim(value) == 0 else percent

    def events_table(
        self, *, scale: str = DEFAULT_SCALE, level: float = DEFAULT_LEVEL
    ) -> pd.DataFrame:
        """The events a summary-only run was asked for up front, one row
        each: the probability, the ``level`` interval of it from this run's
        samples (Wilson's; a posterior's effective samples) and the
        probability in words on ``scale``, naming every band the interval
        reaches (see :func:`munflow.words`).

        >>> import munflow as mf
        >>> x = mf.uniform(0, 1, name="x")
        >>> res = mf.run({"x": x}, n=1_000, seed=1, store="summary",
        ...              events={"x over 0.7": x > 0.7, "x over 0.2": x > 0.2})
        >>> res.events_table()["words"].tolist()
        ['unlikely', 'likely or very likely']
        """
        if not isinstance(self._body, Summary):
            raise ValueError(
                "events_table() lists the events a summary-only run was asked for up front; "
                "results with samples answer any event: res.prob(shells > 3e6)"
            )
        samples = samples_behind(self)
        rows = {}
        for name, (_expr, p) in self._body.events.items():
            said = describe(p, n=samples, level=level, scale=scale)
            low, high = said.interval  # type: ignore[misc]  (read from n)
            rows[name] = {"probability": p, "low": low, "high": high, "words": said.words}
        columns = ["probability", "low", "high", "words"]
        frame = ReadableTable(pd.DataFrame.from_dict(rows, orient="index", columns=columns))
        frame.index.name = "event"
        frame.attrs.update(seed=self.seed, n=self.n, samples=samples, level=level, scale=scale)
        return frame

    @property
    def quantiles(self) -> list[float]:
        """A summary-only run's quantile levels, computed during the run."""
        if not isinstance(self._body, Summary):
            raise AttributeError("results with samples give any quantile: res.summary([0.1, 0.9])")
        return list(self._body.quantiles)

    @property
    def events(self) -> dict[str, float]:
        """A summary-only run's events named up front, with their probabilities."""
        if not isinstance(self._body, Summary):
            raise AttributeError("results with samples answer any event: res.prob(shells > 3e6)")
        return {name: p for name, (_expr, p) in self._body.events.items()}

    def predict(self, statement: Any) -> Any:
        """The distribution of the figure ``statement`` would report: the
        quantity on these rows with its error model applied
        (``res.predict(mf.evidence.measured(cum.at("2024-10"), rel_error=0.15))``);
        a :class:`munflow.evidence.forecast.Prediction` with ``percentile_of``,
        ``prob_above``, ``words_above``, ``quantiles`` and ``summary``."""
        if not self.keeps_samples:
            raise TypeError(no_samples("predict()"))
        from munflow.evidence.forecast import Prediction

        return Prediction(self._flat, statement)

    def surprise(self, statement: Any) -> Any:
        """Where a new statement (with its figure) falls in what these
        results predict for it, before it is used: percentile, two-sided
        p and words (see :func:`munflow.evidence.forecast.surprise`)."""
        if not self.keeps_samples:
            raise TypeError(no_samples("surprise()"))
        from munflow.evidence.forecast import surprise

        return surprise(self._flat, statement)

    def rank_correlation_matrix(self, names: Sequence[str] | None = None) -> pd.DataFrame:
        """The Spearman rank correlations achieved between stored columns
        ``names`` (default: the inputs correlated by :func:`munflow.correlate`,
        or every input if there are none); ties take midranks.
        :meth:`correlation_check` puts them beside the targets."""
        from munflow.dependence import couplings_of, spearman

        body = self._samples("rank_correlation_matrix()")
        if names is None:
            exprs = list(body.model.outputs.values())
            names = [n for c in couplings_of(exprs) for n in c[2] if n is not None and n in self]
            names = list(dict.fromkeys(names)) or self.inputs
        names = [str(n) for n in names]
        return spearman({name: body.column(name) for name in names})

    def correlation_check(self) -> pd.DataFrame:
        """One row per pair of correlated (named) inputs: the target Spearman
        correlation, the one achieved in these samples (a posterior's
        equally weighted rows), and the difference."""
        from munflow.dependence import correlation_check

        body = self._samples("correlation_check()")
        columns = {name: self[name] for name in self.keys()}
        return correlation_check(list(body.model.outputs.values()), columns)

    def _analysis_subject(self) -> Subject:
        body = self._samples("a sensitivity analysis")
        return Subject(
            outputs=list(body.model.outputs.items()),
            run=body.model.run,
            samples=self._flat,
            posterior=bool(getattr(body.model, "evidence", ())),
        )

    # --- a posterior's -------------------------------------------------------------

    @property
    def method(self) -> str:
        """How the posterior was reached: ``"weighting"`` (prior samples with
        likelihood weights) or ``"tempering"`` (sequential Monte Carlo)."""
        return self._fact("method").method

    @property
    def method_reason(self) -> str:
        """Why ``method`` was used, in a sentence (the cost of weighting
        against tempering, or the weights' tail)."""
        return self._fact("method_reason").method_reason

    @property
    def observations(self) -> list[str]:
        """Names of the observations conditioned on."""
        return self._fact("observations").observations

    @property
    def ess(self) -> float:
        """Effective sample size: Kish's (Σw)²/Σw² of the weights after
        weighting; after tempering, what the spread of the outputs' means
        between independent populations implies (sd² / mcse², the least
        over the outputs, at most n), since the particles are correlated
        and the last reweighting's ESS would overstate it several times.
        Pass it to :func:`munflow.words` as ``n``."""
        post = self._fact("ess")
        body = self._body if isinstance(self._body, Samples) else None
        return post.ess(body, lambda name: self._mcse(name, [])[0])

    @property
    def pareto_k(self) -> float:
        """Pareto k̂ of the likelihood weights of the prior's samples (PSIS):
        below 0.7 weighted estimates are reliable. When it is above, munflow
        switches to tempering (``method``), whose rows are unweighted."""
        return float(self._fact("pareto_k").post["weighting_pareto_k"])

    @property
    def weighting_ess(self) -> float:
        """Effective sample size plain likelihood weighting of the prior gives."""
        return float(self._evidence("weighting_ess").post["weighting_ess"])

    @property
    def log_evidence(self) -> float:
        """log of the marginal likelihood of the observations under the model."""
        return float(self._fact("log_evidence").post["log_evidence"])

    @property
    def log_evidence_se(self) -> float:
        """The Monte Carlo standard error of :attr:`log_evidence` (between
        populations after tempering; the delta method after weighting)."""
        return float(self._fact("log_evidence_se").post.get("log_evidence_se", float("nan")))

    @property
    def stages(self) -> pd.DataFrame:
        """The tempering stages (temperature, ess, acceptance, moves, step);
        empty for weighting."""
        return self._fact("stages").stages

    @property
    def populations(self) -> list[int]:
        """Tempering: the rows of each independent population (consecutive
        rows; their spread gives the Monte Carlo errors). Empty after
        weighting."""
        return self._fact("populations").populations

    @property
    def draws(self) -> int:
        """The draws behind the posterior: the particles of tempering (n), or
        the prior draws weighted, which may be more than n when weighting
        more draws was cheaper than tempering (``method_reason``)."""
        return self._samples("draws").n

    @property
    def weights(self) -> np.ndarray | None:
        """A posterior's: the weight of each row ``res[name]`` holds, equal
        (1/n), since those rows are the particles of tempering or the
        equal-weight resample of weighting; so ``np.average(res["x"],
        weights=res.weights)`` is right either way (the weights of the draws
        behind a posterior by weighting are :attr:`draw_weights`). None
        for results without evidence or without samples."""
        if self._posterior is None or not self.keeps_samples:
            return None
        return np.full(self.n, 1.0 / self.n)

    @property
    def draw_weights(self) -> np.ndarray:
        """The likelihood weights of the draws behind the posterior (they sum
        to 1), aligned with :meth:`weighted_rows`; equal for tempering."""
        return self._evidence("draw_weights").draw_weights(self._samples("draw_weights"))

    @property
    def is_weighted(self) -> bool:
        """Whether the posterior was reached by weighting draws (its arrays
        are then an equal-weight resample of them)."""
        return self._evidence("is_weighted").weights is not None

    @property
    def prior(self) -> Results:
        """The prior: the model without its evidence, same seed and n."""
        post = self._evidence("prior")
        if post.prior is None:
            body = self._samples("prior")
            post.prior = Results(
                Samples(
                    post.prior_of(body),
                    body.model.without_evidence(),
                    threads=body.threads,
                    allow_nan=body.allow_nan,
                )
            )
        return post.prior

    def _rows_held(self) -> np.ndarray | None:
        if self._posterior is None:
            return None
        return self._posterior.rows_held(self._samples("its rows"))

    def _tails(self, *, prior: bool) -> list[np.ndarray]:
        return self._evidence("check_evidence()").tails_of(
            self._samples("check_evidence()"), prior=prior
        )

    def weighted_rows(self, *, include_inputs: bool = True) -> pd.DataFrame:
        """The draws behind the posterior as a DataFrame with a ``weight``
        column: the prior's draws and their likelihood weights for a
        posterior by weighting, the particles with equal weights for
        tempering. Reduce them with the weights (``np.average``, weighted
        quantiles); unweighted, they are the prior."""
        self._evidence("weighted_rows()")
        body = self._samples("weighted_rows()")
        names = self.outputs + (self.inputs if include_inputs else [])
        frame = pd.DataFrame({name: body.column(name) for name in names})
        frame["weight"] = self.draw_weights
        frame.attrs.update(seed=self.seed, n=self.n, draws=self.draws, method=self.method)
        return frame

    def resample(self, n: int | None = None, *, seed: int | None = None) -> pd.DataFrame:
        """An equal-weight sample of ``n`` rows (default: the run's n) from
        the draws behind the posterior, as a DataFrame of outputs and inputs
        (see :func:`munflow.results.weighted.equal_weight_rows`; with the defaults,
        the rows ``res[name]`` holds)."""
        self._evidence("resample()")
        body = self._samples("resample()")
        size = self.n if n is None else int(n)
        if size < 1:
            raise ValueError(f"n must be >= 1, got {n}")
        index = weighted.equal_weight_rows(
            self.draw_weights, size, self.seed if seed is None else seed
        )
        frame = pd.DataFrame({name: body.column(name)[index] for name in self.keys()})
        frame.attrs.update(seed=self.seed, n=size, resampled_from=self.draws)
        return frame

    def prior_posterior(self, quantiles: Sequence[float] = (0.05, 0.5, 0.95)) -> pd.DataFrame:
        """Prior and posterior side by side for every output: their
        quantiles, and how much the evidence narrowed the 90% range."""
        self._evidence("prior_posterior()")
        prior = self.prior.summary(quantiles)
        post = self.summary(quantiles, grouped=False)
        labels = [quantile_label(q) for q in quantiles]
        table = pd.concat(
            {"prior": prior[["mean", *labels]], "posterior": post[["mean", *labels]]}, axis=1
        )
        table[("change", "median")] = post["p50"] / prior["p50"] - 1 if "p50" in labels else np.nan
        width = lambda t: t[labels[-1]] - t[labels[0]]  # noqa: E731
        table[("change", "range")] = width(post) / width(prior) - 1
        table.attrs.update(seed=self.seed, n=self.n, method=self.method)
        return ReadableTable(table)

    def plot_prior_posterior(
        self, outputs: str | Sequence[str] | None = None, **options: Any
    ) -> Axes | list[Axes]:
        """Prior and posterior of each output overlaid, one panel per output;
        see :func:`munflow.plot.prior_posterior` (``bins=``, ``ax=``)."""
        self._evidence("plot_prior_posterior()")
        from munflow import plot

        return plot.prior_posterior(self._flat, outputs, **options)

    def check_evidence(self, *, level: float = 0.01, n_check: int = 20_000) -> EvidenceCheck:
        """Whether the observations agree with each other and with the
        assumptions; see :func:`munflow.evidence.checks.check_evidence`."""
        self._evidence("check_evidence() (the checks reweight the draws)")
        from munflow.evidence.checks import check_evidence

        return check_evidence(self._flat, level=level, n_check=n_check)

    def shifts(self, output: str | None = None, *, n_check: int = 20_000) -> Shifts:
        """How much each observation moved each output; see
        :func:`munflow.evidence.checks.shifts`."""
        self._evidence("shifts() (the shifts reweight the draws)")
        from munflow.evidence.checks import shifts

        return shifts(self._flat, output, n_check=n_check)

    def to_arviz(self) -> Any:
        """The posterior in ArviZ's container (``InferenceData`` with ArviZ
        0.x, an ``xarray.DataTree`` with 1.x): posterior, sample_stats,
        log_likelihood (``az.loo`` works), prior and observed_data groups;
        see :mod:`munflow.results.inference_data`. Needs ``munflow[arviz]``."""
        self._evidence("to_arviz() (ArviZ's container holds draws)")
        from munflow.results.inference_data import to_arviz

        return to_arviz(self._flat)

    # --- a scenario's --------------------------------------------------------------

    def compare(
        self, quantity: str = "total.containers", *, scale: str = DEFAULT_SCALE
    ) -> pd.DataFrame:
        """Alternative estimates side by side: for each pair (a, b), the
        median and 90% interval of ``quantity`` under each, P(a > b) on
        the same samples, and P(a > b) in ``words`` (see :func:`munflow.words`:
        the terms of ``scale``, every one the 95% interval of P(a > b) from
        this run's samples reaches: its effective samples for a posterior).
        A summary-only run compares ``total.containers``, whose P(a > b) it
        computed up front."""
        if self._grouping is None:
            raise TypeError(no_grouping("compare()"))
        return self._grouping.compare(self._flat, quantity, scale)

    # --- a timeline's -------------------------------------------------------------

    def series(self, name: str) -> np.ndarray:
        """A timeline's: the samples of a series, an array of n samples x periods."""
        columns = self._axis("series()").columns(name)
        return np.column_stack([self[c] for c in columns])

    def period_summary(
        self, names: str | Sequence[str] | None = None, quantiles: Sequence[float] | None = None
    ) -> pd.DataFrame:
        """A timeline's tidy table: one row per series and period, with the
        period's label and first day, mean, sd and quantiles (the
        posterior's, with evidence)."""
        axis = self._axis("period_summary()")
        table = self._flat.summary(quantiles, grouped=False)
        rows = []
        for name in axis.series_names(names):
            for label, date, col in zip(
                axis.timeline.labels, axis.timeline.dates, axis.columns(name), strict=True
            ):
                rows.append(
                    {
                        "quantity": name,
                        "period": label,
                        "date": pd.Timestamp(date),
                        **table.loc[col].to_dict(),
                    }
                )
        out = ReadableTable(pd.DataFrame(rows))
        out.attrs.update(seed=self.seed, n=self.n)
        return out

    def prob_by(self, name: str, level: float, when: Any) -> float:
        """A timeline's: P(the series is at least ``level`` in the period
        holding ``when``); with a cumulative series, the chance that
        ``level`` had arrived by then."""
        axis = self._axis("prob_by()")
        at = as_level(level)
        t = axis.timeline.period_of(when, "when")
        values = np.asarray(self[axis.columns(name)[t]])
        return float(np.mean(values >= at))

    def reached(self, name: str, level: float) -> pd.Series:
        """A timeline's: when a series first reaches ``level``: the
        probability of each period, and of ``"not by the end"`` for the
        samples that never reach it (a share, never a NaN date). Index: the
        period labels, then ``"not by the end"``."""
        axis = self._axis("reached()")
        return axis.first_period(self.series(name) >= as_level(level))

    def run_out(self, name: str) -> pd.Series:
        """A timeline's: when a stock series first runs out (is 0 after
        having held rounds): the probability of each period, and ``"not by
        the end"`` for samples whose stock lasts (or never held anything)."""
        axis = self._axis("run_out()")
        stock = self.series(name)
        held = np.maximum.accumulate(stock > 0, axis=1)
        return axis.first_period(held & (stock <= 0))

    def plot_fan(
        self,
        name: str,
        *,
        evidence: bool | Sequence[Observation] = True,
        ax: Axes | None = None,
        title: str | None = None,
    ) -> Axes:
        """A timeline's fan chart of a series: median line, 50% and 90%
        bands over a date axis, and the dated statements observing it drawn
        over it (a measurement as a point with its error bar, ``at_least``
        and ``at_most`` as one-sided marks). A running total or a stock is
        drawn at each period's last day, when it is held; a flow at the
        period's first day.

        Only statements that state a figure of the series are drawn:
        ``measured``, ``between``, ``at_least``, ``at_most`` and ``paired``
        (its stated count, with that count's error). The other kinds
        (``count``, ``poisson``, ``serial_numbers``, ``image_count``,
        ``sightings``, ``log_likelihood``) are data the series is inferred
        from, not a figure of it, and are left off the chart."""
        from munflow import plot

        axis = self._axis("plot_fan()")
        table = self.period_summary(name, [0.05, 0.25, 0.5, 0.75, 0.95])
        if axis.held(name):
            table["date"] = pd.to_datetime(axis.timeline.ends)
        statements = axis.statements(name, evidence)
        return plot.fan(table, statements=statements, ax=ax, title=title or name)

    def _held(self, name: str) -> bool:
        return self._axis("its series").held(name)

    def _statements(
        self, name: str, evidence: bool | Sequence[Observation]
    ) -> list[dict[str, Any]]:
        """The statements of a series' periods, as the fan chart draws them."""
        return self._axis("its statements").statements(name, evidence)

    # --- out: tables, datasets, files, pages ----------------------------------------

    def to_pandas(self, *, include_inputs: bool = True) -> pd.DataFrame:
        """The samples as a DataFrame, one column per stored quantity, with
        the seed and n in ``.attrs``; a posterior's rows equally weighted
        (the equal-weight resample after weighting; the weighted draws are
        :meth:`weighted_rows`)."""
        self._samples("to_pandas()")
        names = self.outputs + (self.inputs if include_inputs else [])
        frame = pd.DataFrame({name: self[name] for name in names})
        frame.attrs.update(seed=self.seed, n=self.n)
        if self._posterior is not None:
            frame.attrs.update(method=self.method)
        return frame

    def to_xarray(self, *, include_inputs: bool = True) -> Any:
        """The samples as an xarray Dataset: one variable of dim ``sample``
        per output (and stored input); a timeline's series each a variable
        of dims (sample, period) with the periods' first days as
        coordinates, and no inputs. The seed and n are in ``.attrs``; every
        row counts equally, a posterior's included, so what xarray reduces
        gives the summary's figures."""
        self._samples("to_xarray()")
        xr = xarray_module()
        coords: dict[str, Any] = {"sample": np.arange(self.n)}
        if self._time is None:
            names = self.outputs + (self.inputs if include_inputs else [])
            data = {name: (("sample",), np.asarray(self[name])) for name in names}
        else:
            axis = self._time
            data = {name: (("sample", "period"), self.series(name)) for name in axis.model.series}
            in_series = {c for s in axis.model.series for c in axis.columns(s)}
            for name in axis.model.model.outputs:
                if name not in in_series:
                    data[name] = (("sample",), np.asarray(self[name]))
            coords.update(period=axis.timeline.dates, label=("period", axis.timeline.labels))
        return xr.Dataset(data, coords=coords, attrs={"seed": self.seed, "n": self.n})

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write these results and how they were made (seed, n, version, the
        model or scenario, a timeline's time axis) to ``path`` (an ``.npz``
        archive, no pickle); ``munflow.load(path)`` opens them again as the
        same kind."""
        return saving.save(self, path)

    def report(self, path: str | os.PathLike[str], **options: Any) -> Path:
        """Writes a self-contained HTML report page of these results (see
        :func:`munflow.report.report`) and returns its path."""
        from munflow.report import report

        return report(self, path, **options)

    def __repr__(self) -> str:
        if self._time is not None:
            return (
                f"munflow timeline results: n={self.n:,}, seed={self.seed}, "
                f"{self._time.timeline!r}, series: {', '.join(self._time.model.series)}"
            )
        summary_only = "summary-only " if not self.keeps_samples else ""
        noun = "posterior" if self._posterior is not None else "results"
        if summary_only and noun == "posterior" and self._grouping is not None:
            noun = "results"  # as a scenario's summary-only run has always said
        title = ""
        if self._grouping is not None:
            title = f" for {self._grouping.scenario.title or 'scenario'}"
        head = f"munflow {summary_only}{noun}{title}: n={self.n:,}, seed={self.seed}"
        if self._posterior is not None:
            if self.keeps_samples:
                head += f", method={self.method}"
                if self._grouping is None:
                    head += f", ess={self.ess:,.0f}"
                head += f", observations: {', '.join(self.observations)}"
            elif self._grouping is None:
                head += f", observations: {', '.join(self.observations)}, ess={self.ess:,.0f}"
        return head + "\n" + self.summary().to_string(float_format=readable)

    def _repr_html_(self) -> str | None:
        if self._time is not None or not self.keeps_samples:
            return None  # the text of __repr__
        from munflow.report.display import posterior_html, results_html

        return posterior_html(self) if self._posterior is not None else results_html(self)


def _restore(
    body: Samples | Summary,
    posterior: Posterior | None,
    time: TimeAxis | None,
    grouping: Grouping | None,
) -> Results:
    """Results from the parts ``__reduce__`` gave."""
    return Results(body, posterior=posterior, time=time, grouping=grouping)
