"""Models: named outputs that can be run repeatedly."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from munflow import _core
from munflow._core import Expr
from munflow.evidence import Observation
from munflow.outputs import DEFAULT_QUANTILES, DEFAULT_SAMPLES, as_outputs
from munflow.progress import progress_callback
from munflow.results import make
from munflow.results.core import Results
from munflow.results.make import run_summary
from munflow.sensitivity.analyses import SensitivityMethods, Subject


class Model(SensitivityMethods):
    """Named outputs of an expression graph, ready to run.

    >>> import munflow as mf
    >>> shells = mf.lognormal_ci(6000, 8000) * mf.pert(300, 430, 500)
    >>> model = mf.Model({"shells": shells})
    >>> res = model.run(n=10_000, seed=1)
    >>> res.n
    10000
    """

    def __init__(
        self, outputs: Any = None, /, *, evidence: Sequence[Observation] = (), **named: Expr
    ) -> None:
        pairs = as_outputs(outputs) if outputs is not None else []
        pairs += as_outputs(named) if named else []
        if not pairs:
            raise ValueError("a model needs at least one output")
        self._outputs = pairs
        self._evidence = _observations(evidence)

    @property
    def evidence(self) -> tuple[Observation, ...]:
        """The observations this model is conditioned on."""
        return self._evidence

    def observe(self, *observations: Observation) -> Model:
        """A new model conditioned also on ``observations`` (made by the
        functions of :mod:`munflow.evidence`); this one is unchanged.

        >>> import munflow as mf
        >>> rate = mf.beta(2, 8, name="fail_rate")
        >>> model = mf.Model({"rate": rate}).observe(mf.evidence.count(25, n=50, p=rate))
        >>> [o.name for o in model.evidence]
        ['25 of 50']
        """
        if len(observations) == 1 and isinstance(observations[0], (list, tuple)):
            observations = tuple(observations[0])
        return Model(dict(self._outputs), evidence=(*self._evidence, *_observations(observations)))

    def without_evidence(self) -> Model:
        """The same outputs with no observations: the prior model."""
        return Model(dict(self._outputs))

    @property
    def outputs(self) -> dict[str, Expr]:
        """The outputs by name."""
        return dict(self._outputs)

    def to_model(self) -> Model:
        return self

    def _analysis_subject(self) -> Subject:
        return Subject(outputs=list(self._outputs), run=self.run, posterior=bool(self._evidence))

    def run(
        self,
        n: int = DEFAULT_SAMPLES,
        seed: int | None = None,
        *,
        threads: int | None = None,
        store_inputs: bool = True,
        allow_nan: bool = False,
        progress: bool | None = None,
        method: str = "auto",
        min_ess: float | None = None,
        max_stages: int = 500,
        store: str | None = None,
        quantiles: Sequence[float] = DEFAULT_QUANTILES,
        events: Mapping[str, Expr] | None = None,
        client: Any = None,
    ) -> Results | Any:
        """Draw ``n`` samples of every output.

        Parameters
        ----------
        n : number of samples.
        seed : the seed; the same seed gives bit-identical results whatever
            the number of threads. ``None`` picks a fresh seed, recorded in
            ``results.seed``.
        threads : worker threads (default: all cores, or RAYON_NUM_THREADS).
        store_inputs : also keep the samples of every named input.
        allow_nan : keep NaN/infinite values instead of raising ModelError
            naming the node that produced the first one.
        progress : show a progress bar (None: only when the run takes more
            than about a second and tqdm is installed).
        method, min_ess, max_stages : for a model with evidence, how the
            posterior is reached. ``"auto"`` aims for about n effective
            samples the cheaper way: weighting prior draws by the likelihood
            (as many more than n as that takes, resampled to n rows) when the
            weights' Pareto k̂ is at most 0.7, n draws keep at least
            ``min_ess`` x n effective samples (default 0.01 in memory; 0.1
            for summary-only runs, which cannot temper) and weighting costs
            less than tempering; otherwise it tempers the likelihood in at
            most ``max_stages`` stages of sequential Monte Carlo.
            ``res.method_reason`` says why. ``"weighting"`` and
            ``"tempering"`` force one. The result is a
            :class:`PosteriorResults`.
        store : ``"columns"`` keeps every sample (the default);
            ``"summary"`` keeps none, so memory does not grow with n (10^9
            samples fit in well under a gigabyte): the result is a
            :class:`SummaryResults` with the summary at ``quantiles`` and the
            probabilities of ``events`` (a dict of name -> true/false
            expression), all bit-identical to the same run kept in memory.
            With evidence, the posterior by likelihood weighting (a
            :class:`PosteriorSummaryResults`); evidence that needs tempering
            is refused with a message saying to run in memory.
        client : a ``distributed.Client``: run on its Dask cluster (see
            :func:`munflow.dask.run`), summary-only unless ``store="columns"``
            (then the columns are dask arrays). Same numbers as here.
        """
        if client is not None:
            from munflow import dask as on_dask

            return on_dask.run(
                self,
                n,
                seed,
                client=client,
                store=store or "summary",
                quantiles=quantiles,
                events=events,
                allow_nan=allow_nan,
                method=method,
                min_ess=0.1 if min_ess is None else min_ess,
            )
        store = store or "columns"
        if store not in ("columns", "summary"):
            raise ValueError(f"store must be 'columns' or 'summary', got {store!r}")
        if store == "summary":
            return run_summary(
                self._outputs,
                n,
                seed,
                quantiles=quantiles,
                events=events,
                threads=threads,
                allow_nan=allow_nan,
                progress=progress,
                observations=self._evidence,
                method=method,
                min_ess=0.1 if min_ess is None else min_ess,
            )
        if events is not None:
            raise ValueError(
                "events= is for summary-only runs (store='summary'); with the samples kept, "
                "use res.prob(event) after the run"
            )
        if self._evidence:
            post = _core._run_posterior(
                self._outputs,
                list(self._evidence),
                n,
                seed,
                threads=threads,
                store_inputs=store_inputs,
                allow_nan=allow_nan,
                progress=progress_callback(progress),
                method=method,
                min_ess=0.01 if min_ess is None else min_ess,
                max_stages=max_stages,
            )
            return make.of_posterior(post, self, threads=threads, allow_nan=allow_nan)
        raw = _core._run(
            self._outputs,
            n,
            seed,
            threads=threads,
            store_inputs=store_inputs,
            allow_nan=allow_nan,
            progress=progress_callback(progress),
        )
        return make.of_samples(raw, self, threads=threads, allow_nan=allow_nan)

    def __repr__(self) -> str:
        names = ", ".join(name for name, _ in self._outputs)
        seen = "; evidence: " + ", ".join(o.name for o in self._evidence) if self._evidence else ""
        return f"<munflow.Model outputs: {names}{seen}>"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore_model, (self._outputs, self._evidence))


def _restore_model(outputs: list[tuple[str, Expr]], evidence: tuple[Observation, ...]) -> Model:
    return Model(dict(outputs), evidence=evidence)


def _observations(items: Any) -> tuple[Observation, ...]:
    """Checks that every item is an observation."""
    out = tuple(items)
    for item in out:
        if not isinstance(item, Observation):
            raise TypeError(
                "evidence must be observations made by munflow.evidence (count, measured, "
                f"at_least, ...), got {type(item).__name__}"
            )
    return out


def run(outputs: Any, n: int = DEFAULT_SAMPLES, seed: int | None = None, **options: Any) -> Results:
    """Run ``outputs`` (a dict of name -> expression) for ``n`` samples.

    Shorthand for ``Model(outputs).run(n, seed, **options)``; see :meth:`Model.run`.
    """
    return Model(outputs).run(n, seed, **options)
