"""Runs on a Dask cluster: summary-only runs cut into tasks, and sample
columns as dask arrays, bit-identical to the same run on one machine.

``munflow.dask.run(model, 1e10, seed=1)`` gives the :class:`SummaryResults`
that ``model.run(1e10, seed=1, store="summary")`` gives, computed by the
workers of a ``distributed.Client``::

    from distributed import Client
    import munflow.dask

    client = Client("tcp://scheduler:8786")
    res = munflow.dask.run(model, 1e10, seed=1, events={"over 12M": shells > 12e6})
    res.summary()

How. A run's samples are cut into chunks of 4096 rows, and every chunk draws
from its own random streams, keyed by the seed and the chunk's index: a chunk
draws the same numbers wherever and whenever it is evaluated. A summary-only
run makes a few passes over the chunks (usually three): the pilot (the first
16 chunks: each output's centre and histogram range), the moments (exact sums,
squares about the centre, a histogram of counts, min and max) and the windows
(the values in the few buckets that hold the quantiles, or a finer histogram
of a bucket too full to gather, which takes a further pass). The client asks
the core for the next pass, cuts its chunk range into tasks of
``task_chunks`` chunks, and the workers evaluate them and merge their results
in a tree (batches of 8), so only one result per pass reaches the client.

Why the result does not depend on the cluster. Every part of a pass's result
merges exactly and in any order: the chunks' sums are added exactly
(Shewchuk's expansions: nothing is rounded until the end), counts are
integers, minima and maxima are minima and maxima, the pilot's values are put
back in chunk order, and the values gathered around a quantile are picked by
rank, which no order changes. So the number of workers, the task size, the
shape of the merge tree, which task finishes first, and a task recomputed on
another worker after its worker died all give the same bits, equal to
``model.run(n, seed)`` kept in memory and summarised.

Dask's own random arrays are different: ``da.random.normal(size=n,
chunks=c)`` draws each block from a seed of its own, one per block, so
changing the chunks changes the numbers (dask issue 1684). The columns of
``run(..., store="columns")`` are munflow's chunks grouped into blocks, so
they are the same whatever the block size.
"""

from __future__ import annotations

import math
import operator
import pickle
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

try:
    import dask
    import dask.array as da
    import distributed  # noqa: F401  (its absence is reported as munflow.dask's)
except ImportError as err:  # the extra is optional: say how to get it
    raise ImportError(
        "munflow.dask needs dask and distributed: pip install 'munflow[dask]'"
    ) from err

import numpy as np

from munflow import _core
from munflow._core import Expr
from munflow.cluster import (
    CHUNK,
    MERGE_FANIN,
    MIN_TASK_CHUNKS,
    TASKS_PER_THREAD,
    _chunks,
    _client,
    _positive,
    _seed,
    sobol_evaluations,
)
from munflow.outputs import DEFAULT_QUANTILES, as_outputs
from munflow.results.core import Results
from munflow.results.make import _EVENT, _checked_events, _results, summary_posterior

if TYPE_CHECKING:  # a protocol: munflow.model imports this module for Model.run(client=)
    from munflow.results.protocols import RunnableModel

__all__ = ["DaskColumns", "run", "sobol_evaluations"]


#: The function that evaluates a pass over chunks, looked up at each run:
#: the tests swap in one that stalls so that its worker can be killed (it
#: travels to the workers as a task argument; a patch of ``_core`` in the
#: test's process would not reach them).
_evaluate_pass: Callable[..., bytes] = _core._run_summary_pass


class DaskColumns(dict[str, Any]):
    """The columns of a run as dask arrays by output name, with the run's
    ``n`` and ``seed`` (the seed picked on the client when none was given)."""

    def __init__(self, columns: Mapping[str, Any], *, n: int, seed: int) -> None:
        super().__init__(columns)
        self.n = n
        self.seed = seed

    def __repr__(self) -> str:
        names = ", ".join(self)
        return f"<munflow dask columns n={self.n:,}, seed={self.seed}: {names}>"


