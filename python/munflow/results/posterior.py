"""The posterior part of results: the weights and the evidence behind them.

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

A summary-only posterior (by weighting) keeps its diagnostics only: the
effective sample size, Pareto k̂ and log evidence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from munflow import _core
from munflow.results import weighted

if TYPE_CHECKING:
    from munflow.results.samples import Samples

#: The columns of :attr:`Posterior.stages`.
STAGES = ["temperature", "ess", "acceptance", "moves", "step"]


class Posterior:
    """What evidence adds to a run: how the posterior was reached, its
    weights, its populations and stages, the observations, the log evidence
    and the prior's draws (``post``: the core's record of the run)."""

    def __init__(self, post: dict[str, Any]) -> None:
        self.post = post
        weights = post.get("weights")
        self.weights = None if weights is None else np.asarray(weights)
        if self.weights is not None:
            self.weights.flags.writeable = False
        # Computed on first use, for the body they are of.
        self.prior: Any = None
        self.tails: dict[bool, list[np.ndarray]] = {}
        self.rows: np.ndarray | None = None
        self.resampled: dict[str, np.ndarray] = {}

    @classmethod
    def of_summary(cls, observations: Sequence[str], diagnostics: Mapping[str, float]) -> Posterior:
        """A summary-only posterior's part: weighting, with its diagnostics."""
        return cls(
            {
                "method": "weighting",
                "observations": list(observations),
                "ess": float(diagnostics["ess"]),
                "weighting_pareto_k": float(diagnostics["pareto_k"]),
                "log_evidence": float(diagnostics["log_evidence"]),
                "summary_only": True,
            }
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (Posterior, (self.post,))

    @property
    def keeps_draws(self) -> bool:
        return not self.post.get("summary_only", False)

    @property
    def method(self) -> str:
        return str(self.post["method"])

    @property
    def method_reason(self) -> str:
        return str(self.post.get("method_reason", self.method))

    @property
    def observations(self) -> list[str]:
        return list(self.post["observations"])

    @property
    def populations(self) -> list[int]:
        return [int(k) for k in self.post.get("populations", [])]

    @property
    def stages(self) -> pd.DataFrame:
        return pd.DataFrame(self.post.get("stages", []), columns=STAGES)

    def rows_of(self, body: Samples) -> int:
        """The rows the posterior's arrays hold (the n asked for)."""
        return int(self.post.get("rows", body.n))

    def draw_weights(self, body: Samples) -> np.ndarray:
        """The likelihood weights of the draws (equal for tempering)."""
        if self.weights is None:
            return np.full(body.n, 1.0 / body.n)
        return self.weights

    def rows_held(self, body: Samples) -> np.ndarray | None:
        """The equal-weight resample's rows of the weighted draws (None when
        the rows are already equally weighted)."""
        if self.weights is None:
            return None
        if self.rows is None:
            self.rows = weighted.equal_weight_rows(self.weights, self.rows_of(body), body.seed)
            self.rows.flags.writeable = False
        return self.rows

    def column(self, body: Samples, name: str) -> np.ndarray:
        """The posterior's draws of ``name``, equally weighted (read-only):
        the particles of tempering as they are (no copy), or the equal-weight
        resample of weighting (a copy, made once per column)."""
        draws = body.column(name)
        rows = self.rows_held(body)
        if rows is None:
            return draws
        if name not in self.resampled:
            values = draws[rows]
            values.flags.writeable = False
            self.resampled[name] = values
        return self.resampled[name]

    def ess(self, body: Samples | None, mcse: Any) -> float:
        """Kish's effective sample size after weighting; after tempering,
        what the spread of the outputs' means between populations implies
        (``mcse(name)``: an output's standard error of the mean)."""
        if body is None or len(self.populations) < 2:
            return float(self.post["ess"])
        if "honest_ess" not in self.post:
            sizes = []
            for name in body.outputs:
                se = mcse(name)
                if se > 0 and np.isfinite(se):
                    sizes.append(float(np.var(body.column(name))) / se**2)
            self.post["honest_ess"] = min([float(self.rows_of(body)), *sizes])
        return float(self.post["honest_ess"])

    def prior_of(self, body: Samples) -> Any:
        """The prior's core run: the first n draws of the same seed."""
        prior = self.post["prior"]
        n = self.rows_of(body)
        if prior.n > n:
            # Weighting drew more than n: the first n are the plain run's.
            columns = {
                name: np.ascontiguousarray(prior.columns[name][:n])
                for name in [*prior.outputs, *prior.inputs]
            }
            prior = _core._restore_run_output(
                n, prior.seed, prior.outputs, prior.inputs, columns, prior.keys_json()
            )
        return prior

    def tails_of(self, body: Samples, *, prior: bool) -> list[np.ndarray]:
        """Each observation's predictive tail on the prior's rows or the
        posterior's (computed on first use: only conflict checks need them)."""
        if prior not in self.tails:
            rows = self.post["prior"] if prior else body.raw
            latent = None if prior else list(self.post["scores"])
            self.tails[prior] = _core._observation_tails(
                list(body.model.evidence),
                rows,
                latent,
                threads=body.threads,
                conditioned=not prior,
            )
        return self.tails[prior]
