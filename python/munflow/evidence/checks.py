"""Checking evidence: do the sources agree, and what did each one change?

For each observation, munflow asks what the *other* observations and the
assumptions predict for it (the posterior predictive given all the others:
leave-one-out) and where the reported figure falls in that prediction. A
figure in the far tail (two-sided p below ``level``, 1% by default) is in
conflict. To say with whom, it then asks what each other observation alone
predicts for it, and what the prior alone does: a source can contradict
another source, or the assumptions.

The leave-one-out posteriors come from the run's own rows where they can
(the prior's rows weighted by the other observations' likelihoods, or the
posterior's rows with this observation's likelihood divided out, whichever
keeps more effective samples) and from a separate run of ``n_check``
samples leaving the observation out where neither keeps 200.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from munflow import _core
from munflow.formatting import ReadableTable, readable
from munflow.results import mcse, weighted

if TYPE_CHECKING:
    from munflow.results.protocols import Posterior

#: Fewer effective samples than this and a reweighted view is not trusted.
MIN_ESS = 200.0


class EvidenceCheck(ReadableTable):
    """One row per observation: what it says, how informative it is, the
    predictive p-values and the verdict (see :func:`check_evidence`)."""

    @property
    def _constructor(self) -> type[EvidenceCheck]:
        return EvidenceCheck


class Shifts(ReadableTable):
    """One row per (observation, output): the output's median and 90% range
    without the observation and with it, and the shifts with their Monte
    Carlo intervals (see :func:`shifts`). Printed, a shift whose interval
    holds 0 reads "within noise"."""

    @property
    def _constructor(self) -> type[Shifts]:
        return Shifts

    def _readable(self) -> pd.DataFrame:
        shown = pd.DataFrame(self)
        for shift in SHIFTS:
            noise = f"{shift}_within_noise"
            if shift in shown and noise in shown:
                words = [
                    "within noise" if quiet else readable(x)
                    for x, quiet in zip(shown[shift], shown[noise], strict=True)
                ]
                shown = shown.drop(columns=noise).assign(**{shift: words})
        return shown

    def __repr__(self) -> str:
        return self._readable().to_string(float_format=readable)

    def _repr_html_(self) -> str:
        return self._readable().to_html(float_format=readable, border=0)


#: The shifts :func:`shifts` reports, each with its Monte Carlo interval.
SHIFTS = ("change", "narrowing")

#: The Monte Carlo intervals of the shifts hold the shift a run of infinite
#: size would give 95% of the time.
Z_95 = 1.959964


@dataclass
class _View:
    """Rows, their weights and every observation's predictive tail on them:
    the posterior given some of the observations."""

    columns: Any
    weights: np.ndarray
    tails_of: Callable[[], list[np.ndarray]]
    ess: float
    source: str
    #: Sizes of the independent populations the rows are made of (tempering).
    populations: list[int] = field(default_factory=list)

    @property
    def tails(self) -> list[np.ndarray]:
        """Every observation's predictive tail on the rows (computed on use)."""
        return self.tails_of()


def _from_logs(log_weights: np.ndarray) -> np.ndarray:
    top = np.max(log_weights)
    if not np.isfinite(top):
        return np.zeros_like(log_weights)
    return np.exp(log_weights - top)


def _view_given(res: Posterior, keep: set[str], n_check: int) -> _View:
    """The posterior given only the observations named in ``keep``."""
    post = res._post
    names = res.observations
    prior_cols = post["prior"].columns
    # From the prior's rows, weighted by the kept observations.
    lw = np.zeros(res.draws)
    for name, ll in zip(names, post["prior_log_lik"], strict=True):
        if name in keep:
            lw = lw + ll
    w_prior = _from_logs(lw)
    best = _View(
        prior_cols,
        w_prior,
        lambda: res._tails(prior=True),
        weighted.effective_size(w_prior),
        "prior rows",
    )
    if keep:
        # From the posterior's rows, with the dropped observations divided out.
        with np.errstate(divide="ignore", invalid="ignore"):
            lw_post = np.log(res.draw_weights)
            for name, ll in zip(names, post["log_lik"], strict=True):
                if name not in keep:
                    lw_post = lw_post - ll
        lw_post = np.where(np.isnan(lw_post), -np.inf, lw_post)
        w_post = _from_logs(lw_post)
        ess_post = weighted.effective_size(w_post)
        if ess_post > best.ess:
            best = _View(
                post["run"].columns,
                w_post,
                lambda: res._tails(prior=False),
                ess_post,
                "posterior rows",
                res.populations,
            )
    if best.ess >= MIN_ESS or not keep:
        return best
    # Neither keeps enough samples: run the model leaving the others out.
    model = res.model
    fresh = _core._run_posterior(
        model._outputs,
        list(model.evidence),
        min(n_check, res.n) if res.n >= 1000 else n_check,
        res.seed,
        threads=res._threads,
        allow_nan=res._allow_nan,
        leave_out=[name for name in names if name not in keep],
        tails=True,
    )
    w = fresh["weights"]
    w = np.full(fresh["run"].n, 1.0) if w is None else np.asarray(w)
    tails = fresh["tails"]
    return _View(
        fresh["run"].columns,
        w,
        lambda: tails,
        weighted.effective_size(w),
        "separate run",
        [int(k) for k in fresh.get("populations", [])],
    )


