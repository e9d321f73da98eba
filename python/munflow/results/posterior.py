"""Posterior results: a run of a model with evidence.

The posterior is reached either by weighting the prior's draws by the
likelihood (when the evidence is mild enough for the prior's draws to carry
it) or by tempering (sequential Monte Carlo), whose particles are equally
weighted. Either way the arrays a user reads (``res["x"]``, ``to_pandas()``,
a timeline's ``series()`` and ``to_xarray()``) hold equally weighted rows, so
numpy, pandas and xarray reductions give posterior figures: after weighting
they are the equal-weight resample of the weighted draws
(:func:`munflow.results.weighted.equal_weight_rows`); the weighted draws themselves
are explicit (``weighted_rows()``, ``draw_weights``). Summaries,
probabilities of expressions and percentiles use the weighted draws, which
are more precise than any resample of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from munflow import _core
from munflow._core import Expr
from munflow.formatting import ReadableTable
from munflow.results import weighted
from munflow.results.base import DEFAULT_QUANTILES, Results, quantile_label

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from munflow.evidence.checks import EvidenceCheck, Shifts
    from munflow.results.protocols import RunnableModel


class PosteriorResults(Results):
    """Results of a model with evidence: ``summary()`` is the posterior,
    ``prior`` the same model run without the evidence (same seed, same
    draws), ``weights`` the rows' weights, ``ess`` the effective sample size.

    ``check_evidence()`` says whether the observations conflict with each
    other or with the assumptions; ``shifts()`` how much each one moved the
    outputs; ``prior_posterior()`` and ``mf.plot.prior_posterior(res)``
    put the two side by side.
    """

    def __init__(
        self, raw: dict[str, Any], model: RunnableModel, *, threads: int | None, allow_nan: bool
    ) -> None:
        super().__init__(raw["run"], model, threads=threads, allow_nan=allow_nan)
        self._post = raw
        weights = raw["weights"]
        self._weights = None if weights is None else np.asarray(weights)
        if self._weights is not None:
            self._weights.flags.writeable = False
        self._prior: Results | None = None
        self._tail_cache: dict[bool, list[np.ndarray]] = {}
        self._rows: np.ndarray | None = None
        self._resampled: dict[str, np.ndarray] = {}

    # --- what the posterior is -------------------------------------------------

    @property
    def method(self) -> str:
        """How the posterior was reached: ``"weighting"`` (prior samples with
        likelihood weights) or ``"tempering"`` (sequential Monte Carlo)."""
        return str(self._post["method"])

    @property
    def method_reason(self) -> str:
        """Why ``method`` was used, in a sentence (the cost of weighting
        against tempering, or the weights' tail)."""
        return str(self._post.get("method_reason", self.method))

    @property
    def n(self) -> int:
        """The rows the posterior's arrays hold (the n asked for)."""
        return int(self._post.get("rows", self._raw.n))

    @property
    def draws(self) -> int:
        """The draws behind the posterior: the particles of tempering (n), or
        the prior draws weighted, which may be more than n when weighting
        more draws was cheaper than tempering (``method_reason``)."""
        return int(self._raw.n)

    @property
    def weights(self) -> np.ndarray:
        """The weight of each row ``res[name]`` holds: equal (1/n), since
        those rows are the particles of tempering or the equal-weight
        resample of weighting; so ``np.average(res["x"], weights=res.weights)``
        is right either way. The weights of the draws behind a posterior by
        weighting are :attr:`draw_weights`."""
        return np.full(self.n, 1.0 / self.n)

    @property
    def draw_weights(self) -> np.ndarray:
        """The likelihood weights of the draws behind the posterior (they sum
        to 1), aligned with :meth:`weighted_rows`; equal for tempering."""
        if self._weights is None:
            return np.full(self.draws, 1.0 / self.draws)
        return self._weights

    @property
    def is_weighted(self) -> bool:
        """Whether the posterior was reached by weighting draws (its arrays
        are then an equal-weight resample of them)."""
        return self._weights is not None

    # --- the rows arrays hold --------------------------------------------------

    def _rows_held(self) -> np.ndarray | None:
        """The equal-weight resample's rows of the weighted draws (None when
        the rows are already equally weighted)."""
        if self._weights is None:
            return None
        if self._rows is None:
            self._rows = weighted.equal_weight_rows(self._weights, self.n, self.seed)
            self._rows.flags.writeable = False
        return self._rows

    def __getitem__(self, name: str) -> np.ndarray:
        """The posterior's draws of ``name``, equally weighted (read-only):
        the particles of tempering as they are (no copy), or the equal-weight
        resample of weighting (a copy, made once per column)."""
        draws = Results.__getitem__(self, name)
        rows = self._rows_held()
        if rows is None:
            return draws
        if name not in self._resampled:
            values = draws[rows]
            values.flags.writeable = False
            self._resampled[name] = values
        return self._resampled[name]

    def _weighted(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """The draws of ``name`` behind the posterior and their weights (the
        most precise basis for a statistic)."""
        return Results.__getitem__(self, name), self.draw_weights

    def to_arviz(self) -> Any:
        """The posterior in ArviZ's container (``InferenceData`` with ArviZ
        0.x, an ``xarray.DataTree`` with 1.x): posterior, sample_stats,
        log_likelihood (``az.loo`` works), prior and observed_data groups;
        see :mod:`munflow.results.inference_data`. Needs ``munflow[arviz]``."""
        from munflow.results.inference_data import to_arviz

        return to_arviz(self)

    def weighted_rows(self, *, include_inputs: bool = True) -> pd.DataFrame:
        """The draws behind the posterior as a DataFrame with a ``weight``
        column: the prior's draws and their likelihood weights for a
        posterior by weighting, the particles with equal weights for
        tempering. Reduce them with the weights (``np.average``, weighted
        quantiles); unweighted, they are the prior."""
        names = self.outputs + (self.inputs if include_inputs else [])
        frame = pd.DataFrame({name: Results.__getitem__(self, name) for name in names})
        frame["weight"] = self.draw_weights
        frame.attrs.update(seed=self.seed, n=self.n, draws=self.draws, method=self.method)
        return frame

    @property
    def ess(self) -> float:
        """Effective sample size: Kish's (Σw)²/Σw² of the weights after
        weighting; after tempering, what the spread of the outputs' means
        between independent populations implies (sd² / mcse², the least
        over the outputs, at most n), since the particles are correlated
        and the last reweighting's ESS would overstate it several times.
        Pass it to :func:`munflow.words` as ``n``."""
        if len(self.populations) < 2:
            return float(self._post["ess"])
        if "honest_ess" not in self._post:
            sizes = []
            for name in self.outputs:
                x = Results.__getitem__(self, name)
                se, _ = self._mcse(name, [])
                if se > 0 and np.isfinite(se):
                    sizes.append(float(np.var(x)) / se**2)
            self._post["honest_ess"] = min([float(self.n), *sizes])
        return float(self._post["honest_ess"])

    @property
    def pareto_k(self) -> float:
        """Pareto k̂ of the likelihood weights of the prior's samples (PSIS):
        below 0.7 weighted estimates are reliable. When it is above, munflow
        switches to tempering (``method``), whose rows are unweighted."""
        return float(self._post["weighting_pareto_k"])

    @property
    def weighting_ess(self) -> float:
        """Effective sample size plain likelihood weighting of the prior gives."""
        return float(self._post["weighting_ess"])

    @property
    def log_evidence(self) -> float:
        """log of the marginal likelihood of the observations under the model."""
        return float(self._post["log_evidence"])

    @property
    def stages(self) -> pd.DataFrame:
        """The tempering stages (temperature, ess, acceptance, moves, step);
        empty for weighting."""
        columns = ["temperature", "ess", "acceptance", "moves", "step"]
        return pd.DataFrame(self._post["stages"], columns=columns)

    @property
    def observations(self) -> list[str]:
        """Names of the observations conditioned on."""
        return list(self._post["observations"])

    @property
    def prior(self) -> Results:
        """The prior: the model without its evidence, same seed and n."""
        if self._prior is None:
            prior = self._post["prior"]
            if prior.n > self.n:
                # Weighting drew more than n: the first n are the plain run's.
                columns = {
                    name: np.ascontiguousarray(prior.columns[name][: self.n])
                    for name in [*prior.outputs, *prior.inputs]
                }
                prior = _core._restore_run_output(
                    self.n, prior.seed, prior.outputs, prior.inputs, columns, prior.keys_json()
                )
            self._prior = Results(
                prior,
                self._model.without_evidence(),
                threads=self._threads,
                allow_nan=self._allow_nan,
            )
        return self._prior

    # --- statistics with the weights ----------------------------------------

    def summary(
        self,
        quantiles: Sequence[float] = DEFAULT_QUANTILES,
        *,
        columns: Sequence[str] | None = None,
        include_inputs: bool = False,
        mcse: bool = False,
    ) -> pd.DataFrame:
        """The posterior's ranges, from the weighted draws after weighting;
        ``mcse=True`` adds each figure's Monte Carlo standard error (after
        tempering, the spread between independent populations)."""
        table = super().summary(
            quantiles, columns=columns, include_inputs=include_inputs, mcse=mcse
        )
        table.attrs.update(seed=self.seed, n=self.n, method=self.method, ess=self.ess)
        return table

    @property
    def populations(self) -> list[int]:
        """Tempering: the rows of each independent population (consecutive
        rows; their spread gives the Monte Carlo errors). Empty after
        weighting."""
        return [int(k) for k in self._post.get("populations", [])]

    def _mcse(self, name: str, qs: list[float]) -> tuple[float, np.ndarray]:
        from munflow.results import mcse

        if len(self.populations) > 1:
            return mcse.between_populations(Results.__getitem__(self, name), self.populations, qs)
        return mcse.of_draws(*self._weighted(name), qs)

    @property
    def log_evidence_se(self) -> float:
        """The Monte Carlo standard error of :attr:`log_evidence` (between
        populations after tempering; the delta method after weighting)."""
        return float(self._post.get("log_evidence_se", float("nan")))

    def _describe(self, columns: list[np.ndarray], qs: list[float]) -> list[Any]:
        if self._weights is None:
            return super()._describe(columns, qs)
        return _core._describe_weighted(columns, self._weights, qs)

    def prob(self, event: Expr | np.ndarray | Sequence[bool], *, mcse: bool = False) -> Any:
        """The posterior probability of an event: an expression is evaluated
        on the draws behind the posterior, with their weights; an array is
        of the equally weighted rows ``res[name]`` holds. With
        ``mcse=True``, the pair (probability, its Monte Carlo standard
        error)."""
        if isinstance(event, Expr):
            values = self._evaluate(event)
        else:
            if isinstance(event, str):
                raise TypeError(
                    "prob() takes an event such as shells > 3e6 or res['shells'] > 3e6, "
                    "not a string"
                )
            # An array is of the rows res[name] holds: equally weighted.
            values = np.asarray(event)
            if values.shape != (self.n,):
                raise ValueError(f"an event array must have shape ({self.n},), got {values.shape}")
        if values.dtype != bool and not np.isin(values, (0, 1)).all():
            raise ValueError(
                "prob() needs an event whose values are true/false (0 or 1), such as shells > 3e6"
            )
        indicator = values.astype(float)
        if isinstance(event, Expr):
            # Weights summing to 1 within rounding: keep p a probability.
            p = min(1.0, max(0.0, float(np.dot(self.draw_weights, indicator))))
        else:
            p = float(np.mean(indicator))
        if not mcse:
            return p
        from munflow.results import mcse as errors

        if len(self.populations) > 1:
            return p, errors.probability_between_populations(indicator, self.populations)
        if isinstance(event, Expr):
            return p, errors.of_probability(indicator, self.draw_weights)
        # Rows of a resample repeat draws: their error is the weighted draws'.
        return p, float(np.sqrt(p * (1 - p) / min(self.ess, self.n)))

    def _evaluate(self, expr: Expr) -> np.ndarray:
        """An expression's values on the posterior's rows."""
        raw = _core._run(
            [("event", expr)],
            self.draws,
            self.seed,
            threads=self._threads,
            store_inputs=False,
            allow_nan=self._allow_nan,
            keys_from=self._raw,
            latent=list(self._post["scores"]),
            # Counts stated exactly hold their figures on the posterior's rows.
            conditioned=list(self._model.evidence),
        )
        return raw.columns["event"]

    def percentile_of(self, output: str, value: float | Sequence[float]) -> float | np.ndarray:
        """Where a published figure falls in the posterior (0-100), ties
        counted half (as :meth:`Results.percentile_of`), with the weights."""
        x, w = self._weighted(output)
        figures = np.atleast_1d(np.asarray(value, dtype=float))
        if np.isnan(figures).any():
            raise ValueError(f"value must be a number, got {value!r}")
        percent = np.array(
            [100.0 * (w[x < f].sum() + 0.5 * w[x == f].sum()) / w.sum() for f in figures]
        )
        return float(percent[0]) if np.ndim(value) == 0 else percent

    def resample(self, n: int | None = None, *, seed: int | None = None) -> pd.DataFrame:
        """An equal-weight sample of ``n`` rows (default: the run's n) from
        the draws behind the posterior, as a DataFrame of outputs and inputs
        (see :func:`munflow.results.weighted.equal_weight_rows`; with the defaults,
        the rows ``res[name]`` holds)."""
        size = self.n if n is None else int(n)
        if size < 1:
            raise ValueError(f"n must be >= 1, got {n}")
        index = weighted.equal_weight_rows(
            self.draw_weights, size, self.seed if seed is None else seed
        )
        frame = pd.DataFrame({name: Results.__getitem__(self, name)[index] for name in self.keys()})
        frame.attrs.update(seed=self.seed, n=size, resampled_from=self.draws)
        return frame

    def to_pandas(self, *, include_inputs: bool = True) -> pd.DataFrame:
        """The posterior's rows as a DataFrame, equally weighted (the
        equal-weight resample after weighting); the weighted draws are
        :meth:`weighted_rows`."""
        names = self.outputs + (self.inputs if include_inputs else [])
        frame = pd.DataFrame({name: self[name] for name in names})
        frame.attrs.update(seed=self.seed, n=self.n, method=self.method)
        return frame

    def correlation_check(self) -> pd.DataFrame:
        """As :meth:`Results.correlation_check`, on the posterior's rows."""
        from munflow.dependence import correlation_check

        columns = {name: self[name] for name in self.keys()}
        return correlation_check(list(self._model.outputs.values()), columns)

    def _tails(self, *, prior: bool) -> list[np.ndarray]:
        """Each observation's predictive tail on the prior's rows or the
        posterior's (computed on first use: only conflict checks need them)."""
        if prior not in self._tail_cache:
            rows = self._post["prior"] if prior else self._raw
            latent = None if prior else list(self._post["scores"])
            specs = list(self._model.evidence)
            self._tail_cache[prior] = _core._observation_tails(
                specs, rows, latent, threads=self._threads, conditioned=not prior
            )
        return self._tail_cache[prior]

    # --- prior beside posterior and the evidence checks ------------------------

    def prior_posterior(self, quantiles: Sequence[float] = (0.05, 0.5, 0.95)) -> pd.DataFrame:
        """Prior and posterior side by side for every output: their
        quantiles, and how much the evidence narrowed the 90% range."""
        prior = self.prior.summary(quantiles)
        # One row per output in both (a scenario's summary is grouped).
        post = PosteriorResults.summary(self, quantiles)
        labels = [quantile_label(q) for q in quantiles]
        table = pd.concat(
            {"prior": prior[["mean", *labels]], "posterior": post[["mean", *labels]]}, axis=1
        )
        table[("change", "median")] = post["p50"] / prior["p50"] - 1 if "p50" in labels else np.nan
        width = lambda t: t[labels[-1]] - t[labels[0]]  # noqa: E731
        table[("change", "range")] = width(post) / width(prior) - 1
        table.attrs.update(seed=self.seed, n=self.n, method=self.method)
        return ReadableTable(table)

    def check_evidence(self, *, level: float = 0.01, n_check: int = 20_000) -> EvidenceCheck:
        """Whether the observations agree with each other and with the
        assumptions; see :func:`munflow.evidence_checks.check_evidence`."""
        from munflow.evidence.checks import check_evidence

        return check_evidence(self, level=level, n_check=n_check)

    def shifts(self, output: str | None = None, *, n_check: int = 20_000) -> Shifts:
        """How much each observation moved each output; see
        :func:`munflow.evidence_checks.shifts`."""
        from munflow.evidence.checks import shifts

        return shifts(self, output, n_check=n_check)

    def plot_prior_posterior(
        self, outputs: str | Sequence[str] | None = None, **options: Any
    ) -> Axes | list[Axes]:
        """Prior and posterior of each output overlaid, one panel per output;
        see :func:`munflow.plot.prior_posterior` (``bins=``, ``ax=``)."""
        from munflow import plot

        return plot.prior_posterior(self, outputs, **options)

    # --- persistence -----------------------------------------------------------

    @classmethod
    def _from_state(cls, state: dict[str, Any]) -> PosteriorResults:
        return PosteriorResults(
            state["post"], state["model"], threads=state["threads"], allow_nan=state["allow_nan"]
        )

    def _state(self) -> dict[str, Any]:
        return {**super()._state(), "post": self._post}

    def __repr__(self) -> str:
        head = (
            f"munflow posterior: n={self.n:,}, seed={self.seed}, method={self.method}, "
            f"ess={self.ess:,.0f}, observations: {', '.join(self.observations)}"
        )
        return head + "\n" + self.summary().to_string()

    def _repr_html_(self) -> str:
        from munflow.report.display import posterior_html

        return posterior_html(self)