def run(
    model: Any,
    n: int | float,
    seed: int | None = None,
    *,
    client: Any = None,
    store: str = "summary",
    quantiles: Sequence[float] = DEFAULT_QUANTILES,
    events: Mapping[str, Expr] | None = None,
    task_chunks: int | None = None,
    threads_per_task: int | None = 1,
    allow_nan: bool = False,
    method: str = "auto",
    min_ess: float = 0.1,
) -> Results | DaskColumns:
    """Run ``model`` (a :class:`munflow.Model`, a :class:`munflow.Scenario`
    or a dict of outputs) for ``n`` samples on a Dask cluster.

    >>> import munflow as mf
    >>> import munflow.dask
    >>> from distributed import Client
    >>> client = Client(processes=False, n_workers=2, threads_per_worker=1, dashboard_address=None)
    >>> shells = mf.lognormal_ci(6000, 8000) * mf.pert(300, 430, 500)
    >>> model = mf.Model({"shells": shells})
    >>> res = mf.dask.run(model, 1e6, seed=1, events={"over 3M": shells > 3e6})
    >>> kept = model.run(1e6, seed=1)
    >>> bool((res.summary() == kept.summary()).all(axis=None))
    True
    >>> res.prob("over 3M") == kept.prob(shells > 3e6)
    True
    >>> cols = mf.dask.run(model, 1e6, seed=1, store="columns", task_chunks=10)
    >>> bool((cols["shells"].compute() == kept["shells"]).all())
    True
    >>> client.close()

    Parameters
    ----------
    n, seed : as :meth:`munflow.Model.run`; the same seed gives the same
        bits as the run on one machine, whatever the cluster. ``None`` picks
        a seed on the client, recorded in ``results.seed``.
    client : a ``distributed.Client`` (default: the current one).
    store : ``"summary"`` (the default) runs the passes of a summary-only
        run on the workers and returns a :class:`SummaryResults` with the
        summary at ``quantiles`` and the probabilities of ``events``;
        ``"columns"`` returns a :class:`DaskColumns`, a dict of output name
        -> lazy 1-D float64 dask array of n rows, block by block equal to the
        columns of the run kept in memory (``client`` is not used: the arrays
        compute wherever dask computes).
    task_chunks : chunks of 4096 rows per task (per block for
        ``"columns"``). Default: about 4 tasks per worker thread and pass,
        and at least 256 chunks (~1M rows) per task. A task costs ~20 ms of
        a worker beyond its compute (benches/dask_compare.py), so tasks of
        a few thousand chunks keep that under 1%.
    threads_per_task : threads each task uses (``None``: all the worker's
        cores). One suits workers with a thread per core, dask's usual
        layout; with one worker thread per machine, ``None`` lets each task
        use the whole machine.
    allow_nan : as :meth:`munflow.Model.run`.
    method, min_ess : for a model with evidence, whose posterior is reached
        by likelihood weighting (weights are per sample, so they distribute):
        ``"auto"`` refuses evidence that weighting cannot carry (fewer than
        ``min_ess`` x n effective samples, or a Pareto k̂ above 0.7: it needs
        tempering, which needs every sample in one memory); ``"weighting"``
        weights whatever the diagnostics. The result is then a
        :class:`munflow.PosteriorSummaryResults`.
    """
    if store not in ("summary", "columns"):
        raise ValueError(f"store must be 'summary' or 'columns', got {store!r}")
    outputs, evidence = _outputs_of(model)
    if method not in ("auto", "weighting", "tempering"):
        raise ValueError(f"method must be 'auto', 'weighting' or 'tempering', got {method!r}")
    if evidence and (store == "columns" or method == "tempering"):
        raise ValueError(
            "on a cluster a model with evidence runs summary-only by likelihood weighting; "
            "tempering needs every sample at once: run it in memory (model.run(n, seed))"
        )
    seed = _seed(seed)
    if task_chunks is not None:
        task_chunks = _positive(task_chunks, "task_chunks")
    if threads_per_task is not None:
        threads_per_task = _positive(threads_per_task, "threads_per_task")
    if store == "columns":
        if events is not None:
            raise ValueError(
                "events= is for summary-only runs (store='summary'); with the columns, "
                "compute the event's mean from them"
            )
        blocks = task_chunks or MIN_TASK_CHUNKS
        return _columns(outputs, _samples(n), seed, blocks, threads_per_task, allow_nan)
    named = _checked_events(events)
    everything = outputs + [(_EVENT + name, expr) for name, expr in named.items()]
    qs = [float(q) for q in quantiles]
    names = [obs.name for obs in evidence]
    specs = list(evidence)
    # checks n and the quantiles
    job = _core.SummaryJob(
        n,
        len(everything),
        qs,
        observations=names or None,
        min_ess=min_ess,
        force_weighting=method == "weighting",
    )
    n = int(n)
    client = _client(client)
    if task_chunks is None:
        threads = sum(client.nthreads().values()) or 1
        task_chunks = max(MIN_TASK_CHUNKS, math.ceil(_chunks(n) / (TASKS_PER_THREAD * threads)))
    run_id = uuid.uuid4().hex[:12]
    # The model travels once, as a task whose result is the unpickled model
    # (not scattered data: a task can be recomputed if every worker that
    # holds it dies); the pass tasks depend on it.
    # Outputs and observations in one pickle, so that the nodes they share
    # stay shared on the workers.
    shared = client.submit(
        pickle.loads, pickle.dumps((everything, specs)), key=f"munflow-model-{run_id}", pure=False
    )
    try:
        number = 0
        while (step := job.next_pass()) is not None:
            summary_pass, start, end = step
            ranges = [(a, min(a + task_chunks, end)) for a in range(start, end, task_chunks)]
            parts = client.map(
                _pass_task,
                [a for a, _ in ranges],
                [b for _, b in ranges],
                evaluate=_evaluate_pass,
                model=shared,
                n=n,
                seed=seed,
                summary_pass=summary_pass,
                threads=threads_per_task,
                allow_nan=allow_nan,
                key=[f"munflow-pass-{run_id}-{number}-{a}" for a, _ in ranges],
            )
            merged = _merge_tree(client, parts, f"munflow-merge-{run_id}-{number}")
            del parts  # the workers can free the parts once merged
            job.absorb(merged.result())
            merged.release()
            number += 1
    finally:
        shared.release()
    res = _results(n, seed, outputs, named, job.summaries(), qs)
    if not evidence:
        return res
    return summary_posterior(res, observations=names, diagnostics=job.diagnostics())


