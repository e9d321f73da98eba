"""Results of a run: sample columns as numpy arrays, summaries as pandas tables."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from munflow import _core
from munflow._core import Expr
from munflow.formatting import ReadableTable, quantile_label, readable
from munflow.outputs import DEFAULT_QUANTILES
from munflow.results import saving
from munflow.sensitivity import SensitivityMethods, Subject

if TYPE_CHECKING:
    from munflow.results.protocols import RunnableModel


def no_samples(question: str) -> str:
    """Why a summary-only run cannot answer ``question``."""
    return (
        f"a summary-only run keeps no samples, so it cannot answer {question}; "
        "run with store='columns' (the default) to keep them"
    )


def no_evidence(question: str) -> str:
    """Why results without evidence cannot answer ``question``."""
    return (
        f"{question} is for a posterior, and this run had no evidence; add observations "
        "with model.observe(...) (or a scenario's [evidence] tables) and run again"
    )


def summary_table(
    summaries: Mapping[str, _core.Summary],
    quantiles: Sequence[float],
    *,
    seed: int,
    n: int,
    levels: Sequence[float] | None = None,
    mcse: Mapping[str, tuple[float, Sequence[float]]] | None = None,
) -> pd.DataFrame:
    """The table of ranges, one row per quantity: mean, sd and the
    ``quantiles`` (p5 ... p95), read from summaries computed at ``levels``
    (default: the same levels); with ``mcse`` (per quantity, the standard
    errors of the mean and of each quantile) each figure's error beside it
    (``mean_se``, ``p5_se``, ...). Every results type's ``summary()`` is
    this table."""
    levels = quantiles if levels is None else levels
    labels = [quantile_label(q) for q in quantiles]
    rows: dict[str, dict[str, float]] = {}
    for name, s in summaries.items():
        at = dict(zip(levels, s.quantiles, strict=True))
        se_mean, se_q = mcse[name] if mcse is not None else (None, [None] * len(quantiles))
        row = {"mean": s.mean} if se_mean is None else {"mean": s.mean, "mean_se": se_mean}
        row["sd"] = s.sd
        for label, q, se in zip(labels, quantiles, se_q, strict=True):
            row[label] = at[q]
            if se is not None:
                row[f"{label}_se"] = se
        rows[name] = row
    table = ReadableTable(pd.DataFrame.from_dict(rows, orient="index"))
    table.index.name = "quantity"
    table.attrs.update(seed=seed, n=n)
    return table


class Answers:
    """The questions every results object answers, whatever it holds
    (samples or a summary, weights or not, a time axis or not, a grouping
    or not): each kind answers them the same way, or refuses with a message
    saying why. The refusals here are the defaults; a kind that can answer
    overrides them."""

    #: Whether the results hold the draws (False for a summary-only run).
    keeps_samples: bool = True

    def check_evidence(self, **options: Any) -> Any:
        """Whether the observations agree with each other and with the
        assumptions (a posterior's; see :func:`munflow.evidence_checks.check_evidence`)."""
        raise TypeError(no_evidence("check_evidence()"))

    def shifts(self, output: str | None = None, **options: Any) -> Any:
        """How much each observation moved each output (a posterior's; see
        :func:`munflow.evidence_checks.shifts`)."""
        raise TypeError(no_evidence("shifts()"))

    def to_arviz(self) -> Any:
        """The posterior in ArviZ's container (a posterior's; see
        :mod:`munflow.results.inference_data`)."""
        raise TypeError(no_evidence("to_arviz()"))

    def predict(self, statement: Any) -> Any:
        """The distribution of the figure a statement to come would report
        (a run's samples; see :mod:`munflow.forecast`)."""
        raise TypeError(no_samples("predict()"))

    def surprise(self, statement: Any) -> Any:
        """Where a new statement falls in what was predicted before it is
        used (a run's samples; see :func:`munflow.forecast.surprise`)."""
        raise TypeError(no_samples("surprise()"))

    def report(self, path: str | os.PathLike[str], **options: Any) -> Path:
        """Writes a self-contained HTML report page of these results (see
        :func:`munflow.report.report`) and returns its path."""
        from munflow.report import report

        return report(self, path, **options)


class Results(Answers, SensitivityMethods):
    """The samples of one run, with the seed and size that made them.

    ``res["shells"]`` is the numpy array of samples (read-only, no copy);
    ``res.summary()`` a pandas table of ranges; ``res.prob(shells > 3e6)`` a
    probability.
    """

    def __init__(
        self, raw: Any, model: RunnableModel, *, threads: int | None, allow_nan: bool
    ) -> None:
        self._raw = raw
        self._model = model
        self._threads = threads
        self._allow_nan = allow_nan
        self._columns: dict[str, np.ndarray] = dict(raw.columns)
        for values in self._columns.values():
            values.flags.writeable = False

    @property
    def n(self) -> int:
        """Number of samples."""
        return self._raw.n

    @property
    def seed(self) -> int:
        """The seed used; running again with it reproduces these results exactly."""
        return self._raw.seed

    @property
    def outputs(self) -> list[str]:
        """Output names, in the order requested."""
        return list(self._raw.outputs)

    @property
    def inputs(self) -> list[str]:
        """Names of the stored inputs (named nodes the outputs depend on)."""
        return list(self._raw.inputs)

    @property
    def model(self) -> RunnableModel:
        return self._model

    def to_model(self) -> RunnableModel:
        """The model that made these results."""
        return self._model

    def _analysis_subject(self) -> Subject:
        return Subject(
            outputs=list(self._model.outputs.items()),
            run=self._model.run,
            samples=self,
            posterior=bool(getattr(self._model, "evidence", ())),
        )

    def keys(self) -> list[str]:
        """Every stored column: outputs, then inputs."""
        return list(self._columns)

    def __contains__(self, name: object) -> bool:
        return name in self._columns

    def __iter__(self) -> Iterator[str]:
        return iter(self._columns)

    def __len__(self) -> int:
        return len(self._columns)

    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self._columns[name]
        except KeyError:
            known = ", ".join(self._columns)
            raise KeyError(f"no column named {name!r}; columns are: {known}") from None

    def summary(
        self,
        quantiles: Sequence[float] = DEFAULT_QUANTILES,
        *,
        columns: Sequence[str] | None = None,
        include_inputs: bool = False,
        mcse: bool = False,
    ) -> pd.DataFrame:
        """A table of ranges: one row per output (and input, if asked), with
        mean, sd and the requested quantiles (p5 ... p95 by default).

        ``mcse=True`` adds each figure's Monte Carlo standard error beside
        it (``mean_se``, ``p5_se``, ...): how much it would move with
        another seed (see :mod:`munflow.results.mcse`)."""
        qs = [float(q) for q in quantiles]
        for q in qs:
            if not 0.0 <= q <= 1.0:
                raise ValueError(f"quantiles must be in [0, 1], got {q}")
        if columns is None:
            names = self.outputs + (self.inputs if include_inputs else [])
        else:
            names = [str(c) for c in columns]
            for name in names:
                self[name]  # raises KeyError naming the columns
        stats = self._describe([self._columns[name] for name in names], qs)
        errors = {name: self._mcse(name, qs) for name in names} if mcse else None
        return summary_table(
            dict(zip(names, stats, strict=True)), qs, seed=self.seed, n=self.n, mcse=errors
        )

    def _mcse(self, name: str, qs: list[float]) -> tuple[float, np.ndarray]:
        """Standard errors of the mean and the quantiles ``qs`` of a column."""
        from munflow.results import mcse

        return mcse.of_draws(self._columns[name], None, qs)

    def rank_correlation_matrix(self, names: Sequence[str] | None = None) -> pd.DataFrame:
        """The Spearman rank correlations achieved between stored columns
        ``names`` (default: the inputs correlated by :func:`munflow.correlate`,
        or every input if there are none); ties take midranks.
        :meth:`correlation_check` puts them beside the targets."""
        from munflow.dependence import couplings_of, spearman

        if names is None:
            exprs = list(self._model.outputs.values())
            names = [n for c in couplings_of(exprs) for n in c[2] if n is not None and n in self]
            names = list(dict.fromkeys(names)) or self.inputs
        names = [str(n) for n in names]
        return spearman({name: self[name] for name in names})

    def correlation_check(self) -> pd.DataFrame:
        """One row per pair of correlated (named) inputs: the target Spearman
        correlation, the one achieved in these samples, and the difference."""
        from munflow.dependence import correlation_check

        return correlation_check(list(self._model.outputs.values()), self._columns)

    def _describe(self, columns: list[np.ndarray], qs: list[float]) -> list[Any]:
        """The summary of each column (mean, sd, min, max, quantiles)."""
        return _core._describe(columns, qs)

    def prob(self, event: Expr | np.ndarray | Sequence[bool], *, mcse: bool = False) -> Any:
        """The probability of an event, such as ``res.prob(shells > 3e6)``;
        with ``mcse=True``, the pair (probability, its Monte Carlo standard
        error).

        ``event`` is an expression built from the model's nodes (evaluated on
        the same samples: the same seed and streams) or a boolean array such
        as ``res["shells"] > 3e6``. An expression rebuilt from the same
        definitions (a re-run notebook cell, ``Scenario.outputs()`` again)
        counts as the same: named inputs match by name and definition, unnamed
        draws by definition. A name reused with another definition, or an
        unnamed draw that could be any of several, raises ValueError; new
        draws (an uncertain threshold) are drawn afresh.
        """
        if isinstance(event, Expr):
            raw = _core._run(
                [("event", event)],
                self.n,
                self.seed,
                threads=self._threads,
                store_inputs=False,
                allow_nan=self._allow_nan,
                keys_from=self._raw,
            )
            values = raw.columns["event"]
        elif isinstance(event, str):
            raise TypeError(
                "prob() takes an event such as shells > 3e6 or res['shells'] > 3e6, not a string"
            )
        else:
            values = np.asarray(event)
            if values.shape != (self.n,):
                raise ValueError(f"an event array must have shape ({self.n},), got {values.shape}")
        if values.dtype != bool and not np.isin(values, (0, 1)).all():
            raise ValueError(
                "prob() needs an event whose values are true/false (0 or 1), such as shells > 3e6"
            )
        p = float(np.mean(values))
        if mcse:
            from munflow.results import mcse as errors

            return p, errors.of_probability(values, None)
        return p

    def predict(self, statement: Any) -> Any:
        """The distribution of the figure ``statement`` would report: the
        quantity on these rows with its error model applied
        (``res.predict(mf.evidence.measured(cum.at("2024-10"), rel_error=0.15))``);
        a :class:`munflow.forecast.Prediction` with ``percentile_of``,
        ``prob_above``, ``words_above``, ``quantiles`` and ``summary``."""
        from munflow.evidence.forecast import Prediction

        return Prediction(self, statement)

    def surprise(self, statement: Any) -> Any:
        """Where a new statement (with its figure) falls in what these
        results predict for it, before it is used: percentile, two-sided
        p and words (see :func:`munflow.forecast.surprise`)."""
        from munflow.evidence.forecast import surprise

        return surprise(self, statement)

    def percentile_of(self, output: str, value: float | Sequence[float]) -> float | np.ndarray:
        """Where a published figure falls in an output's distribution, as a
        percentile (0-100): ``res.percentile_of("shells", 3e6)`` is the share
        of samples below 3 million, counting samples equal to it as half
        below (scipy's ``percentileofscore(kind="mean")``, which is fair to
        whole-number outputs with many ties). ``value`` may be a list.
        """
        values = np.sort(self[output])
        figures = np.asarray(value, dtype=float)
        if np.isnan(figures).any():
            raise ValueError(f"value must be a number, got {value!r}")
        below = np.searchsorted(values, figures, side="left")
        at_or_below = np.searchsorted(values, figures, side="right")
        percent = 50.0 * (below + at_or_below) / len(values)
        return float(percent) if percent.ndim == 0 else percent

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the samples and how they were made (seed, n, version, the
        model or scenario) to ``path`` (an ``.npz`` archive, no pickle);
        ``munflow.load(path)`` opens it again."""
        return saving.save(self, path)

    def __reduce__(self) -> tuple[Any, ...]:
        # Through __init__ again, so columns are read-only after unpickling.
        return (_restore, (type(self), self._state()))

    @classmethod
    def _from_state(cls, state: dict[str, Any]) -> Results:
        return Results(
            state["raw"], state["model"], threads=state["threads"], allow_nan=state["allow_nan"]
        )

    def _state(self) -> dict[str, Any]:
        return {
            "raw": self._raw,
            "model": self._model,
            "threads": self._threads,
            "allow_nan": self._allow_nan,
        }

    def to_pandas(self, *, include_inputs: bool = True) -> pd.DataFrame:
        """The samples as a DataFrame, one column per stored quantity, with
        the seed and n in ``.attrs``."""
        names = self.outputs + (self.inputs if include_inputs else [])
        frame = pd.DataFrame({name: self._columns[name] for name in names})
        frame.attrs.update(seed=self.seed, n=self.n)
        return frame

    def to_xarray(self, *, include_inputs: bool = True) -> Any:
        """The samples as an xarray Dataset: one variable of dim ``sample``
        per output (and stored input), the seed and n in ``.attrs``; what
        xarray reduces gives the summary's figures (a posterior's rows are
        equally weighted)."""
        xr = xarray_module()
        names = self.outputs + (self.inputs if include_inputs else [])
        data = {name: (("sample",), np.asarray(self[name])) for name in names}
        coords = {"sample": np.arange(self.n)}
        return xr.Dataset(data, coords=coords, attrs={"seed": self.seed, "n": self.n})

    def __repr__(self) -> str:
        table = self.summary().to_string(float_format=readable)
        return f"munflow results: n={self.n:,}, seed={self.seed}\n{table}"

    def _repr_html_(self) -> str:
        from munflow.report.display import results_html

        return results_html(self)


def xarray_module() -> Any:
    """The xarray module, or an ImportError saying how to install it."""
    try:
        import xarray as xr
    except ImportError as err:  # pragma: no cover - exercised without xarray
        raise ImportError("to_xarray() needs xarray: pip install 'munflow[timeline]'") from err
    return xr


def _restore(cls: type[Results], state: dict[str, Any]) -> Results:
    """Results (or a subclass) from the state ``__reduce__`` gave."""
    return cls._from_state(state)
