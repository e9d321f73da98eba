"""Models: named outputs that can be run repeatedly."""

from __future__ import annotations

from typing import Any

from munflow import _core
from munflow._core import Expr
from munflow.outputs import DEFAULT_SAMPLES, as_outputs
from munflow.progress import progress_callback
from munflow.results import Results
from munflow.sensitivity import SensitivityMethods, Subject


class Model(SensitivityMethods):
    """Named outputs of an expression graph, ready to run.

    >>> import munflow as mf
    >>> shells = mf.lognormal_ci(6000, 8000) * mf.pert(300, 430, 500)
    >>> model = mf.Model({"shells": shells})
    >>> res = model.run(n=10_000, seed=1)
    >>> res.n
    10000
    """

    def __init__(self, outputs: Any = None, /, **named: Expr) -> None:
        pairs = as_outputs(outputs) if outputs is not None else []
        pairs += as_outputs(named) if named else []
        if not pairs:
            raise ValueError("a model needs at least one output")
        self._outputs = pairs

    @property
    def outputs(self) -> dict[str, Expr]:
        """The outputs by name."""
        return dict(self._outputs)

    def to_model(self) -> Model:
        return self

    def _analysis_subject(self) -> Subject:
        return Subject(outputs=list(self._outputs), run=self.run)

    def run(
        self,
        n: int = DEFAULT_SAMPLES,
        seed: int | None = None,
        *,
        threads: int | None = None,
        store_inputs: bool = True,
        allow_nan: bool = False,
        progress: bool | None = None,
    ) -> Results:
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
        """
        raw = _core.run(
            self._outputs,
            n,
            seed,
            threads=threads,
            store_inputs=store_inputs,
            allow_nan=allow_nan,
            progress=progress_callback(progress),
        )
        return Results(raw, self, threads=threads, allow_nan=allow_nan)

    def __repr__(self) -> str:
        names = ", ".join(name for name, _ in self._outputs)
        return f"<munflow.Model outputs: {names}>"


def run(outputs: Any, n: int = DEFAULT_SAMPLES, seed: int | None = None, **options: Any) -> Results:
    """Run ``outputs`` (a dict of name -> expression) for ``n`` samples.

    Shorthand for ``Model(outputs).run(n, seed, **options)``; see :meth:`Model.run`.
    """
    return Model(outputs).run(n, seed, **options)