def _pass_task(
    start: int,
    end: int,
    *,
    evaluate: Callable[..., bytes],
    model: tuple[list[tuple[str, Expr]], list[Any]],
    n: int,
    seed: int,
    summary_pass: bytes,
    threads: int | None,
    allow_nan: bool,
) -> bytes:
    """One task: a pass over chunks [start, end), on a worker."""
    outputs, observations = model
    given = {"observations": observations} if observations else {}
    return evaluate(
        outputs, n, seed, summary_pass, start, end, threads=threads, allow_nan=allow_nan, **given
    )


def _merge_tree(client: Any, parts: list[Any], prefix: str) -> Any:
    """Merges the futures of one pass on the workers, MERGE_FANIN at a time,
    down to one future (the merges are exact, so the tree's shape and the
    order of its leaves do not change the result)."""
    level = 0
    while len(parts) > 1:
        batches = [parts[i : i + MERGE_FANIN] for i in range(0, len(parts), MERGE_FANIN)]
        parts = client.map(
            _core._merge_summary_passes,
            batches,
            key=[f"{prefix}-{level}-{i}" for i in range(len(batches))],
        )
        level += 1
    return parts[0]


def _columns(
    outputs: list[tuple[str, Expr]],
    n: int,
    seed: int,
    task_chunks: int,
    threads: int | None,
    allow_nan: bool,
) -> DaskColumns:
    """The columns as dask arrays whose blocks are chunk ranges of the run."""
    blob = pickle.dumps(outputs)
    # Keys from the tasks' arguments: the same run asked for twice shares them.
    token = dask.base.tokenize(blob, n, seed, task_chunks, threads, allow_nan)
    shared = dask.delayed(pickle.loads, pure=True)(blob, dask_key_name=f"munflow-model-{token}")
    total = _chunks(n)
    blocks = []
    for a in range(0, total, task_chunks):
        b = min(a + task_chunks, total)
        rows = min(b * CHUNK, n) - a * CHUNK
        block = dask.delayed(_core._run_chunk_range, pure=True)(
            shared,
            n,
            seed,
            a,
            b,
            threads=threads,
            allow_nan=allow_nan,
            dask_key_name=f"munflow-rows-{token}-{a}",
        )
        blocks.append((block, rows))
    columns = {}
    for j, (name, _expr) in enumerate(outputs):
        pieces = [
            da.from_delayed(
                dask.delayed(operator.getitem)(
                    block, j, dask_key_name=f"munflow-pick-{token}-{j}-{k}"
                ),
                shape=(rows,),
                dtype=np.float64,
                name=f"munflow-column-{token}-{j}-{k}",
            )
            for k, (block, rows) in enumerate(blocks)
        ]
        columns[name] = da.concatenate(pieces)
    return DaskColumns(columns, n=n, seed=seed)


def _outputs_of(model: RunnableModel | Any) -> tuple[list[tuple[str, Expr]], tuple[Any, ...]]:
    """The outputs and evidence of a Model, a Scenario (anything with
    ``to_model()``) or a dict of outputs."""
    if hasattr(model, "to_model"):
        model = model.to_model()
    if isinstance(model, Mapping):
        if not model:
            raise ValueError("a model needs at least one output")
        return as_outputs(model), ()
    outputs = getattr(model, "_outputs", None)
    if not isinstance(outputs, list):
        raise TypeError(
            "munflow.dask.run needs a munflow.Model, a munflow.Scenario or a dict of outputs, "
            f"got {type(model).__name__}"
        )
    return list(outputs), tuple(getattr(model, "evidence", ()))


def _samples(n: Any) -> int:
    # The core's own check and messages: ints, or whole floats such as 1e9.
    _core.SummaryJob(n, 1, [])
    return int(n)
