"""What the next statement will say: the posterior predictive of a figure
not yet reported, and how surprising a new one is before it is used.

A statement to come is an observation without its figure
(``mf.evidence.measured(cum.at("2024-10"), rel_error=0.15)``); its
prediction is the distribution of the figure that would be reported: the
quantity on each of the results' rows, with the statement's error model
applied::

    >>> import munflow as mf
    >>> tl = mf.Timeline("2024-01", "2024-12")
    >>> rate = tl.input("rate", mf.lognormal_ci(200, 800), sharing="walk", step_sd=0.1)
    >>> cum = (rate * 1.0).cumulative()
    >>> res = tl.model({"cum": cum}).run(4_000, seed=1)
    >>> october = res.predict(mf.evidence.measured(cum.at("2024-10"), rel_error=0.15))
    >>> 0 < october.prob_above(5_000) < 1
    True

Where a figure falls is the same quantity :func:`munflow.evidence.checks.check_evidence`
reads for its leave-one-out p-values: each row's predictive tail (computed
in the Rust core for every kind of observation), averaged with the rows'
weights. So the surprise of a statement before it is used and its
``p_given_others`` once it is agree, up to Monte Carlo error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from munflow import _core
from munflow import evidence as ev
from munflow._core import Expr, Observation
from munflow.evidence.to_come import StatementToCome
from munflow.formatting import readable
from munflow.results import weighted

if TYPE_CHECKING:
    from munflow.results.protocols import Samples

#: The kinds of statement a prediction can be made for: a figure with an
#: error model, or a bound that holds or not.
PREDICTABLE = ("measured", "at_least", "at_most", "between")


def readable_quantity(quantity: Any) -> str:
    from munflow.node_labels import readable_label

    return readable_label(quantity) if isinstance(quantity, Expr) else readable(float(quantity))


def _log_sd(figures: dict[str, Any], value: float | None) -> tuple[str, float]:
    """The error model of a measurement: ("lognormal", sd of log(reported /
    true)) or ("normal", sd of reported - true), as :func:`munflow.evidence.measured`
    reads ``rel_error``, ``sd`` and ``level``."""
    error = figures.get("error") or "lognormal"
    level = float(figures.get("level") or 0.9)
    z = float(_core.normal(0, 1).ppf(0.5 + level / 2))
    if figures.get("sd") is not None:
        return error, float(figures["sd"])
    rel_error = figures.get("rel_error")
    if rel_error is None:
        raise ValueError("measured: give rel_error or sd (how far reports are off)")
    if error == "lognormal":
        return error, math.log1p(float(rel_error)) / z
    if value is None:
        raise ValueError(
            "a statement to come with error='normal' needs sd: rel_error is a share of a "
            "figure not yet stated"
        )
    return error, float(rel_error) * abs(value) / z


class Prediction:
    """The distribution of the figure a statement would report, on the rows
    of a run (a posterior's with their weights).

    ``percentile_of(figure)`` and ``prob_above(x)`` are exact given the
    rows (each row's probability, averaged); ``quantiles`` and ``samples``
    come from one reported figure drawn per row by the engine (the
    statement's error, keyed by its name: the same for a seed).
    """

    def __init__(self, res: Samples, statement: StatementToCome | Observation) -> None:
        if isinstance(statement, Observation):
            if statement.kind not in PREDICTABLE:
                raise ValueError(
                    f"statement: a {statement.kind} observation predicts no figure; "
                    f"predictions are of {', '.join(PREDICTABLE)} statements"
                )
            figures = {
                k: v
                for k, v in statement.figures.items()
                if k in ("rel_error", "sd", "level", "error")
            }
            quantity, name = statement.nodes[0], statement.name
            statement = StatementToCome(
                statement.kind,
                quantity,
                figures,
                name,
                lambda figure: ev.measured(quantity, figure, name=name, **figures),
            )
        elif not isinstance(statement, StatementToCome):
            raise TypeError(
                "statement must be an observation such as mf.evidence.measured(cum.at('2024-10'), "
                f"rel_error=0.15), got {type(statement).__name__}"
            )
        self.statement = statement
        self._res = res
        self.name = statement.name or readable_quantity(statement.quantity)
        self._samples: np.ndarray | None = None

    # --- the rows and their weights ---------------------------------------

    def _rows(self) -> tuple[Any, Any, bool, np.ndarray]:
        """The run behind the results, the normal scores of a tempering
        posterior, whether counts stated exactly hold their figures, and
        the rows' weights (summing to 1)."""
        res = self._res
        if _is_posterior(res):
            return res._raw, list(res._post["scores"]), True, res.draw_weights
        return res._raw, None, False, np.full(res.n, 1.0 / res.n)

    def _observation(self, value: float) -> Observation:
        if self.statement.kind == "measured":
            return self.statement.stated(value)
        raise ValueError(f"percentile_of: a {self.statement.kind} statement states no figure")

    def tail(self, statement: Observation) -> float:
        """Where ``statement``'s figure falls in the prediction: the
        rows' mid tails P(Y < y) + P(Y = y)/2 averaged with the weights,
        or for a bound the probability that it holds."""
        rows, latent, conditioned, w = self._rows()
        res = self._res
        # The model's own evidence rides along so counts it states exactly
        # hold their figures on the posterior's rows, as in check_evidence.
        specs = [*res.model.evidence, statement]
        tails = _core._observation_tails(
            specs, rows, latent, threads=res._threads, conditioned=conditioned
        )
        tail = np.asarray(tails[-1])
        return float(np.dot(w, tail) / w.sum())

    # --- what an analyst asks ---------------------------------------------

    def percentile_of(self, figure: float) -> float:
        """Where ``figure`` would fall (0-100, ties counted half)."""
        figure = _finite(figure, "figure")
        return 100.0 * self.tail(self._observation(figure))

    def prob_above(self, x: float) -> float:
        """The probability that the reported figure is more than ``x``."""
        return 1.0 - self.percentile_of(x) / 100.0

    def words_above(self, x: float) -> str:
        """The probability of a figure of "more than x" in words (:func:`munflow.words`), with the
        samples behind the probability."""
        from munflow.words import words

        p = self.prob_above(x)
        return f"a figure of more than {readable(x)}: {words(p, n=self._effective())}"

    def _effective(self) -> float:
        from munflow.words import samples_behind

        return float(samples_behind(self._res))

    @property
    def samples(self) -> np.ndarray:
        """One reported figure per row (weighted as the rows: see ``weights``)."""
        if self._samples is None:
            self._samples = self._drawn()
            self._samples.flags.writeable = False
        return self._samples

    @property
    def weights(self) -> np.ndarray:
        return self._rows()[3]

    def _drawn(self) -> np.ndarray:
        kind, quantity = self.statement.kind, self.statement.quantity
        if kind != "measured":
            raise ValueError(f"a {kind} statement reports no figure to draw")
        error, sd = _log_sd(self.statement.figures, None)
        noise = _core.normal(0.0, 1.0, name=f"{self.name}: reporting error")
        reported = (
            quantity * _core.exp(sd * noise) if error == "lognormal" else quantity + sd * noise
        )
        return _on_rows(self._res, reported)

    def quantiles(self, qs: Any = (0.05, 0.25, 0.5, 0.75, 0.95)) -> pd.Series:
        """Quantiles of the reported figure."""
        qs = [float(q) for q in np.atleast_1d(qs)]
        values = weighted.quantiles(self.samples, self.weights, qs)
        return pd.Series(values, index=[f"p{100 * q:g}" for q in qs], name=self.name)

    def interval(self, level: float = 0.9) -> tuple[float, float]:
        """The central interval holding the figure with probability ``level``."""
        if not 0.0 < level < 1.0:
            raise ValueError(f"level must be in (0, 1), got {level}")
        lo, hi = weighted.quantiles(self.samples, self.weights, [0.5 - level / 2, 0.5 + level / 2])
        return float(lo), float(hi)

    def crps(self, figure: float) -> float:
        """The continuous ranked probability score of ``figure`` (lower is
        better; in the figure's units), from the samples:
        E|Y - y| - E|Y - Y'| / 2 (Gneiting and Raftery 2007)."""
        return crps(self.samples, self.weights, _finite(figure, "figure"))

    def summary(self) -> pd.Series:
        """Mean and quantiles of the reported figure."""
        mean = float(np.dot(self.weights, self.samples) / self.weights.sum())
        return pd.concat([pd.Series({"mean": mean}), self.quantiles()]).rename(self.name)

    def __repr__(self) -> str:
        q = self.quantiles((0.05, 0.5, 0.95))
        return (
            f"munflow prediction of {self.name}: median {readable(q.iloc[1])}, "
            f"90% interval {readable(q.iloc[0])} - {readable(q.iloc[2])}"
        )


@dataclass(frozen=True)
class Surprise:
    """Where a new statement falls in what was predicted before it was used:
    its ``percentile`` (0-100; NaN for a bound), ``p`` (two-sided mid
    p-value of a figure, or the probability that a bound holds) and
    ``words``."""

    statement: str
    figure: float
    percentile: float
    p: float
    words: str

    def __str__(self) -> str:
        return f"{self.statement}: {self.words}"


def surprise(res: Samples, statement: Observation) -> Surprise:
    """Where ``statement`` falls in ``res``'s prediction of it, before it is
    used (see :class:`Surprise`); the same figure ``check_evidence`` gives
    as ``p_given_others`` once it is."""
    if not isinstance(statement, Observation):
        raise TypeError(
            f"statement must be an observation with its figure, got {type(statement).__name__}"
        )
    from munflow.words import words

    prediction = Prediction(res, statement)
    tail = prediction.tail(statement)
    n = prediction._effective()
    if statement.kind == "measured":
        figure = float(statement.figures["value"])
        p = min(1.0, 2.0 * min(tail, 1.0 - tail))
        side = "or more" if tail >= 0.5 else "or less"
        said = (
            f"{readable(figure)} falls at percentile {100 * tail:.1f} of the prediction; "
            f"a figure this far out ({readable(figure)} {side}, or as far the other way): "
            f"{words(p, n=n)} (two-sided p = {p:.3g})"
        )
        return Surprise(statement.name, figure, 100.0 * tail, p, said)
    said = f"that it holds: {words(tail, n=n)} (p = {tail:.3g})"
    return Surprise(statement.name, float("nan"), float("nan"), tail, said)


def crps(samples: np.ndarray, weights: np.ndarray, y: float) -> float:
    """CRPS of ``y`` under weighted samples: E|X - y| - E|X - X'| / 2, the
    second term from the sorted samples (the weighted Gini mean difference)."""
    x = np.asarray(samples, dtype=float)
    w = np.asarray(weights, dtype=float)
    w = w / w.sum()
    order = np.argsort(x, kind="stable")
    xs, ws = x[order], w[order]
    cum = np.cumsum(ws)
    spread = 2.0 * np.sum(ws * xs * (2.0 * cum - ws - 1.0))
    return float(np.dot(w, np.abs(x - y)) - 0.5 * spread)


def _on_rows(res: Samples, expr: Expr) -> np.ndarray:
    """An expression's values on the rows behind ``res`` (a posterior's
    draws, aligned with its weights)."""
    if _is_posterior(res):
        return np.asarray(res._evaluate(expr), dtype=float)
    raw = _core._run(
        [("event", expr)],
        res.n,
        res.seed,
        threads=res._threads,
        store_inputs=False,
        allow_nan=res._allow_nan,
        keys_from=res._raw,
    )
    return np.asarray(raw.columns["event"], dtype=float)


def _is_posterior(res: Samples) -> bool:
    """Whether ``res`` is a posterior (its rows weighted, or tempering's
    particles with their normal scores), known without importing its class:
    the results call this module."""
    return hasattr(res, "_post")


def _finite(x: Any, what: str) -> float:
    if isinstance(x, bool) or not isinstance(x, int | float | np.number) or not np.isfinite(x):
        raise ValueError(f"{what} must be a finite number, got {x!r}")
    return float(x)
