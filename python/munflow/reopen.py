"""Opening a results file written by ``Results.save``: ``munflow.load(path)``.

The file is read with ``allow_pickle=False`` and its metadata parsed by
munflow's own reader (see :mod:`munflow.persist` for the layout): opening a
results file from someone else cannot run code. A loaded result is whole: its
samples, summaries, ``prob`` of new events on the same draws, and analyses.
"""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

from munflow import _core
from munflow.evidence import Observation
from munflow.model import Model
from munflow.persist import FORMAT, VERSION
from munflow.posterior import PosteriorResults
from munflow.results import Results
from munflow.scenario import Scenario, ScenarioPosteriorResults, ScenarioResults, output_info


def load(path: str | os.PathLike[str]) -> Results:
    """Open results written by ``Results.save`` (never unpickling anything)."""
    with np.load(path, allow_pickle=False) as data:
        if "meta" not in data.files:
            raise ValueError(f"{path}: not a munflow results file (no metadata)")
        meta = json.loads(str(data["meta"]))
        if meta.get("format") != FORMAT:
            raise ValueError(f"{path}: not a munflow results file")
        if meta.get("version") != VERSION:
            raise ValueError(
                f"{path}: results file version {meta.get('version')}; this munflow reads "
                f"version {VERSION}"
            )
        columns = {
            name: np.ascontiguousarray(data[f"column_{i}"], dtype=np.float64)
            for i, name in enumerate(meta["columns"])
        }
        arrays = {name: np.ascontiguousarray(data[name]) for name in data.files if name != "meta"}
    raw = _core._restore_run_output(
        meta["n"], meta["seed"], meta["outputs"], meta["inputs"], columns, meta["keys"]
    )
    exprs = _core.restore_graph(meta["model"]["graph"])
    names = meta["model"]["outputs"]
    outputs = dict(zip(names, exprs[: len(names)], strict=True))
    saved_post = meta.get("posterior")
    evidence = _observations(saved_post, exprs[len(names) :]) if saved_post else ()
    model = Model(outputs, evidence=evidence)
    res: Results
    if saved_post is None:
        res = Results(raw, model, threads=meta["threads"], allow_nan=meta["allow_nan"])
    else:
        post = _posterior(saved_post, raw, meta, arrays)
        res = PosteriorResults(post, model, threads=meta["threads"], allow_nan=meta["allow_nan"])
    saved = meta.get("scenario")
    if saved is None:
        return res
    spec = _core._restore_scenario(saved["text"], saved["format"], saved["origin"], saved["lines"])
    info = output_info(saved["output_info"])
    kind = ScenarioPosteriorResults if saved_post else ScenarioResults
    return kind(
        res,  # type: ignore[arg-type]
        scenario=Scenario(spec, origin=saved["origin"]),
        meta=info,
        estimates=saved["estimates"],
    )


def _observations(saved: dict[str, Any], nodes: list[Any]) -> tuple[Observation, ...]:
    """The observations, on the nodes restored after the outputs'."""
    out = []
    for entry in saved["observations"]:
        arity = entry["arity"]
        out.append(
            Observation(entry["kind"], entry["name"], tuple(nodes[:arity]), entry["figures"])
        )
        nodes = nodes[arity:]
    return tuple(out)


def _posterior(
    saved: dict[str, Any], raw: Any, meta: dict[str, Any], arrays: dict[str, np.ndarray]
) -> dict[str, Any]:
    """The posterior's parts as ``_core.run_posterior`` returns them."""
    prior_meta = saved["prior"]
    prior_columns = {
        name: np.ascontiguousarray(arrays[f"prior_{i}"], dtype=np.float64)
        for i, name in enumerate(prior_meta["columns"])
    }
    prior = _core._restore_run_output(
        meta["n"],
        meta["seed"],
        prior_meta["outputs"],
        prior_meta["inputs"],
        prior_columns,
        prior_meta["keys"],
    )
    count = len(saved["observations"])

    def parts(part: str) -> list[np.ndarray]:
        return [arrays[f"{part}_{j}"] for j in range(count)]

    return {
        **{k: saved[k] for k in ("method", "ess", "weighting_ess", "weighting_pareto_k")},
        "log_evidence": saved["log_evidence"],
        # Files from before weighting could use more draws than n: rows = draws.
        "rows": saved.get("rows", raw.n),
        "method_reason": saved.get("method_reason", saved["method"]),
        "run": raw,
        "prior": prior,
        "weights": arrays["weights"] if saved["weighted"] else None,
        "log_lik": parts("log_lik"),
        "tails": [],
        "prior_log_lik": parts("prior_log_lik"),
        "prior_tails": [],
        "scores": [(int(key), arrays[f"scores_{i}"]) for i, key in enumerate(saved["score_keys"])],
        "stages": saved["stages"],
        "observations": [o["name"] for o in saved["observations"]],
    }
