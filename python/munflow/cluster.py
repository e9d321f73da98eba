"""What every munflow run on a Dask cluster shares: the chunk arithmetic,
the client and seed checks, and the Sobol design evaluated range by range
(:func:`munflow.sobol` with ``client=``). Summary-only runs and columns are
:mod:`munflow.dask`, which builds results; this module builds none, so the
analyses can use the cluster without depending on the results types."""

from __future__ import annotations

import math
import operator
import pickle
import secrets
import uuid
from typing import Any

try:
    import distributed
except ImportError as err:  # the extra is optional: say how to get it
    raise ImportError(
        "munflow's Dask runs need dask and distributed: pip install 'munflow[dask]'"
    ) from err

import numpy as np

from munflow import _core
from munflow._core import Expr

#: Rows per chunk, the unit of the core's random streams (engine::CHUNK).
CHUNK = 4096
#: Smallest default task: ~1M rows, ~0.3 s a pass for the reference model of
#: benches/compare_numpy.py, against ~20 ms a task beyond the compute (dask's
#: ~2 ms, and the task's result, ~280 kB an output of histogram, shipped and
#: merged): under 10%, and bigger runs get bigger tasks.
MIN_TASK_CHUNKS = 256
#: Default tasks per worker thread and pass: enough to balance uneven workers.
TASKS_PER_THREAD = 4
#: Results merged by one merge task.
MERGE_FANIN = 8


def sobol_evaluations(
    outputs: list[tuple[str, Expr]],
    output: str,
    n: int,
    seed: int,
    *,
    client: Any = None,
    task_chunks: int | None = None,
    threads_per_task: int | None = 1,
    **design: Any,
) -> list[np.ndarray]:
    """Every matrix of a Sobol design of ``output`` evaluated on the cluster,
    range by range (:func:`munflow.sobol` with ``client=`` calls this; the
    estimate and its bootstrap stay on the client). ``design`` holds the
    options that shape the design (second_order, groups, sampling,
    allow_nan). The rows of a range are those rows of the whole design, so
    the concatenation is the local evaluation, bit for bit."""
    client = _client(client)
    total = _chunks(int(n))
    if task_chunks is None:
        threads = sum(client.nthreads().values()) or 1
        task_chunks = max(16, math.ceil(total / (TASKS_PER_THREAD * threads)))
    task_chunks = _positive(task_chunks, "task_chunks")
    run_id = uuid.uuid4().hex[:12]
    shared = client.submit(
        pickle.loads, pickle.dumps(outputs), key=f"munflow-model-{run_id}", pure=False
    )
    try:
        starts = list(range(0, total, task_chunks))
        futures = client.map(
            _sobol_task,
            starts,
            [min(a + task_chunks, total) for a in starts],
            outputs=shared,
            output=output,
            n=int(n),
            seed=seed,
            threads=threads_per_task,
            design=design,
            key=[f"munflow-sobol-{run_id}-{a}" for a in starts],
        )
        parts = client.gather(futures)
    finally:
        shared.release()
    return [np.concatenate(matrix) for matrix in zip(*parts, strict=True)]


def _sobol_task(
    start: int,
    end: int,
    *,
    outputs: list[tuple[str, Expr]],
    output: str,
    n: int,
    seed: int,
    threads: int | None,
    design: dict[str, Any],
) -> list[np.ndarray]:
    """One task: every design matrix on chunks [start, end), on a worker."""
    return _core._sobol_evaluate(outputs, output, n, seed, start, end, threads=threads, **design)


def _client(client: Any) -> Any:
    if client is not None:
        return client
    try:
        return distributed.get_client()
    except ValueError:
        raise ValueError(
            "munflow.dask.run needs a Dask client: start one with distributed.Client() (a "
            "local cluster) or distributed.Client('tcp://scheduler:8786'), or pass client="
        ) from None


def _seed(seed: Any) -> int:
    """An explicit seed for the workers; one picked here when none is given
    (below 2**63, as the core's own)."""
    if seed is None:
        return secrets.randbits(63)
    if isinstance(seed, bool):
        raise TypeError("seed must be an int, got bool")
    try:
        value = operator.index(seed)
    except TypeError:
        raise TypeError(f"seed must be an int, got {type(seed).__name__}") from None
    if not 0 <= value < 2**64:
        raise ValueError(f"seed must be in [0, 2**64), got {value}")
    return value


def _positive(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{what} must be an int >= 1, got {value!r}")
    return int(value)


def _chunks(n: int) -> int:
    return -(-n // CHUNK)