def _quantiles_with_errors(
    values: np.ndarray, weights: np.ndarray, populations: list[int], qs: list[float]
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted quantiles and their Monte Carlo standard errors: the
    delta method's for independent draws, the spread between populations
    for tempering's correlated particles."""
    values = np.asarray(values, dtype=float)
    figures = weighted.quantiles(values, weights, qs)
    if len(populations) < 2:
        return figures, mcse.of_draws(values, weights, qs)[1]
    bounds = np.cumsum([0, *populations])
    per_population = [
        weighted.quantiles(values[a:b], weights[a:b], qs) if weights[a:b].sum() > 0 else nans
        for a, b in zip(bounds[:-1], bounds[1:], strict=True)
        for nans in [np.full(len(qs), np.nan)]
    ]
    return figures, mcse.spread(np.array(per_population))


def _ratio_error(top: float, se_top: float, bottom: float, se_bottom: float) -> float:
    """Standard error of top / bottom, top and bottom independent (delta method)."""
    return float(np.hypot(se_top, top / bottom * se_bottom) / abs(bottom))


#: Kinds whose figures no sample predicts on its own, and why: they take no
#: part in conflict checks.
UNCHECKED = {
    "log_likelihood": "a custom term predicts no figure",
    # Given the total alone, the lists' capture probabilities are integrated
    # out: the table's law is a mixture whose tail has no cheap form.
    "sightings": "sightings predict no single figure given the total",
}


def _p_value(view: _View, j: int, kind: str) -> float:
    """Where observation j's figure falls in what the view predicts: the
    two-sided mid p-value of a figure, or for a bound the probability that
    the statement holds."""
    tail = np.asarray(view.tails[j])
    if kind in UNCHECKED or tail.size == 0:
        return float("nan")
    w = view.weights
    below = float(np.dot(w, tail) / w.sum())
    if kind in ("at_least", "at_most", "between"):
        return below
    return float(min(1.0, 2.0 * min(below, 1.0 - below)))


def check_evidence(res: Posterior, *, level: float = 0.01, n_check: int = 20_000) -> EvidenceCheck:
    """Whether the observations agree with each other and with the assumptions.

    Columns: ``description``; ``informative`` (the share of the prior's
    samples the observation alone leaves effective: near 1 says little, near
    0 says much); ``ess_kept`` (its effect on the effective sample size:
    the share of the effective samples the other observations leave that
    this one keeps, in likelihood weighting of the prior's samples);
    ``p_given_others`` (where its figure falls in what all the other
    observations and the assumptions predict: the two-sided mid p-value, or
    for a bound the probability it holds); ``p_given_prior`` (the same from
    the assumptions alone); ``conflict`` (either below ``level``); and
    ``verdict``, naming the sources in conflict.
    """
    if not 0.0 < level < 0.5:
        raise ValueError(f"level must be in (0, 0.5), got {level}")
    names = res.observations
    kinds = {obs.name: obs.kind for obs in res.model.evidence}
    # A drawn count stated exactly is judged as a stated figure (its tail is
    # a mid p-value), not as a bound that holds or not.
    kinds.update(dict.fromkeys(res._post.get("exact_counts", ()), "poisson"))
    descriptions = {obs.name: obs.description for obs in res.model.evidence}
    post = res._post
    prior_view = _view_given(res, set(), n_check)
    terms = [np.asarray(ll) for ll in post["prior_log_lik"]]
    ess_all = weighted.effective_size(_from_logs(np.sum(terms, axis=0)))
    prior_draws = len(terms[0])
    rows = []
    for j, name in enumerate(names):
        kind = kinds[name]
        alone = _from_logs(terms[j])
        others = [t for i, t in enumerate(terms) if i != j]
        ess_others = (
            weighted.effective_size(_from_logs(np.sum(others, axis=0))) if others else prior_draws
        )
        others = _view_given(res, set(names) - {name}, n_check)
        p_others = _p_value(others, j, kind)
        p_prior = _p_value(prior_view, j, kind)
        against: list[str] = []
        if p_prior < level:
            against.append("the assumptions (prior)")
        if p_others < level:
            for other in names:
                if other == name:
                    continue
                p_pair = _p_value(_view_given(res, {other}, n_check), j, kind)
                if p_pair < level and (p_prior >= level or p_pair < p_prior / 10):
                    against.append(repr(other))
            if not against:
                against.append("the other observations together")
        verdict = "conflicts with " + ", ".join(against) if against else "agrees"
        if kind in UNCHECKED:
            verdict = f"not checked ({UNCHECKED[kind]})"
        rows.append(
            {
                "observation": name,
                "description": descriptions[name],
                "informative": weighted.effective_size(alone) / prior_draws,
                "ess_kept": ess_all / ess_others if ess_others > 0 else np.nan,
                "p_given_others": p_others,
                "p_given_prior": p_prior,
                "conflict": bool(against) and kind not in UNCHECKED,
                "verdict": verdict,
                "checked_on": others.source,
            }
        )
    table = EvidenceCheck(pd.DataFrame(rows).set_index("observation"))
    table.attrs.update(level=level, n=res.n, seed=res.seed)
    return table


def shifts(res: Posterior, output: str | None = None, *, n_check: int = 20_000) -> Shifts:
    """How much each observation moved each output, and whether that is
    more than the Monte Carlo noise of the run.

    Columns: the output's median and 90% range given all the other
    observations (``median_without``, ``range_without``) and given all of
    them (``median_with``, ``range_with``); the shifts ``change`` (relative
    change of the median, median_with / median_without - 1) and
    ``narrowing`` (1 - range_with / range_without), each followed by its
    95% Monte Carlo interval (``change_lo``, ``change_hi``;
    ``narrowing_lo``, ``narrowing_hi``: where the shift could lie if the
    run were repeated with another seed) and ``change_within_noise`` /
    ``narrowing_within_noise``: the interval holds 0, so the run cannot
    tell the shift from none. Printed, such a shift reads "within noise".

    The intervals come from the effective samples of the two posteriors
    compared: the quantiles' delta-method errors for weighted draws
    (:func:`munflow.results.mcse.of_draws`), the spread between populations for
    tempering's particles, combined by the delta method as if the two were
    independent. When they share rows (a reweighting of the same draws)
    their errors are positively correlated, so the interval is then a
    little wide: a shift reported as real is real.

    >>> import munflow as mf
    >>> rate = mf.beta(2, 8, name="fail_rate")
    >>> containers = mf.lognormal_ci(6000, 8000, name="containers")
    >>> res = mf.Model({"fail_rate": rate, "containers": containers}).observe(
    ...     mf.evidence.count(25, n=50, p=rate, name="failures"),
    ...     mf.evidence.measured(containers, 7000, rel_error=0.15, name="minister"),
    ... ).run(4_000, seed=1)
    >>> bool(res.shifts().loc[("minister", "fail_rate"), "narrowing_within_noise"])
    True
    """
    outputs = res.outputs if output is None else [output]
    for name in outputs:
        res[name]  # raises KeyError naming the columns
    names = res.observations
    qs = [0.05, 0.5, 0.95]
    rows = []
    for name in names:
        view = _view_given(res, set(names) - {name}, n_check)
        for out in outputs:
            (lo, med, hi), (se_lo, se_med, se_hi) = _quantiles_with_errors(
                view.columns[out], view.weights, view.populations, qs
            )
            values, weights = res._weighted(out)
            (plo, pmed, phi), (se_plo, se_pmed, se_phi) = _quantiles_with_errors(
                values, weights, res.populations, qs
            )
            row: dict[str, Any] = {"observation": name, "output": out}
            row["median_without"], row["median_with"] = med, pmed
            change, se_change = np.nan, np.nan
            if med != 0:
                change = pmed / med - 1
                se_change = _ratio_error(pmed, se_pmed, med, se_med)
            row.update(_with_interval("change", change, se_change))
            row["range_without"], row["range_with"] = hi - lo, phi - plo
            narrowing, se_narrowing = np.nan, np.nan
            if hi > lo:
                narrowing = 1 - (phi - plo) / (hi - lo)
                se_narrowing = _ratio_error(
                    phi - plo, np.hypot(se_plo, se_phi), hi - lo, np.hypot(se_lo, se_hi)
                )
            row.update(_with_interval("narrowing", narrowing, se_narrowing))
            rows.append(row)
    table = Shifts(pd.DataFrame(rows).set_index(["observation", "output"]))
    table.attrs.update(n=res.n, seed=res.seed)
    return table


def _with_interval(shift: str, value: float, se: float) -> dict[str, Any]:
    """A shift, its 95% Monte Carlo interval and whether that holds 0."""
    lo, hi = value - Z_95 * se, value + Z_95 * se
    return {
        shift: value,
        f"{shift}_lo": lo,
        f"{shift}_hi": hi,
        # An unknown interval (NaN) says nothing: not "within noise".
        f"{shift}_within_noise": bool(lo <= 0 <= hi),
    }
