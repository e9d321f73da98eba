"""A posterior in ArviZ's container, the standard one for posterior analysis
(``az.summary``, ``az.plot_dist``, ``az.loo``).

The groups are built once, as xarray Datasets, and handed out as ArviZ 0.x's
``InferenceData`` or, with ArviZ 1.x (Python >= 3.12), as an
``xarray.DataTree``:

* ``posterior``: every stored output and input, dims (chain, draw). After
  tempering, the chains are its independent populations (when they hold
  equally many rows; else one chain); after weighting, one chain of the
  equal-weight resample the arrays hold (:func:`munflow.results.weighted.equal_weight_rows`).
* ``sample_stats``: aligned with those draws (each draw's total
  log-likelihood, ``lp``), with the method, the tempering stages'
  temperatures and the log marginal likelihood with its error as attributes.
* ``log_likelihood``: one variable per observation at each draw, so that
  ``az.loo`` works.
* ``prior``: the model without its evidence, same seed and n.
* ``observed_data``: each observation's stated figures.
* ``weighted_draws`` (weighting only): the draws behind the resample with
  their log weights, which do not align with the resampled draws.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from munflow.results.protocols import Posterior

#: The figures of an observation worth putting in ``observed_data``.
FIGURES = ("value", "k", "lower", "upper")


def to_arviz(res: Posterior) -> Any:
    """The posterior as ArviZ's ``InferenceData`` (ArviZ 0.x) or an
    ``xarray.DataTree`` (ArviZ 1.x); needs ``pip install 'munflow[arviz]'``."""
    try:
        import arviz as az
    except ImportError as err:
        raise ImportError(
            "to_arviz() needs ArviZ: pip install 'munflow[arviz]' (or pip install arviz)"
        ) from err
    groups = posterior_groups(res)
    if int(az.__version__.split(".")[0]) >= 1:  # pragma: no cover - needs Python >= 3.12
        import xarray as xr

        return xr.DataTree.from_dict({f"/{name}": ds for name, ds in groups.items()})
    return az.InferenceData(**groups)


def posterior_groups(res: Posterior) -> dict[str, Any]:
    """The groups of :func:`to_arviz` as xarray Datasets, by group name."""
    import xarray as xr

    names = res.keys()
    chains = _chains(res)
    post = res._post
    rows = res._rows_held()
    take = (lambda a: np.asarray(a)) if rows is None else (lambda a: np.asarray(a)[rows])

    def shaped(values: np.ndarray) -> tuple[tuple[str, str], np.ndarray]:
        return ("chain", "draw"), np.asarray(values, dtype=float).reshape(chains, -1)

    posterior = xr.Dataset({name: shaped(res[name]) for name in names})
    observations = res.observations
    log_lik = [take(ll) for ll in post["log_lik"]]
    log_likelihood = xr.Dataset(
        {name: shaped(ll) for name, ll in zip(observations, log_lik, strict=True)}
    )
    stats_attrs: dict[str, Any] = {
        "method": res.method,
        "method_reason": res.method_reason,
        "log_marginal_likelihood": res.log_evidence,
        "log_marginal_likelihood_se": res.log_evidence_se,
        "effective_sample_size": res.ess,
    }
    if res.method == "tempering":
        stats_attrs["temperatures"] = [float(t) for t in res.stages["temperature"]]
    total = np.sum(log_lik, axis=0) if log_lik else np.zeros(res.n)
    sample_stats = xr.Dataset({"lp": shaped(total)}, attrs=stats_attrs)
    prior = res.prior
    prior_ds = xr.Dataset(
        {
            name: (("chain", "draw"), np.asarray(prior[name], dtype=float)[None, :])
            for name in prior.keys()
        }
    )
    observed = {}
    for obs in res.model.evidence:
        figures = [float(obs.figures[k]) for k in FIGURES if _is_number(obs.figures.get(k))]
        if figures:
            observed[obs.name] = ((f"{obs.name}_figure",), np.array(figures))
    groups = {
        "posterior": posterior,
        "sample_stats": sample_stats,
        "log_likelihood": log_likelihood,
        "prior": prior_ds,
        "observed_data": xr.Dataset(observed),
    }
    for ds in groups.values():
        ds.attrs.update(seed=res.seed, n=res.n, created_by="munflow")
    if res.is_weighted:
        draws = res.weighted_rows()
        weighted = {
            name: (("weighted_draw",), draws[name].to_numpy()) for name in names if name in draws
        }
        with np.errstate(divide="ignore"):
            weighted["log_weight"] = (("weighted_draw",), np.log(res.draw_weights))
        groups["weighted_draws"] = xr.Dataset(weighted, attrs={"draws": res.draws})
    return groups


def _chains(res: Posterior) -> int:
    """The independent populations as chains when they are equally long."""
    sizes = res.populations
    if len(sizes) > 1 and len(set(sizes)) == 1:
        return len(sizes)
    return 1


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and np.isfinite(value)
